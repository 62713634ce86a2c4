"""API keys: creation (the secret is returned once), authentication, revocation, the demo key."""

import datetime
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone

from governance import audit
from integrations.models import ALL_SCOPES, ApiKey, IdempotencyRecord

KEY_PREFIX = "gov_"
PREFIX_CHARS = 8
# last_used_at is written at most this often per key, so a busy integration does not
# turn every read into a write.
LAST_USED_RESOLUTION_SECONDS = 60
DEMO_KEY_NAME = "Demo HR integration"


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    secret: str  # the full key; shown once, never stored


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def parse_scopes(value: Any) -> list[str]:
    """``"a,b"`` or a list into a validated, de-duplicated, ordered list of scopes."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    scopes = [s.strip() for s in items if s and s.strip()]
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise ValidationError({"scopes": f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(ALL_SCOPES)}."})
    if not scopes:
        raise ValidationError({"scopes": "Give at least one scope."})
    return [s for s in ALL_SCOPES if s in scopes]


def _compose(prefix: str, secret: str) -> str:
    return f"{KEY_PREFIX}{prefix}_{secret}"


@transaction.atomic
def create_api_key(
    *, name: str, scopes: Iterable[str], actor: Any = None, prefix: str | None = None, secret: str | None = None
) -> IssuedKey:
    """Create a key; the returned secret is the only time the full key exists in clear."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the key a name."})
    scopes = parse_scopes(scopes)
    prefix = prefix or secrets.token_hex(PREFIX_CHARS // 2)
    secret = secret or secrets.token_urlsafe(32)
    raw = _compose(prefix, secret)
    api_key = ApiKey.objects.create(name=name, prefix=prefix, key_hash=hash_key(raw), scopes=scopes, created_by=actor)
    audit.record(
        actor=actor,
        action="api_key.created",
        obj=api_key,
        after={"name": name, "prefix": prefix, "scopes": scopes},
    )
    return IssuedKey(api_key=api_key, secret=raw)


@transaction.atomic
def revoke_api_key(*, api_key: ApiKey, actor: Any = None) -> ApiKey:
    """Revoke a key at once; revoking twice keeps the first revocation time."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=api_key.revoked_at)
        audit.record(
            actor=actor,
            action="api_key.revoked",
            obj=api_key,
            before={"revoked_at": None},
            after={"revoked_at": api_key.revoked_at.isoformat()},
        )
    return api_key


def authenticate_key(raw: str) -> ApiKey | None:
    """The active key for a presented secret, or None. Compares hashes in constant time."""
    if not raw or not raw.startswith(KEY_PREFIX):
        return None
    prefix, sep, _ = raw[len(KEY_PREFIX) :].partition("_")
    if not sep or not prefix:
        return None
    api_key = ApiKey.objects.filter(prefix=prefix).first()
    if api_key is None:
        hmac.compare_digest(hash_key(raw), "0" * 64)  # same work whether or not the prefix exists
        return None
    if not hmac.compare_digest(api_key.key_hash, hash_key(raw)) or api_key.revoked_at is not None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def _demo_material() -> tuple[str, str]:
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured("The demo API key exists only outside production.")
    digest = hmac.new(settings.SECRET_KEY.encode(), b"demo-api-key", hashlib.sha256).hexdigest()
    return digest[:PREFIX_CHARS], digest[PREFIX_CHARS : PREFIX_CHARS + 40]


def demo_api_key_secret() -> str:
    """The demo key, derived from this install's random SECRET_KEY: the same on every run of the
    install (so `make run` can print it again), different on every other install."""
    prefix, secret = _demo_material()
    return _compose(prefix, secret)


def ensure_demo_api_key() -> str:
    """Create (once) the all-scopes demo key and return its secret. Never in production."""
    prefix, secret = _demo_material()
    raw = _compose(prefix, secret)
    api_key = ApiKey.objects.filter(prefix=prefix).first()
    if api_key is None:
        create_api_key(name=DEMO_KEY_NAME, scopes=list(ALL_SCOPES), prefix=prefix, secret=secret)
    elif api_key.key_hash != hash_key(raw) or api_key.revoked_at is not None or set(api_key.scopes) != set(ALL_SCOPES):
        ApiKey.objects.filter(pk=api_key.pk).update(key_hash=hash_key(raw), revoked_at=None, scopes=list(ALL_SCOPES))
    return raw


IDEMPOTENCY_RETENTION = timedelta(days=1)


def purge_idempotency_records(*, now: datetime.datetime | None = None) -> int:
    """Forget first responses older than a day: a client retries within minutes, and the table
    must not grow without bound. Returns the number of records removed."""
    cutoff = (now or timezone.now()) - IDEMPOTENCY_RETENTION
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@shared_task(name="governance.integrations.purge_idempotency_records")
def purge_idempotency_records_task() -> int:
    return purge_idempotency_records()
