"""Demo jobs: today's reminder e-mails (printed to the console on the embedded default), two
finished reports and 90 days of trend snapshots. Idempotent; a no-op without obligations."""

import datetime
import math

from django.db import transaction

from attestations.models import Obligation
from compliance.models import ComplianceReport, ComplianceSnapshot
from compliance.services.reports import build_report, create_report
from compliance.services.snapshots import snapshot_compliance
from governance.models import User
from notifications.digests import send_daily_notifications

TREND_DAYS = 90
REPORTS = 2


def seed(*, today, stdout):
    if not Obligation.objects.open().exists():
        stdout.write("Jobs: no obligations yet, so no reminders, reports or snapshots.")
        return
    for result in send_daily_notifications(today=today):
        stdout.write(f"Jobs: {result.kind} e-mails sent today: {result.sent} ({result.skipped} already sent).")
    _reports(stdout)
    written = _snapshots(today)
    stdout.write(f"Jobs: trend snapshots for {TREND_DAYS} days ({written} days written now).")


def _reports(stdout):
    missing = REPORTS - ComplianceReport.objects.filter(job__status=ComplianceReport.Status.DONE).count()
    officer = User.objects.filter(email="officer@demo.example").first()
    for index in range(max(0, missing)):
        if index == 0:
            report = create_report(trigger=ComplianceReport.Trigger.SCHEDULE, requested_by_label="Weekly schedule")
        else:
            report = create_report(trigger=ComplianceReport.Trigger.MANUAL, requested_by=officer)
        report = build_report(report.pk)
        stdout.write(f"Jobs: compliance report {report.pk} {report.status}.")


@transaction.atomic
def _snapshots(today):
    """Today's snapshot from the real counts, then the days before synthesised backwards from
    it: the same obligations, with fewer of them satisfied the further back (compliance rose
    over the quarter). Days that already have rows are left alone."""
    have = set(ComplianceSnapshot.objects.filter(day__lte=today).values_list("day", flat=True).distinct())
    written = 0
    if today not in have:
        snapshot_compliance(day=today)
        written += 1
    current = list(ComplianceSnapshot.objects.filter(day=today))
    rows = []
    for back in range(1, TREND_DAYS):
        day = today - datetime.timedelta(days=back)
        if day in have:
            continue
        written += 1
        share = 0.45 * back / (TREND_DAYS - 1) * (1 + 0.08 * math.sin(back / 4))
        for row in current:
            rows.append(_past_row(row, day, share))
    ComplianceSnapshot.objects.bulk_create(rows, batch_size=2000)
    return written


def _past_row(row, day, share):
    satisfied = row.compliant + row.not_used + row.excepted
    # A fixed offset per row instead of plain rounding, so that small rows (one or two people)
    # also change over the quarter while the whole stays smooth and deterministic.
    offset = ((row.platform_id * 7919 + (row.department_id or 0) * 104729) % 1000) / 1000
    shift = min(satisfied, math.floor(satisfied * share + offset))
    from_compliant = min(row.compliant, shift)
    from_not_used = min(row.not_used, shift - from_compliant)
    from_excepted = shift - from_compliant - from_not_used
    to_pending = round(shift * 0.7)
    pending = row.pending + to_pending
    noncompliant = row.noncompliant + shift - to_pending
    return ComplianceSnapshot(
        day=day,
        department_id=row.department_id,
        platform_id=row.platform_id,
        total=row.total,
        compliant=row.compliant - from_compliant,
        not_used=row.not_used - from_not_used,
        excepted=row.excepted - from_excepted,
        pending=pending,
        noncompliant=noncompliant,
        overdue=min(pending + noncompliant, row.overdue + round(shift * 0.5)),
    )
