import contextlib
import csv
import datetime
import hashlib
import io
import subprocess

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from attestations.models import Attestation, Obligation, ObligationStatus, PolicyException
from compliance.models import ComplianceReport
from compliance.services.reports import build_report, create_report, request_report
from compliance.signals import report_ready
from governance.roles import Role
from notifications.models import NotificationLog
from tests import scenario
from tests.factories import (
    PlatformFactory,
)

pytestmark = pytest.mark.django_db


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def org():
    """Two departments, two tools, obligations in every state, a closed one, an exception."""
    statuses = [
        ObligationStatus.COMPLIANT,
        ObligationStatus.NONCOMPLIANT,
        ObligationStatus.PENDING,
        ObligationStatus.NOT_USED,
        ObligationStatus.EXCEPTED,
    ]
    org = scenario.build(
        today=timezone.localdate(),
        departments=[("sales", "Sales", None), ("eng", "Engineering", None)],
        rules={
            "chatgpt": {"platform__name": "ChatGPT"},
            "claude": {"platform__name": "Claude", "same_version_as": "chatgpt"},
        },
        people={
            f"p{index}": {
                "department": "sales" if index % 2 else "eng",
                "handles_customer_data": index < 4,
                "full_name": f"Person {index}",
            }
            for index in range(10)
        },
        obligations=[
            row
            for index in range(10)
            for row in (
                (f"p{index}", "chatgpt", statuses[index % 5], -3 + index),
                (f"p{index}", "claude", statuses[(index + 2) % 5], 10 - index),
            )
        ],
    )
    people = [org[f"p{index}"] for index in range(10)]
    sales, chatgpt, claude = org["sales"], org["chatgpt"], org["claude"]
    closed = Obligation.objects.filter(employee=people[0], rule=claude).get()
    Obligation.objects.filter(pk=closed.pk).update(closed_at=timezone.now(), close_reason="out_of_scope")
    PolicyException.objects.create(
        employee=people[1], rule=chatgpt, reason="Vendor contract", status="approved", expires_on=days(-1)
    )
    PolicyException.objects.create(employee=people[2], rule=claude, reason="Pilot")
    for n, person in enumerate(people[:3]):
        Attestation.objects.create(
            employee=person,
            policy_version=chatgpt.version,
            platform=chatgpt.platform,
            statement="I switched training off.",
            created_at=timezone.now(),
            prev_hash=f"{n:064x}",
            hash=f"{n + 1:064x}",
        )
    return {"people": people, "sales": sales, "chatgpt": chatgpt, "claude": claude}


def direct_counts(**filters):
    """Figures counted straight from the obligations table, not through the selectors."""
    today = timezone.localdate()
    open_ = Obligation.objects.filter(closed_at__isnull=True, **filters)
    by_status = dict(open_.values_list("status").annotate(n=Count("id")))
    return {
        "total": open_.count(),
        "compliant": by_status.get("compliant", 0),
        "noncompliant": by_status.get("noncompliant", 0),
        "pending": by_status.get("pending", 0),
        "not_used": by_status.get("not_used", 0),
        "excepted": by_status.get("excepted", 0),
        "overdue": open_.filter(status__in=["pending", "noncompliant"], due_on__lt=today).count(),
    }


def built(**kwargs):
    report = create_report(trigger=ComplianceReport.Trigger.MANUAL, requested_by_label="test", **kwargs)
    return build_report(report.pk)


def read_csv(report):
    with report.csv_file.open("rb") as handle:
        return list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))


def test_report_is_done_with_both_files_and_their_hashes(org):
    report = built()

    assert report.status == "done" and report.progress == 100 and report.error == ""
    assert report.started_at <= report.finished_at and report.as_of is not None
    for field, digest in ((report.csv_file, report.csv_sha256), (report.pdf_file, report.pdf_sha256)):
        with field.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == digest


