"""Reads about how people sign in: the policy, the providers offered, who may use a password."""

from dataclasses import dataclass
from typing import Any

from allauth.socialaccount.adapter import get_adapter

from identity.models import SignInPolicy


@dataclass(frozen=True)
class ProviderChoice:
    provider_id: str
    name: str
    login_url: str


def sign_in_providers(request: Any) -> list[ProviderChoice]:
    """The identity providers offered on the sign-in page, in name order."""
    providers = get_adapter(request).list_providers(request)
    choices = [ProviderChoice(p.app.provider_id, p.app.name or p.name, p.get_login_url(request)) for p in providers]
    return sorted(choices, key=lambda choice: choice.name.casefold())


def is_break_glass(user: Any) -> bool:
    """Superusers and the accounts the policy lists keep their password when passwords are off."""
    if not user.is_active:
        return False
    return user.is_superuser or SignInPolicy.current().break_glass_accounts.filter(pk=user.pk).exists()


def password_allowed(user: Any) -> bool:
    """May this account sign in with its password now?"""
    return SignInPolicy.current().password_sign_in or is_break_glass(user)


def sso_required(request: Any) -> bool:
    """Passwords are off and at least one provider is there to sign in with."""
    return not SignInPolicy.current().password_sign_in and bool(sign_in_providers(request))
