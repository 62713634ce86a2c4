from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect

from governance import roles


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail address", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": "That e-mail address and password do not match. Check both and try again.",
        "inactive": "This account is disabled. Ask your governance admin.",
    }


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True


@login_required
def home(request):
    """Send each role to its own home page."""
    return redirect(roles.home_url(request.user))
