"""Changing the trust page setting (governance admins), audit-logged like every admin change."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from governance import audit
from trust.models import TrustSettings

AUDITED_FIELDS = ("enabled", "minimum_group_size", "organization_name", "public_text")


def _state(setting: TrustSettings) -> dict[str, Any]:
    return {name: getattr(setting, name) for name in AUDITED_FIELDS}


def update_trust_settings(
    *,
    enabled: bool,
    minimum_group_size: int,
    organization_name: str,
    public_text: str,
    actor: Any,
    now: datetime.datetime | None = None,
) -> TrustSettings:
    """Store the setting (validated by the model's rules first) and record who changed what,
    before and after. Saving the same values again writes nothing and records nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        setting = TrustSettings.objects.select_for_update().filter(pk=TrustSettings.SINGLETON_PK).first()
        setting = setting or TrustSettings(pk=TrustSettings.SINGLETON_PK)
        before = _state(setting)
        setting.enabled = enabled
        setting.minimum_group_size = minimum_group_size
        setting.organization_name = organization_name
        setting.public_text = public_text
        after = _state(setting)
        if before == after and not setting._state.adding:
            return setting
        setting.full_clean(exclude=["updated_by"])
        setting.updated_at = now
        setting.updated_by = actor if getattr(actor, "pk", None) else None
        adding = setting._state.adding
        setting.save()
        audit.record(
            actor=actor,
            action="trust_settings.updated",
            obj=setting,
            before=None if adding else {k: v for k, v in before.items() if after[k] != v},
            after=after if adding else {k: v for k, v in after.items() if before[k] != v},
        )
    return setting
