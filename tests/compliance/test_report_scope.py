"""Every figure says what it covers: report titles, lists, files, PDF and the dashboard name
their scope in words, and "change since" compares only reports of the same scope."""

import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from attestations.models import ObligationStatus
from compliance import selectors as compliance
from compliance.models import ComplianceReport
from compliance.selectors import ComplianceFilters
from compliance.services.reports import build_report, create_report
from tests import scenario

pytestmark = pytest.mark.django_db

C, N, P = ObligationStatus.COMPLIANT, ObligationStatus.NONCOMPLIANT, ObligationStatus.PENDING


@pytest.fixture
def org():
    """Engineering with a sub-department and people of its own, Sales, one without a department."""
    return scenario.build(
        today=timezone.localdate(),
        departments=[("eng", "Engineering", None), ("web", "Web team", "eng"), ("sales", "Sales", None)],
        rules={"chatgpt": {"platform__name": "ChatGPT"}},
        people={
            "cto": {"department": "eng"},
            "lead": {"department": "eng"},
            "dev1": {"department": "web"},
            "dev2": {"department": "web"},
            "rep": {"department": "sales"},
        },
        obligations=[
            ("cto", "chatgpt", C, 5),
            ("lead", "chatgpt", N, -2),
            ("dev1", "chatgpt", C, 5),
            ("dev2", "chatgpt", P, -1),
            ("rep", "chatgpt", C, 5),
        ],
    )


def built(filters=None, label="officer@example.com"):
    report = create_report(trigger=ComplianceReport.Trigger.MANUAL, requested_by_label=label, filters=filters)
    return build_report(report.pk)


def pdf_text(report):
    return subprocess.run(
        ["pdftotext", "-layout", report.pdf_file.path, "-"], capture_output=True, check=True, text=True
    ).stdout


def test_scope_label_names_departments_tools_and_versions_never_ids(org):
    eng, rule = org["eng"], org["chatgpt"]
    assert compliance.scope_label(ComplianceFilters()) == "Whole organization"
    assert compliance.scope_label(ComplianceFilters(department=eng)) == "Engineering and sub-departments"
    assert (
        compliance.scope_label(ComplianceFilters(department=eng, department_direct_only=True))
        == "Engineering (direct members only)"
    )
    label = compliance.scope_label(
        ComplianceFilters(
            platform_id=rule.platform_id, policy_version_id=rule.version_id, country="DE", customer_data_only=True
        )
    )
    assert label == (
        f"Tool: ChatGPT · Policy version: {rule.version.policy.name} v{rule.version.number} · Country: DE"
        " · Customer-data handlers only"
    )
    assert str(rule.platform_id) not in label.replace(str(rule.version.number), "")


def test_department_report_is_titled_listed_and_named_by_its_scope(org, officer, client):
    report = built({"department": str(org["eng"].pk)})

    assert report.scope == "Engineering and sub-departments"
    assert "Engineering and sub-departments" in report.title
    assert report.summary["scope"] == "Engineering and sub-departments"
    assert "engineering-and-sub-departments" in report.pdf_file.name
    assert "engineering-and-sub-departments" in report.csv_file.name
    client.force_login(officer)
    listing = client.get(reverse("reports:list")).content.decode()
    assert '<th scope="col">Scope</th>' in listing
    assert "<td>Engineering and sub-departments</td>" in listing
    detail = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "<strong>Scope:</strong> Engineering and sub-departments" in detail
    download = client.get(reverse("reports:download", args=[report.pk, "pdf"]))
    assert f"compliance-report-{report.pk}-engineering-and-sub-departments.pdf" in download["Content-Disposition"]


def test_pdf_says_scope_and_who_started_it_in_words(org):
    report = built({"department": str(org["eng"].pk)})
    text = pdf_text(report)

    assert "Scope: Engineering and sub-departments" in text
    assert "Started by officer@example.com" in text
    assert "department=" not in text and "Narrowed to" not in text
    assert "Started by a person by" not in text


