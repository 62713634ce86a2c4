"""The compliance jobs: reports, the daily trend snapshot, the maintained counts' daily roll."""

import datetime

from celery import shared_task

from governance.jobs import RETRY, day_or_today


@shared_task(name="governance.build_report", **RETRY)
def build_report_task(self, report_id):
    """Kept for the messages queued before a report's build was a job (the outbox and the
    broker may still hold some): builds the report through its job, once."""
    from compliance.services.reports import build_report

    report = build_report(report_id)
    return {"report": report.pk, "job": report.job_id, "status": report.status}


@shared_task(name="governance.scheduled_report", **RETRY)
def scheduled_report(self):
    """Weekly: queue the scheduled compliance report; its job builds it (officers get a link)."""
    from compliance.models import ComplianceReport
    from compliance.services.reports import request_report

    report = request_report(trigger=ComplianceReport.Trigger.SCHEDULE, requested_by_label="Weekly schedule")
    return {"report": report.pk, "job": report.job_id}


@shared_task(name="governance.snapshot_compliance", **RETRY)
def snapshot_compliance(self, day=None):
    """Daily: the trend snapshot (day x department x tool counts)."""
    from compliance.services.snapshots import snapshot_compliance as job

    return {"rows": job(day=day_or_today(day))}


@shared_task(name="governance.rebuild_obligation_counts", **RETRY)
def rebuild_obligation_counts(self, day=None):
    """Daily just after midnight: move the maintained obligation counts' overdue flags to the
    new day (they drift when a day passes without writes)."""
    from compliance.services.rollups import advance_obligation_counts as job

    moved_to = job(day=datetime.date.fromisoformat(day) if day else None)
    return moved_to.isoformat() if moved_to else None