def test_report_figures_equal_figures_counted_directly_from_obligations(org):
    report = built()

    expected = direct_counts()
    overall = report.summary["overall"]
    assert {name: overall[name] for name in expected} == expected
    satisfied = expected["compliant"] + expected["not_used"] + expected["excepted"]
    assert overall["rate"] == round(100 * satisfied / expected["total"], 1)
    by_platform = {row["name"]: row["total"] for row in report.summary["by_platform"]}
    assert by_platform == {"ChatGPT": direct_counts(platform__name="ChatGPT")["total"], "Claude": 9}
    by_department = {row["name"]: row["total"] for row in report.summary["by_department"]}
    assert by_department["Sales"] == direct_counts(department=org["sales"])["total"]


def test_report_carries_exceptions_ledger_head_coverage_and_overdue_people(org):
    report = built()
    summary = report.summary

    assert summary["exceptions"] == {"open": 1, "expired": 1}
    assert report.ledger_count == 3 and report.ledger_head_hash == f"{3:064x}"
    handlers = {p.pk for p in org["people"][:4]}
    unsatisfied = set(
        Obligation.objects.filter(
            closed_at__isnull=True, employee__in=handlers, status__in=["pending", "noncompliant"]
        ).values_list("employee", flat=True)
    )
    assert summary["coverage"]["handlers"] == 4
    assert summary["coverage"]["fully_compliant"] == 4 - len(unsatisfied)
    overdue_people = set(
        Obligation.objects.filter(
            closed_at__isnull=True, status__in=["pending", "noncompliant"], due_on__lt=timezone.localdate()
        ).values_list("employee", flat=True)
    )
    assert summary["overdue_people"]["count"] == len(overdue_people)


def test_report_carries_a_signed_checkpoint_of_the_head_it_states(org):
    from attestations import ledger

    report = built()
    checkpoint = report.ledger_checkpoint

    assert (checkpoint.count, checkpoint.head_hash) == (report.ledger_count, report.ledger_head_hash)
    assert ledger.checkpoint_problem(checkpoint) is None
    text = subprocess.run(
        ["pdftotext", "-layout", report.pdf_file.path, "-"], capture_output=True, check=True, text=True
    ).stdout.replace("\n", "")
    assert f"Signed ledger checkpoint {checkpoint.pk}" in text and checkpoint.signature in text
    assert built().ledger_checkpoint_id == checkpoint.pk  # the head did not move: the same checkpoint


def test_csv_has_one_row_per_open_obligation_and_its_totals_match_the_summary(org):
    report = built()
    rows = read_csv(report)

    assert len(rows) == Obligation.objects.filter(closed_at__isnull=True).count() == report.summary["csv_rows"]
    overall = report.summary["overall"]
    for status in ("compliant", "noncompliant", "pending", "not_used", "excepted"):
        assert sum(1 for row in rows if row["status"] == status) == overall[status]
    assert sum(1 for row in rows if row["overdue"] == "yes") == overall["overdue"]
    assert {row["employee_email"] for row in rows} == {p.email for p in org["people"]}


def test_pdf_text_contains_the_headline_figures(org):
    report = built()
    text = subprocess.run(
        ["pdftotext", "-layout", report.pdf_file.path, "-"], capture_output=True, check=True, text=True
    ).stdout

    overall = report.summary["overall"]
    coverage = report.summary["coverage"]
    assert "AI tool compliance report" in text
    assert f"{overall['satisfied']} of {overall['total']} ({overall['rate']}%)" in text
    assert f"{coverage['fully_compliant']} of {coverage['handlers']} ({coverage['rate']}%)" in text
    assert "ChatGPT" in text and "Sales" in text
    assert report.ledger_head_hash in text.replace("\n", "")


