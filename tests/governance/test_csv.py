"""The one CSV writer: HR values that a spreadsheet would run as formulas come out as text in
every export (dashboard list, report file, its API download), UTF-8 with a BOM."""

import csv
import io

import pytest
from django.urls import reverse

from compliance.models import ComplianceReport
from compliance.services.reports import build_report, create_report
from governance import csv as csv_export
from integrations.keys import create_api_key
from integrations.models import ALL_SCOPES
from tests.factories import DepartmentFactory, EmployeeFactory, ObligationFactory, ToolRuleFactory
from tests.integrations.conftest import ApiClient

HOSTILE = ['=HYPERLINK("http://evil.example/","Click")', "+cmd|' /C calc'!A0", "@SUM(1+1)"]
FORMULA_STARTS = ("=", "+", "-", "@", "|", "%", "\t", "\r")


def parse(content: bytes):
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark first"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def assert_no_formula_cell(rows):
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell


@pytest.fixture
def hostile_org(db, private_storage):
    rule = ToolRuleFactory(platform__name="ChatGPT")
    department = DepartmentFactory(name="-2+3")
    people = [EmployeeFactory(full_name=name, department=department) for name in [*HOSTILE, "Chloé Dupré"]]
    for person in people:
        ObligationFactory(employee=person, rule=rule)
    return people


@pytest.mark.parametrize(
    "value, written",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Chloé", "Chloé"),
        ("-12", "-12"),
        (7, "7"),
        (None, ""),
    ],
)
def test_a_cell_is_written_formula_safe(value, written):
    content = b"".join(csv_export.stream([["header"], [value]]))
    assert parse(content)[1] == [written]


def test_the_dashboard_export_neutralizes_hr_values(client, officer, hostile_org):
    client.force_login(officer)
    response = client.get(reverse("dashboard-people"), {"bucket": "all", "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = parse(b"".join(response.streaming_content))
    names = {row[1] for row in rows[1:]}
    assert {"'" + HOSTILE[0], "'+cmd\\|' /C calc'!A0", "'@SUM(1+1)", "Chloé Dupré"} == names
    assert_no_formula_cell(rows)


def test_the_report_csv_and_its_downloads_neutralize_hr_values(client, officer, hostile_org):
    report = build_report(create_report(trigger=ComplianceReport.Trigger.MANUAL, requested_by_label="t").pk)
    assert report.status == "done", report.error
    with report.csv_file.open("rb") as handle:
        stored = handle.read()
    rows = parse(stored)
    assert {row[1] for row in rows[1:]} == {"'" + HOSTILE[0], "'+cmd\\|' /C calc'!A0", "'@SUM(1+1)", "Chloé Dupré"}
    assert {row[3] for row in rows[1:]} == {"'-2+3"}
    assert_no_formula_cell(rows)

    client.force_login(officer)
    page = client.get(reverse("reports:download", args=[report.pk, "csv"]))
    api = ApiClient(create_api_key(name="BI", scopes=list(ALL_SCOPES)).secret)
    download = api.get(f"/api/v1/reports/{report.pk}/download/")
    for response in (page, download):
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert b"".join(response.streaming_content) == stored
