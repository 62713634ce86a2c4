"""Per-provider options: which claims carry what, whom a provider may let in, just-in-time.

Admin-configured providers (allauth ``SocialApp`` rows) take them from ``ProviderOptions``;
providers fixed by the environment (``SSO_PROVIDERS``) from their own settings, so that a
locked-down install cannot be changed from the admin."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from identity.models import ProviderOptions

DEFAULT_CLAIMS = {"email": "email", "employee_number": "employee_number", "groups": "groups", "name": "name"}


@dataclass(frozen=True)
class Options:
    provider_id: str
    claims: Mapping[str, str]  # the product's name -> the provider's claim name
    allowed_email_domains: tuple[str, ...] = ()
    just_in_time: bool = False

    def allows_email(self, email: str) -> bool:
        """True when no domain list is set, or the address's domain is on it (exactly)."""
        if not self.allowed_email_domains:
            return True
        return email.rpartition("@")[2].lower() in self.allowed_email_domains


def _domains(value: Any) -> tuple[str, ...]:
    items = value.split() if isinstance(value, str) else list(value or [])
    return tuple(sorted({str(item).strip().lower().lstrip("@") for item in items if str(item).strip()}))


def options_for(app: Any) -> Options:
    """The options of an allauth SocialApp (saved or from settings); defaults where unset."""
    if app.pk is None:  # from SOCIALACCOUNT_PROVIDERS / SSO_PROVIDERS
        settings = app.settings or {}
        claims = {**DEFAULT_CLAIMS, **{k: str(v) for k, v in (settings.get("claims") or {}).items()}}
        return Options(
            provider_id=app.provider_id,
            claims=claims,
            allowed_email_domains=_domains(settings.get("allowed_email_domains")),
            just_in_time=bool(settings.get("just_in_time", False)) and bool(settings.get("allowed_email_domains")),
        )
    row = ProviderOptions.objects.filter(provider_id=app.provider_id).first()
    if row is None:
        return Options(provider_id=app.provider_id, claims=dict(DEFAULT_CLAIMS))
    domains = _domains(row.allowed_email_domains)
    return Options(
        provider_id=app.provider_id,
        claims={
            "email": row.email_claim,
            "employee_number": row.employee_number_claim,
            "groups": row.groups_claim,
            "name": row.name_claim,
        },
        allowed_email_domains=domains,
        just_in_time=row.just_in_time and bool(domains),
    )
