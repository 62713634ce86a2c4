"""Writes of the browser extension: pairing codes, pairing a device, revoking it, recording
usage signals. Each takes ``now`` from the caller (default the application's clock), runs in
one transaction and writes its audit event there."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone

from browser_extension import tokens
from browser_extension.models import Device, PairingCode, UsageSignal
from governance import audit
from governance.validators import control_character_message
from people.models import Employee

DEVICE_NAME_MAX = 100
USER_AGENT_MAX = 300
# A device's last use is written at most this often: a status read is not a write per request.
LAST_SEEN_EVERY = datetime.timedelta(minutes=5)


class PairingRefused(Exception):
    """The code cannot pair a device (unknown, used, expired, or its employee has left)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@transaction.atomic
def create_pairing_code(
    *, employee: Employee, actor: Any, now: datetime.datetime | None = None
) -> tuple[PairingCode, str]:
    """A new one-time code for ``employee`` (returned once, stored hashed). Codes created before
    and not used expire now: one live code per person."""
    now = now or timezone.now()
    PairingCode.objects.filter(employee=employee, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    code = tokens.new_code()
    record = PairingCode.objects.create(
        employee=employee,
        code_hash=tokens.code_digest(code),
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
        expires_at=now + datetime.timedelta(minutes=settings.EXTENSION_PAIRING_CODE_MINUTES),
    )
    audit.record(
        actor=actor,
        action="extension.pairing_code_created",
        obj=employee,
        after={"pairing_code": record.pk, "expires_at": record.expires_at.isoformat()},
    )
    return record, code


def clean_device_name(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError({"device_name": "Name this browser, e.g. 'Work laptop, Chrome'."})
    name = " ".join(raw.split())
    if len(name) > DEVICE_NAME_MAX:
        raise ValidationError({"device_name": f"At most {DEVICE_NAME_MAX} characters."})
    problem = control_character_message(name)
    if problem:
        raise ValidationError({"device_name": problem})
    return name


@transaction.atomic
def pair_device(
    *, code: str, device_name: Any, user_agent: str = "", now: datetime.datetime | None = None
) -> tuple[Device, str]:
    """Exchange a valid pairing code for a new device and its token (returned once, stored as
    SHA-256). The code is spent whatever happens next; PairingRefused says why it cannot pair."""
    now = now or timezone.now()
    name = clean_device_name(device_name)
    normalized = tokens.normalize_code(code)
    if normalized is None:
        raise PairingRefused("That is not a pairing code: 8 letters and digits, as shown on your page.", "invalid_code")
    record = (
        PairingCode.objects.select_for_update()
        .select_related("employee")
        .filter(code_hash=tokens.code_digest(normalized))
        .first()
    )
    if record is None:
        raise PairingRefused("Unknown pairing code. Create a new one on your My AI tools page.", "unknown_code")
    if record.used_at is not None:
        raise PairingRefused("This pairing code was already used. Create a new one.", "used_code")
    if now >= record.expires_at:
        raise PairingRefused("This pairing code has expired. Create a new one.", "expired_code")
    if record.employee.status == Employee.Status.TERMINATED:
        raise PairingRefused("This pairing code belongs to an employee record that is no longer active.", "inactive")
    PairingCode.objects.filter(pk=record.pk).update(used_at=now)
    token = tokens.new_token()
    device = Device.objects.create(
        employee=record.employee,
        name=name,
        user_agent=(user_agent or "")[:USER_AGENT_MAX],
        token_hash=tokens.token_digest(token),
        created_at=now,
        last_seen_at=now,
    )
    audit.record(
        actor=None,
        actor_label="browser extension",
        action="extension.device_paired",
        obj=record.employee,
        after={"device": device.pk, "name": device.name, "pairing_code": record.pk},
    )
    return device, token


@transaction.atomic
def revoke_device(*, device: Device, actor: Any, now: datetime.datetime | None = None) -> bool:
    """Revoke a device's token for good; False when it was already revoked."""
    now = now or timezone.now()
    if not Device.objects.filter(pk=device.pk, revoked_at__isnull=True).update(revoked_at=now):
        return False
    device.revoked_at = now
    audit.record(
        actor=actor,
        action="extension.device_revoked",
        obj=device.employee,
        before={"device": device.pk, "name": device.name},
    )
    return True


def device_seen(*, device: Device, now: datetime.datetime | None = None) -> None:
    """Note that the device was used (at most every few minutes, a single UPDATE)."""
    now = now or timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at >= LAST_SEEN_EVERY:
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now


def record_usage_signals(
    *, employee: Employee, signals: Iterable[tuple[int, datetime.date]], now: datetime.datetime | None = None
) -> int:
    """Record that the employee's browser opened these tools on these days (validated by the
    caller: known platforms, days within the window). Idempotent: one row per person x tool x
    day, a repeat only moves ``last_reported_at``. One statement. Returns the rows written."""
    now = now or timezone.now()
    rows = [
        UsageSignal(employee=employee, platform_id=platform_id, day=day, first_reported_at=now, last_reported_at=now)
        for platform_id, day in sorted(set(signals))
    ]
    if not rows:
        return 0
    UsageSignal.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["employee", "platform", "day"],
        update_fields=["last_reported_at"],
    )
    return len(rows)


# --- Retention of usage signals ----------------------------------------------------------------

PURGE_BATCH = 5000  # rows per transaction
PURGE_MAX_BATCHES = 200  # per run: the rest waits for tomorrow's run (the totals say so)
PURGE_LABEL = "usage signal retention job"


def signal_retention_days() -> int:
    """EXTENSION_SIGNAL_RETENTION_DAYS, checked: a whole number of days, at least the longest
    window the officers' page and the API allow (EXTENSION_USAGE_WINDOW_MAX_DAYS), so that no
    figure they show loses its signals. Raises ImproperlyConfigured otherwise."""
    days = settings.EXTENSION_SIGNAL_RETENTION_DAYS
    longest = settings.EXTENSION_USAGE_WINDOW_MAX_DAYS
    if not isinstance(days, int) or isinstance(days, bool) or days < longest:
        raise ImproperlyConfigured(
            f"EXTENSION_SIGNAL_RETENTION_DAYS must be a whole number of days, at least "
            f"EXTENSION_USAGE_WINDOW_MAX_DAYS ({longest}), the longest window officers can look at; it is {days!r}."
        )
    return days


def purge_usage_signals(
    *, today: datetime.date, batch_size: int = PURGE_BATCH, max_batches: int = PURGE_MAX_BATCHES
) -> dict[str, Any]:
    """The daily job: delete the usage signals of days more than EXTENSION_SIGNAL_RETENTION_DAYS
    before ``today``, ``batch_size`` rows per transaction and at most ``max_batches`` batches per
    run (``more`` says some are left for the next run). Safe to run twice: the second run finds
    nothing. One audit event per run that deleted something."""
    days = signal_retention_days()
    kept_from = today - datetime.timedelta(days=days)
    old = UsageSignal.objects.filter(day__lt=kept_from).order_by("pk")
    deleted = batches = 0
    more = False
    while True:
        ids = list(old.values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        if batches == max_batches:
            more = True
            break
        with transaction.atomic():
            deleted += UsageSignal.objects.filter(pk__in=ids).delete()[0]
        batches += 1
    totals = {"deleted": deleted, "batches": batches, "more": more, "kept_from": kept_from.isoformat()}
    if deleted:
        audit.record(
            action="extension.usage_signals_purged",
            obj=audit.Subject("browser_extension.usagesignal", f"before {kept_from.isoformat()}"),
            after={**totals, "retention_days": days, "today": today.isoformat()},
            actor_label=PURGE_LABEL,
        )
    return totals
