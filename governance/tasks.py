"""Celery tasks: thin wrappers around the job functions in governance.services.

Each task retries with exponential backoff on transient errors (database or network
hiccups); the job functions are idempotent, so a retry never duplicates work. A task's id
stays the same across its retries and is used as the run id, so a retried reminder run takes
over the mails it claimed before dying at once, without waiting for the claim timeout.
"""

import datetime
import smtplib

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

# Tasks defined next to their services; imported here so that a worker registers them
# (Celery autodiscovery only looks at <app>.tasks).
from governance.services import accounts as _accounts  # noqa: F401
from governance.services import integrations as _integrations  # noqa: F401
from governance.services import webhooks as _webhooks  # noqa: F401
from governance.services.exceptions import expire_exceptions
from governance.services.obligations import expire_obligations

TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError, smtplib.SMTPServerDisconnected)
RETRY = {
    "bind": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 10,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


def _day(value):
    return datetime.date.fromisoformat(value) if value else timezone.localdate()


def _run_id(task):
    return f"task-{task.request.id}" if task.request.id else None


@shared_task(name="governance.send_reminders", **RETRY)
def send_reminders(self, day=None):
    """Daily: reminder digests to employees and escalations to their managers."""
    from governance.services.reminders import send_daily_notifications

    results = send_daily_notifications(today=_day(day), run_id=_run_id(self))
    return [result.as_dict() for result in results]


@shared_task(name="governance.send_officer_summary", **RETRY)
def send_officer_summary(self, day=None):
    """Weekly: the summary e-mail to compliance officers."""
    from governance.services.reminders import send_officer_summary as job

    return job(today=_day(day), run_id=_run_id(self)).as_dict()


@shared_task(name="governance.build_report", **RETRY)
def build_report_task(self, report_id):
    """Build one queued compliance report (on demand or scheduled)."""
    from governance.services.reports import build_report

    report = build_report(report_id)
    return {"report": report.pk, "status": report.status}


@shared_task(name="governance.scheduled_report", **RETRY)
def scheduled_report(self):
    """Weekly: queue and build the scheduled compliance report (officers get a link)."""
    from governance.models import ComplianceReport
    from governance.services.reports import build_report, create_report

    report = create_report(trigger=ComplianceReport.Trigger.SCHEDULE, requested_by_label="Weekly schedule")
    report = build_report(report.pk)
    return {"report": report.pk, "status": report.status}


@shared_task(name="governance.snapshot_compliance", **RETRY)
def snapshot_compliance(self, day=None):
    """Daily: the trend snapshot (day x department x tool counts)."""
    from governance.services.snapshots import snapshot_compliance as job

    return {"rows": job(day=_day(day))}


MAINTENANCE_JOBS = (expire_obligations, expire_exceptions)


@shared_task(name="governance.daily_maintenance", **RETRY)
def daily_maintenance(self, day=None):
    """Daily, before the reminders: attestations past their validity and exceptions past their
    expiry set their obligations back to pending. A job that cannot be imported fails the task
    (it never skips silently)."""
    today = _day(day)
    return {job.__name__: job(today=today) for job in MAINTENANCE_JOBS}


@shared_task(name="governance.rebuild_obligation_counts", **RETRY)
def rebuild_obligation_counts(self, day=None):
    """Daily just after midnight: move the maintained obligation counts' overdue flags to the
    new day (they drift when a day passes without writes)."""
    from governance.services.rollups import advance_obligation_counts as job

    moved_to = job(day=datetime.date.fromisoformat(day) if day else None)
    return moved_to.isoformat() if moved_to else None
