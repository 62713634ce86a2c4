"""The daily maintenance of obligations and exceptions, and the ledger's daily checkpoint."""

from celery import shared_task

from attestations.services.checkpoints import checkpoint_ledger
from attestations.services.exceptions import expire_exceptions
from attestations.services.obligations import expire_obligations
from attestations.services.retention import erase_expired_personal_data
from governance.jobs import RETRY, day_or_today

MAINTENANCE_JOBS = (expire_obligations, expire_exceptions)


@shared_task(name="governance.daily_maintenance", **RETRY)
def daily_maintenance(self, day=None):
    """Daily, before the reminders: attestations past their validity and exceptions past their
    expiry set their obligations back to pending. A job that cannot be imported fails the task
    (it never skips silently)."""
    today = day_or_today(day)
    return {job.__name__: job(today=today) for job in MAINTENANCE_JOBS}


@shared_task(name="governance.ledger_checkpoint", **RETRY)
def ledger_checkpoint(self):
    """Daily: sign the ledger's head (nothing new when it did not move since the last checkpoint)."""
    checkpoint, created = checkpoint_ledger()
    return {"checkpoint": checkpoint.pk, "count": checkpoint.count, "created": created}


@shared_task(name="governance.erase_expired_personal_data", **RETRY)
def erase_personal_data(self, day=None):
    """Daily: erase the personal data of former employees past the retention period (records'
    personal fields, evidence files, name and e-mail); the ledger's chain is untouched."""
    return erase_expired_personal_data(today=day_or_today(day))
