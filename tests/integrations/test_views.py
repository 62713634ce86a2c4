"""Employees, departments, compliance, attestations, reports and policies over the API."""

import datetime
import hashlib

import pytest
from django.utils import timezone

from attestations.models import Attestation, ObligationStatus
from compliance.models import ComplianceReport
from compliance.selectors import ComplianceFilters, summary
from people.models import Department, Employee
from tests.factories import DepartmentFactory, EmployeeFactory, ObligationFactory, PolicyVersionFactory, report_in_state

# --- Employees ---------------------------------------------------------------------------


def test_create_get_and_list_an_employee(api):
    DepartmentFactory(code="ENG")
    response = api.post_json(
        "/api/v1/employees/",
        {"external_id": "E9", "email": "Nine@Example.test", "full_name": "Nine", "department": "ENG", "country": "se"},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["email"] == "nine@example.test"
    assert response.json()["country"] == "SE"
    assert api.get("/api/v1/employees/E9/").json()["department"] == "ENG"
    assert [e["external_id"] for e in api.get("/api/v1/employees/").json()["results"]] == ["E9"]


def test_creating_an_existing_id_is_a_conflict(api):
    EmployeeFactory(external_id="E1")
    response = api.post_json("/api/v1/employees/", {"external_id": "E1", "email": "x@example.test", "full_name": "X"})
    assert response.status_code == 409
    assert response.json()["errors"] == {"external_id": ["An employee with this id exists."]}


def test_put_replaces_and_patch_changes_only_what_is_sent(api):
    EmployeeFactory(external_id="E1", email="e1@example.test", job_title="Analyst", country="FR")
    response = api.patch_json("/api/v1/employees/E1/", {"job_title": "Lead"})
    assert response.status_code == 200
    assert (response.json()["job_title"], response.json()["country"]) == ("Lead", "FR")
    response = api.put_json("/api/v1/employees/E1/", {"email": "e1@example.test", "full_name": "E One"})
    assert response.status_code == 200
    assert (response.json()["job_title"], response.json()["country"], response.json()["department"]) == ("", "", None)


def test_put_creates_a_missing_employee(api):
    response = api.put_json("/api/v1/employees/NEW/", {"email": "new@example.test", "full_name": "New"})
    assert response.status_code == 201
    assert Employee.objects.filter(external_id="NEW").exists()


def test_put_refuses_a_body_id_other_than_the_url(api):
    EmployeeFactory(external_id="E1")
    response = api.put_json("/api/v1/employees/E1/", {"external_id": "E2", "email": "a@example.test", "full_name": "A"})
    assert response.status_code == 422 and response.json()["type"].endswith(":rule-violated")
    assert response.json()["errors"] == {"external_id": ["Must equal the id in the URL."]}


def test_patch_of_an_unknown_employee_is_404(api):
    assert api.patch_json("/api/v1/employees/NOPE/", {"job_title": "x"}).status_code == 404


def test_delete_terminates_and_keeps_the_record(api):
    EmployeeFactory(external_id="E1")
    response = api.delete("/api/v1/employees/E1/")
    assert response.status_code == 200 and response.json()["status"] == "terminated"
    employee = Employee.objects.get(external_id="E1")
    assert employee.status == "terminated"
    assert employee.terminated_on == timezone.localdate()
    listed = api.get("/api/v1/employees/?status=terminated").json()["results"]
    assert [(e["external_id"], e["status"]) for e in listed] == [("E1", "terminated")]


def test_a_terminated_employees_address_answers_404_until_a_put_rehires(api):
    employee = EmployeeFactory(external_id="E1")
    api.delete("/api/v1/employees/E1/")
    for response in (
        api.get("/api/v1/employees/E1/"),
        api.get("/api/v1/employees/E1/compliance/"),
        api.patch_json("/api/v1/employees/E1/", {"job_title": "x"}),
        api.delete("/api/v1/employees/E1/"),
    ):
        assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    rehired = api.put_json("/api/v1/employees/E1/", {"email": employee.email, "full_name": employee.full_name})
    assert rehired.status_code == 201 and rehired.json()["status"] == "active"
    assert api.get("/api/v1/employees/E1/").status_code == 200


def test_terminating_closes_open_obligations_and_keeps_them(api):
    employee = EmployeeFactory(external_id="E1")
    obligation = ObligationFactory(employee=employee)
    api.delete("/api/v1/employees/E1/")
    obligation.refresh_from_db()
    assert obligation.closed_at is not None and obligation.close_reason == "terminated"


def test_employee_list_filters(api):
    parent = DepartmentFactory(code="ENG")
    child = Department.objects.create(code="PLAT", name="Platform", parent=parent)
    other = DepartmentFactory(code="OPS")
    a = EmployeeFactory(external_id="A", department=child)
    EmployeeFactory(external_id="B", department=other, status="on_leave")
    EmployeeFactory(external_id="C", department=parent)
    ObligationFactory(employee=a, status=ObligationStatus.PENDING)

    def ids(query):
        response = api.get("/api/v1/employees/" + query)
        assert response.status_code == 200, response.json()
        return sorted(e["external_id"] for e in response.json()["results"])

    assert ids("?department=ENG") == ["A", "C"]
    assert ids("?status=on_leave") == ["B"]
    assert ids("?compliance=noncompliant") == ["A"]
    assert ids("?compliance=compliant") == ["B", "C"]
    Employee.objects.filter(external_id="B").update(updated_at=timezone.now() - datetime.timedelta(days=3))
    Employee.objects.filter(external_id__in=["A", "C"]).update(updated_at=timezone.now())
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(f"?updated_since={since}") == ["A", "C"]


def test_employee_list_pages_with_a_cursor(api):
    for i in range(5):
        EmployeeFactory(external_id=f"E{i}")
    seen, url = [], "/api/v1/employees/?page_size=2"
    while url:
        data = api.get(url).json()
        seen += [e["external_id"] for e in data["results"]]
        url = data["next"]
    assert seen == [f"E{i}" for i in range(5)]


def test_employee_list_query_count_does_not_grow(api, django_assert_max_num_queries):
    for _ in range(3):
        EmployeeFactory(manager=EmployeeFactory())
    with django_assert_max_num_queries(5):
        assert len(api.get("/api/v1/employees/").json()["results"]) == 6
    for _ in range(20):
        EmployeeFactory(manager=EmployeeFactory())
    with django_assert_max_num_queries(5):
        assert len(api.get("/api/v1/employees/").json()["results"]) == 46


# --- Departments ---------------------------------------------------------------------------


def test_departments_are_upserted_by_code_with_their_path(api):
    assert api.put_json("/api/v1/departments/ENG/", {"name": "Engineering"}).status_code == 201
    response = api.put_json("/api/v1/departments/PLAT/", {"name": "Platform", "parent": "ENG"})
    assert response.status_code == 201
    eng, plat = Department.objects.get(code="ENG"), Department.objects.get(code="PLAT")
    assert response.json()["path"] == f"/{eng.pk}/{plat.pk}/"
    assert api.put_json("/api/v1/departments/ENG/", {"name": "Engineering & Data"}).status_code == 200
    assert [d["code"] for d in api.get("/api/v1/departments/").json()["results"]] == ["ENG", "PLAT"]


def test_a_department_cannot_move_under_its_own_child(api):
    api.put_json("/api/v1/departments/ENG/", {"name": "Engineering"})
    api.put_json("/api/v1/departments/PLAT/", {"name": "Platform", "parent": "ENG"})
    response = api.put_json("/api/v1/departments/ENG/", {"name": "Engineering", "parent": "PLAT"})
    assert response.status_code == 422 and response.json()["type"].endswith(":rule-violated")
    assert "cycle" in response.json()["errors"]["parent"][0]


def test_an_unknown_parent_department_is_refused(api):
    response = api.put_json("/api/v1/departments/ENG/", {"name": "Engineering", "parent": "NOPE"})
    assert response.status_code == 422 and response.json()["type"].endswith(":unknown-reference")
    assert response.json()["errors"] == {"parent": ["Unknown department code 'NOPE'."]}


# --- Compliance -----------------------------------------------------------------------------


def test_employee_compliance_lists_each_tool(api):
    employee = EmployeeFactory(external_id="E1")
    today = timezone.localdate()
    ObligationFactory(employee=employee, status=ObligationStatus.COMPLIANT, valid_until=today + datetime.timedelta(90))
    ObligationFactory(employee=employee, status=ObligationStatus.PENDING, due_on=today - datetime.timedelta(days=2))
    ObligationFactory(employee=employee, closed_at=timezone.now(), close_reason="superseded")
    data = api.get("/api/v1/employees/E1/compliance/").json()
    assert data["compliant"] is False
    assert sorted((t["status"], t["overdue"]) for t in data["tools"]) == [("compliant", False), ("pending", True)]


def test_compliance_summary_matches_the_selectors(api):
    today = timezone.localdate()
    de = EmployeeFactory(country="DE", handles_customer_data=True)
    fr = EmployeeFactory(country="FR")
    ObligationFactory(employee=de, status=ObligationStatus.COMPLIANT)
    ObligationFactory(employee=de, status=ObligationStatus.NONCOMPLIANT)
    ObligationFactory(employee=fr, status=ObligationStatus.PENDING, due_on=today - datetime.timedelta(days=1))
    data = api.get("/api/v1/compliance/summary/?country=DE").json()
    assert data["filters"] == {"country": "DE"}
    assert data["summary"] == summary(ComplianceFilters(country="DE"), today=today).as_dict()
    assert (data["summary"]["total"], data["summary"]["compliant"]) == (2, 1)
    assert data["customer_data_coverage"] == {"handlers": 1, "fully_compliant": 0, "rate": 0.0}
    assert api.get("/api/v1/compliance/summary/").json()["summary"]["overdue"] == 1


def test_compliance_summary_refuses_bad_filters(api):
    response = api.get("/api/v1/compliance/summary/?country=Germany")
    assert response.status_code == 400
    assert response.json()["errors"] == {"country": ["Use a two-letter country code."]}
    unknown = api.get("/api/v1/compliance/summary/?department=999999")
    assert unknown.status_code == 422 and unknown.json()["type"].endswith(":unknown-reference")
    assert unknown.json()["errors"] == {"department": ["No such department."]}


# --- Attestations ---------------------------------------------------------------------------


def _attest(employee, version, *, at, prev):
    digest = hashlib.sha256(f"{prev}{employee.pk}{at}".encode()).hexdigest()
    return Attestation.objects.create(
        employee=employee, policy_version=version, statement="I attest.", created_at=at, prev_hash=prev, hash=digest
    )


def test_attestations_filter_by_employee_and_since(api):
    version = PolicyVersionFactory()
    a, b = EmployeeFactory(external_id="A"), EmployeeFactory(external_id="B")
    now = timezone.now()
    first = _attest(a, version, at=now - datetime.timedelta(days=10), prev="0" * 64)
    second = _attest(b, version, at=now - datetime.timedelta(days=1), prev=first.hash)
    _attest(a, version, at=now, prev=second.hash)
    assert len(api.get("/api/v1/attestations/").json()["results"]) == 3
    assert [r["employee"] for r in api.get("/api/v1/attestations/?employee=A").json()["results"]] == ["A", "A"]
    since = (now - datetime.timedelta(days=2)).isoformat().replace("+00:00", "Z")
    assert len(api.get(f"/api/v1/attestations/?since={since}").json()["results"]) == 2


# --- Reports --------------------------------------------------------------------------------


def test_reports_list_get_and_download(api, world):
    report = world["report"]
    listed = api.get("/api/v1/reports/").json()["results"]
    assert [r["id"] for r in listed] == [report.pk]
    detail = api.get(f"/api/v1/reports/{report.pk}/").json()
    assert detail["status"] == "done" and detail["url"].endswith(f"/api/v1/reports/{report.pk}/")
    assert set(detail["downloads"]) == {"csv", "pdf"}
    csv = api.get(f"/api/v1/reports/{report.pk}/download/")
    assert csv.status_code == 200 and csv["Content-Type"] == "text/csv; charset=utf-8"
    assert b"".join(csv.streaming_content).startswith(b"employee,platform")
    pdf = api.get(f"/api/v1/reports/{report.pk}/download/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"


def test_a_report_that_is_not_done_cannot_be_downloaded(api):
    report = report_in_state(ComplianceReport.Status.RUNNING, progress=40)
    response = api.get(f"/api/v1/reports/{report.pk}/download/")
    assert response.status_code == 409
    assert api.get(f"/api/v1/reports/{report.pk}/").json()["progress"] == 40


def test_a_reports_representation_reads_its_state_from_its_build_job(api, client_for):
    report = report_in_state(ComplianceReport.Status.FAILED, progress=60, message="It stopped.", error="ValueError: x")

    detail = api.get(f"/api/v1/reports/{report.pk}/").json()

    job = report.job
    assert (detail["status"], detail["progress"], detail["error"], detail["job"]) == (
        "failed",
        60,
        "ValueError: x",
        job.pk,
    )
    assert detail["started_at"] is not None and detail["finished_at"] is not None
    assert set(detail) >= {"status", "progress", "error", "as_of", "created_at", "started_at", "finished_at"}
    job_state = client_for("reports:read").get(f"/api/v1/jobs/{job.pk}/")
    assert job_state.status_code == 200 and job_state.json()["status"] == "failed"
    assert client_for("employees:read").get(f"/api/v1/jobs/{job.pk}/").status_code in (403, 404)


def test_requesting_a_report_returns_202_with_its_url(api):
    pytest.importorskip("compliance.services.reports", reason="request_report arrives with the jobs feature")
    response = api.post_json("/api/v1/reports/", {"filters": {"country": "DE"}})
    assert response.status_code == 202
    assert response["Location"] == response.json()["url"]
    report = ComplianceReport.objects.select_related("job").get(pk=response.json()["id"])
    assert report.filters == {"country": "DE"} and report.trigger == "api"
    body = response.json()
    assert (body["status"], body["progress"], body["job"]) == ("queued", 0, report.job.pk)
    assert report.job.kind == "compliance.report" and report.job.status == "queued"


def test_a_report_with_unknown_filters_is_refused(api):
    response = api.post_json("/api/v1/reports/", {"filters": {"colour": "red"}})
    assert response.status_code == 400
    assert not ComplianceReport.objects.exists()


# --- Policies -------------------------------------------------------------------------------


def test_policies_show_no_drafts(api):
    version = PolicyVersionFactory()
    data = api.get(f"/api/v1/policies/{version.policy.pk}/").json()
    assert data["slug"] == version.policy.slug
    assert data["versions"] == []
