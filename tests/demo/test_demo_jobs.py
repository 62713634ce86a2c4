import datetime
import io

import pytest

from compliance.models import ComplianceReport, ComplianceSnapshot
from compliance.selectors import trend as compliance_trend
from demo import jobs
from notifications.models import NotificationLog
from tests.clock import noon_on
from tests.factories import ObligationFactory, ToolRuleFactory

TODAY = datetime.date(2026, 11, 29)
NOW = noon_on(TODAY)  # the clock the module's tests run at (frozen below), passed down where they read it

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]


@pytest.fixture
def obligations():
    rule = ToolRuleFactory()
    due = [ObligationFactory(rule=rule, due_on=TODAY - datetime.timedelta(days=2)) for _ in range(3)]
    done = [
        ObligationFactory(rule=rule, status="compliant", due_on=TODAY + datetime.timedelta(days=60)) for _ in range(5)
    ]
    return due + done


def counts():
    return (
        NotificationLog.objects.count(),
        ComplianceReport.objects.filter(job__status="done").count(),
        ComplianceSnapshot.objects.count(),
    )


def test_demo_sends_reminders_builds_two_reports_and_ninety_days_of_trend(obligations, mailoutbox):
    jobs.seed(today=TODAY, stdout=io.StringIO())

    assert len([m for m in mailoutbox if "attest" in m.subject]) == 3
    assert ComplianceReport.objects.filter(job__status="done").count() == 2
    trend = compliance_trend(None, days=90, today=TODAY)
    assert len(trend) == 90
    assert {f.total for f in trend} == {len(obligations)}
    assert trend[0].rate < trend[-1].rate  # compliance rose over the quarter
    assert trend[-1].compliant == 5  # today is the real count


def test_demo_jobs_are_idempotent(obligations, mailoutbox):
    jobs.seed(today=TODAY, stdout=io.StringIO())
    before, mails = counts(), len(mailoutbox)

    jobs.seed(today=TODAY, stdout=io.StringIO())

    assert counts() == before and len(mailoutbox) == mails


def test_demo_jobs_do_nothing_without_obligations(mailoutbox):
    out = io.StringIO()
    jobs.seed(today=TODAY, stdout=out)

    assert counts() == (0, 0, 0) and mailoutbox == []
    assert "no obligations yet" in out.getvalue()
