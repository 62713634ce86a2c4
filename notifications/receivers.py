"""What the notifications app mails when the apps below it report something."""

from typing import Any

from django.utils import timezone

from compliance.models import ComplianceReport
from notifications.digests import send_report_ready


def mail_officers_scheduled_report(sender: Any, report: ComplianceReport, **kwargs: Any) -> None:
    """A scheduled report is ready: the officers get a link (on-demand reports were asked for
    by someone watching their progress)."""
    if report.trigger == ComplianceReport.Trigger.SCHEDULE:
        send_report_ready(report=report, today=timezone.localdate(report.as_of))


def connect() -> None:
    from compliance.signals import report_ready

    report_ready.connect(mail_officers_scheduled_report, dispatch_uid="notifications.scheduled_report_ready")
