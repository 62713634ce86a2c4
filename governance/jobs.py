"""What every Celery task of the product shares: the retry policy, the day and the run id.

Tasks live in their domain app's ``tasks.py`` (Celery's autodiscovery finds them there) and are
thin wrappers around that app's job functions. Their names stay ``governance.*`` whatever app
holds them: the beat schedule's rows in the database point at those names.

Each task retries with exponential backoff on transient errors (database or network hiccups);
the job functions are idempotent, so a retry never duplicates work. A task's id stays the same
across its retries and is used as the run id, so a retried reminder run takes over the mails it
claimed before dying at once, without waiting for the claim timeout.
"""

import datetime
import smtplib
from typing import Any

from django.db import InterfaceError, OperationalError
from django.utils import timezone

TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError, smtplib.SMTPServerDisconnected)
RETRY: dict[str, Any] = {
    "bind": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 10,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


def day_or_today(value: str | None) -> datetime.date:
    """A task's ``day`` argument (ISO date, as beat or a caller passes it), else the organization's today."""
    return datetime.date.fromisoformat(value) if value else timezone.localdate()


def run_id(task: Any) -> str | None:
    """A task's run id: its Celery id, the same across retries (None when called in-process)."""
    return f"task-{task.request.id}" if task.request.id else None
