from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect

from governance import roles
from governance.models import User


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail address", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": "That e-mail address and password do not match. Check both and try again.",
        "inactive": "This account is disabled. Ask your governance admin.",
    }

    def clean_username(self):
        # One spelling per account, so that authentication and the lockout count see the same name.
        return User.objects.normalize_login(self.cleaned_data["username"])


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True


@login_required
def home(request):
    """Send each role to its own home page."""
    return redirect(roles.home_url(request.user))
