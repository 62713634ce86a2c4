from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django_ratelimit.core import is_ratelimited

from governance import roles
from governance.models import User
from governance.net import client_network


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


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form with a mail budget per client address and per account.

    Past either budget the page answers exactly as before (the neutral "check your e-mail"),
    so it tells nobody whether an account exists, but no mail is sent."""

    def form_valid(self, form):
        if reset_mail_budget_spent(self.request, form.cleaned_data["email"]):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


def reset_mail_budget_spent(request, email):
    """Count this reset request against its address and its account; True when either is over."""
    spent = [
        is_ratelimited(
            request,
            group=f"password-reset-{what}",
            key=lambda group, request, value=value: value,
            rate=rate,
            increment=True,
        )
        for what, value, rate in (
            ("address", client_network(request) or "", settings.PASSWORD_RESET_RATE_PER_ADDRESS),
            ("account", User.objects.normalize_login(email), settings.PASSWORD_RESET_RATE_PER_ACCOUNT),
        )
    ]
    return any(spent)


@login_required
def home(request):
    """Send each role to its own home page."""
    return redirect(roles.home_url(request.user))