def test_a_report_that_counts_nobody_says_so_on_the_pdf_and_the_page(org, client, make_user):
    report = built(filters={"country": "ZZ"})  # nobody works there
    text = subprocess.run(
        ["pdftotext", "-layout", report.pdf_file.path, "-"], capture_output=True, check=True, text=True
    ).stdout
    client.force_login(make_user(Role.COMPLIANCE_OFFICER))
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    listed = client.get(reverse("reports:list")).content.decode()

    assert report.summary["overall"]["total"] == 0 and report.summary["coverage"]["handlers"] == 0
    for shown in (" ".join(text.split()), page):
        assert "no open obligations" in shown
        assert "no customer-data handler has an open obligation" in shown
        assert "0 of 0" not in shown
    assert "no open obligations" in listed and "0 of 0" not in listed
    assert "nobody has an open obligation" in " ".join(text.split())


def test_filters_narrow_every_figure_and_the_csv(org):
    report = built(filters={"department": str(org["sales"].pk)})

    expected = direct_counts(department=org["sales"])
    assert report.summary["overall"]["total"] == expected["total"]
    assert len(read_csv(report)) == expected["total"]
    assert report.summary["filters"] == {"department": org["sales"].pk}


def test_change_since_previous_report(org):
    first = built()
    Obligation.objects.filter(status=ObligationStatus.PENDING).update(status=ObligationStatus.COMPLIANT)

    second = built()

    change = second.summary["change"]
    assert change["previous_report"] == first.pk
    assert change["rate"] == round(second.summary["overall"]["rate"] - first.summary["overall"]["rate"], 1)
    assert change["rate"] > 0
    assert second.period_start == timezone.localdate(first.as_of)


def test_stale_catalog_entries_are_counted(org, settings):
    PlatformFactory(slug="old-tool", last_verified_on=days(-settings.CATALOG_STALE_AFTER_DAYS - 1))

    report = built()

    assert report.summary["stale_catalog"] >= 1
    fresh = built()
    assert fresh.summary["stale_catalog"] == report.summary["stale_catalog"]


@contextlib.contextmanager
def announced_reports():
    """The ids of the reports ``report_ready`` announces inside the block."""
    received = []

    def listener(sender, report, **kwargs):
        received.append(report.pk)

    report_ready.connect(listener)
    try:
        yield received
    finally:
        report_ready.disconnect(listener)


def test_report_with_bad_filters_fails_with_the_error(org):
    report = ComplianceReport.objects.create(filters={"department": "999999"})

    report = build_report(report.pk)

    assert report.status == "failed" and "No such department" in report.error
    assert report.finished_at is not None and not report.csv_file


def test_request_report_builds_after_commit_and_sends_report_ready(org, django_capture_on_commit_callbacks):
    with announced_reports() as received, django_capture_on_commit_callbacks(execute=True):
        report = request_report(trigger=ComplianceReport.Trigger.MANUAL, requested_by_label="test")
        assert ComplianceReport.objects.get(pk=report.pk).status == "queued"

    report.refresh_from_db()
    assert report.status == "done"
    assert received == [report.pk]


def test_scheduled_report_emails_officers_a_link_once(
    org, make_user, mailoutbox, settings, django_capture_on_commit_callbacks
):
    officer = make_user(Role.COMPLIANCE_OFFICER)

    # The mail goes when the report is committed (notifications listens to report_ready).
    with django_capture_on_commit_callbacks(execute=True):
        report = build_report(create_report(trigger=ComplianceReport.Trigger.SCHEDULE).pk)

    assert [m.to for m in mailoutbox] == [[officer.email]]
    assert f"{settings.SITE_URL}/reports/{report.pk}/" in mailoutbox[0].body
    assert NotificationLog.objects.get(recipient__user=officer).kind == "report_ready"


def test_manual_report_emails_nobody(org, make_user, mailoutbox, django_capture_on_commit_callbacks):
    make_user(Role.COMPLIANCE_OFFICER)
    with announced_reports() as received, django_capture_on_commit_callbacks(execute=True):
        report = built()

    assert received == [report.pk]  # report_ready was sent; nobody is mailed for it
    assert mailoutbox == []