@pytest.mark.time_machine("2026-12-01 14:05:00+00:00", tick=False)
def test_the_report_names_its_moment_in_the_pages_one_date_format(org, settings):
    settings.TIME_ZONE = "UTC"
    report = built()
    assert report.title == "Compliance report · Whole organization · 1 Dec 2026, 14:05"
    first_lines = " ".join(pdf_text(report).split())
    assert "As of 1 Dec 2026, 14:05 UTC · Started by officer@example.com" in first_lines
    assert "2026-12-01" not in first_lines


def test_department_rows_add_up_with_a_direct_members_row(org):
    report = built({"department": str(org["eng"].pk)})
    rows = {row["name"]: row["total"] for row in report.summary["by_department"]}

    assert rows == {"Web team": 2, "Engineering (direct members)": 2}
    assert sum(rows.values()) == report.summary["overall"]["total"] == 4
    whole = built()
    assert sum(row["total"] for row in whole.summary["by_department"]) == whole.summary["overall"]["total"] == 5
    assert "Engineering (direct members)" in pdf_text(report)


def test_change_compares_only_with_the_last_report_of_the_same_scope(org):
    whole = built()
    first_eng = built({"department": str(org["eng"].pk)})

    assert whole.summary["change"] is None
    assert first_eng.summary["change"] is None  # the whole organization is not comparable
    assert first_eng.period_start is None
    assert "No earlier report covers Engineering and sub-departments" in pdf_text(first_eng)

    second_eng = built({"department": org["eng"].pk})  # an id as a number is the same scope
    change = second_eng.summary["change"]
    assert change["previous_report"] == first_eng.pk
    assert change["total"] == 0
    assert "Change since the last report of the same scope" in pdf_text(second_eng)
    assert built().summary["change"]["previous_report"] == whole.pk


def test_report_origin_is_one_phrase_per_trigger():
    assert ComplianceReport(trigger="manual", requested_by_label="a@b.c").origin == "Started by a@b.c"
    assert ComplianceReport(trigger="schedule", requested_by_label="Weekly schedule").origin == (
        "Scheduled (Weekly schedule)"
    )
    assert ComplianceReport(trigger="api", requested_by_label="key ci").origin == "Requested through the API (key ci)"


def test_dashboard_filtered_to_a_department_is_subtitled_with_it(org, officer, client):
    client.force_login(officer)
    narrowed = client.get(reverse("dashboard"), {"department": org["eng"].pk}).content.decode()
    assert "Engineering and sub-departments" in narrowed.split("dash-sub", 1)[1].split("</p>", 1)[0]
    assert "The whole organization" not in narrowed
    assert "<title>Compliance dashboard · Engineering and sub-departments" in narrowed
    whole = client.get(reverse("dashboard")).content.decode()
    assert "Whole organization" in whole.split("dash-sub", 1)[1].split("</p>", 1)[0]


def test_drill_down_csv_is_named_by_its_scope(org, officer, client):
    client.force_login(officer)
    response = client.get(reverse("dashboard-people"), {"department": org["eng"].pk, "bucket": "all", "format": "csv"})
    assert response.status_code == 200
    assert "compliance-all-engineering-and-sub-departments-" in response["Content-Disposition"]


def test_report_ready_mail_names_the_scope(org, officer, mailoutbox):
    from notifications.digests import send_report_ready

    report = create_report(trigger=ComplianceReport.Trigger.SCHEDULE, filters={"department": str(org["sales"].pk)})
    report = build_report(report.pk)
    send_report_ready(report=report)

    assert mailoutbox and all("Sales and sub-departments" in mail.subject for mail in mailoutbox)


def test_reports_built_before_the_scope_was_stored_get_it_from_their_filters(org):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("compliance.migrations.0002_report_scope")
    old = ComplianceReport.objects.create(filters={"department": str(org["eng"].pk), "direct": "1"})
    whole = ComplianceReport.objects.create(filters={})
    migration.describe_old_reports(apps, None)

    old.refresh_from_db()
    whole.refresh_from_db()
    assert old.scope == "Engineering (direct members only)"
    assert whole.scope == "Whole organization"
