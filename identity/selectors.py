"""Reads about how people sign in: the policy, the providers offered, who may use a password."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.socialaccount.adapter import get_adapter

from identity.models import SignInPolicy


@dataclass(frozen=True)
class ProviderChoice:
    provider_id: str
    name: str
    login_url: str
    origin: str  # where the sign-in button's form ends up (the provider's authorization page)


def _origin(app: Any) -> str:
    """The provider's origin (scheme://host[:port]) from its configured addresses, read without
    a network call: OpenID Connect's ``server_url``, SAML's IdP ``sso_url`` or ``metadata_url``."""
    settings = app.settings or {}
    overrides = settings.get("openid_configuration_overrides") or {}
    idp = settings.get("idp") or {}
    for url in (
        overrides.get("authorization_endpoint"),
        settings.get("server_url"),
        idp.get("sso_url"),
        idp.get("metadata_url"),
    ):
        if isinstance(url, str):
            parts = urlsplit(url)
            if parts.scheme in ("https", "http") and parts.netloc:
                return f"{parts.scheme}://{parts.netloc}"
    return ""


def sign_in_providers(request: Any) -> list[ProviderChoice]:
    """The identity providers offered on the sign-in page, in name order."""
    providers = get_adapter(request).list_providers(request)
    choices = [
        ProviderChoice(p.app.provider_id, p.app.name or p.name, p.get_login_url(request), _origin(p.app))
        for p in providers
    ]
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
