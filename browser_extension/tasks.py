"""The browser extension's daily job: usage signals past their retention period are deleted."""

from celery import shared_task

from browser_extension.services import purge_usage_signals
from governance.jobs import RETRY, day_or_today


@shared_task(name="governance.purge_usage_signals", **RETRY)
def purge_old_usage_signals(self, day=None):
    """Daily: delete usage signals older than EXTENSION_SIGNAL_RETENTION_DAYS (bounded per run)."""
    return purge_usage_signals(today=day_or_today(day))
