"""POST /api/v1/employees/bulk/: independent rows, same-batch references, idempotency, limits."""

import json

import pytest

from governance.models import AuditEvent
from integrations.models import IdempotencyRecord
from people.models import Department, Employee
from tests.factories import DepartmentFactory, EmployeeFactory

URL = "/api/v1/employees/bulk/"


def row(ext, **extra):
    return {"external_id": ext, "email": f"{ext.lower()}@example.test", "full_name": f"Person {ext}", **extra}


def test_valid_rows_are_created_with_same_batch_managers_and_departments(api):
    body = {
        "departments": [{"code": "ENG", "name": "Engineering"}, {"code": "PLAT", "name": "Platform", "parent": "ENG"}],
        "employees": [
            row("E3", manager="E2", department="PLAT"),  # refers forward to rows below
            row("E2", manager="E1", department="PLAT"),
            row("E1", department="ENG", country="de", handles_customer_data=True),
        ],
    }
    response = api.post_json(URL, body)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["created"], data["updated"], data["unchanged"], data["failed"]) == (3, 0, 0, 0)
    assert data["departments"]["created"] == 2
    e1, e2, e3 = (Employee.objects.get(external_id=x) for x in ("E1", "E2", "E3"))
    assert e3.manager == e2 and e2.manager == e1
    assert e3.reporting_path == f"/{e1.pk}/{e2.pk}/"
    assert e1.country == "DE" and e1.handles_customer_data
    eng, plat = Department.objects.get(code="ENG"), Department.objects.get(code="PLAT")
    assert plat.parent == eng and plat.path == f"/{eng.pk}/{plat.pk}/"


def test_a_second_identical_request_reports_every_row_unchanged(api):
    body = {"employees": [row("E1"), row("E2", manager="E1")]}
    api.post_json(URL, body)
    before = {e.pk: e.updated_at for e in Employee.objects.all()}
    data = api.post_json(URL, body).json()
    assert (data["created"], data["updated"], data["unchanged"]) == (0, 0, 2)
    assert {e.pk: e.updated_at for e in Employee.objects.all()} == before


def test_changed_rows_are_updated_and_left_out_fields_keep_their_values(api):
    dept = DepartmentFactory(code="OPS")
    EmployeeFactory(external_id="E1", email="e1@example.test", department=dept, job_title="Analyst", country="FR")
    data = api.post_json(URL, {"employees": [row("E1", full_name="Renamed")]}).json()
    assert (data["created"], data["updated"]) == (0, 1)
    employee = Employee.objects.get(external_id="E1")
    assert employee.full_name == "Renamed"
    assert (employee.job_title, employee.country, employee.department) == ("Analyst", "FR", dept)


def test_existing_rows_may_leave_out_email_and_full_name_and_new_rows_may_not(api):
    # The README promised that left-out fields keep their values; email and full name were required anyway.
    EmployeeFactory(external_id="E1", email="e1@example.test", full_name="Ada Lovelace", job_title="Analyst")
    DepartmentFactory(code="OPS", name="Operations")
    DepartmentFactory(code="HQ", name="Head office")
    body = {
        "employees": [{"external_id": "E1", "job_title": "Lead"}, {"external_id": "NEW", "job_title": "Lead"}],
        "departments": [{"code": "OPS", "parent": "HQ"}, {"code": "NEWD", "parent": "HQ"}],
    }
    data = api.post_json(URL, body).json()
    assert (data["updated"], data["created"], data["failed"]) == (1, 0, 1)
    assert data["errors"] == [
        {
            "index": 1,
            "id": "NEW",
            "errors": {"email": ["This field is required."], "full_name": ["This field is required."]},
        }
    ]
    assert data["department_errors"] == [{"index": 1, "id": "NEWD", "errors": {"name": ["This field is required."]}}]
    employee = Employee.objects.get(external_id="E1")
    assert (employee.email, employee.full_name, employee.job_title) == ("e1@example.test", "Ada Lovelace", "Lead")
    ops = Department.objects.get(code="OPS")
    assert (ops.name, ops.parent.code) == ("Operations", "HQ")
    assert not Employee.objects.filter(external_id="NEW").exists()
    assert not Department.objects.filter(code="NEWD").exists()


def test_invalid_rows_are_reported_and_valid_rows_applied(api):
    body = {
        "employees": [
            row("OK1"),
            row("BAD1", email="not-an-address"),
            row("BAD2", department="NOPE"),
            {"external_id": "BAD3", "full_name": "No e-mail"},
            row("BAD4", surname="unknown field"),
            "not an object",
            row("OK2", manager="OK1"),
        ]
    }
    response = api.post_json(URL, body)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    data = response.json()
    assert (data["created"], data["failed"]) == (2, 5)
    errors = {e["index"]: e for e in data["errors"]}
    assert set(errors) == {1, 2, 3, 4, 5}
    assert errors[1]["id"] == "BAD1" and "email" in errors[1]["errors"]
    assert errors[2]["errors"]["department"] == ["Unknown department code 'NOPE'."]
    assert errors[3]["errors"]["email"] == ["This field is required."]
    assert errors[4]["errors"]["surname"] == ["Unknown field."]
    assert errors[5]["id"] is None
    assert set(Employee.objects.values_list("external_id", flat=True)) == {"OK1", "OK2"}


def test_a_duplicate_id_in_one_batch_refuses_every_copy(api):
    data = api.post_json(URL, {"employees": [row("E1"), row("E2"), row("E1", full_name="Other")]}).json()
    assert data["failed"] == 2
    assert {e["index"] for e in data["errors"]} == {0, 2}
    assert "more than once" in data["errors"][0]["errors"]["external_id"][0]
    assert list(Employee.objects.values_list("external_id", flat=True)) == ["E2"]


def test_a_manager_cycle_is_refused_and_nothing_of_it_written(api):
    body = {"employees": [row("A", manager="C"), row("B", manager="A"), row("C", manager="B"), row("D", manager="A")]}
    response = api.post_json(URL, body)
    assert response.status_code == 422
    data = response.json()
    assert {e["id"] for e in data["errors"]} == {"A", "B", "C", "D"}
    assert "cycle" in {e["id"]: e for e in data["errors"]}["A"]["errors"]["manager"][0]
    assert not Employee.objects.exists()


def test_a_cycle_through_existing_employees_is_refused(api):
    boss = EmployeeFactory(external_id="BOSS", email="boss@example.test")
    EmployeeFactory(external_id="MID", email="mid@example.test", manager=boss)
    data = api.post_json(URL, {"employees": [row("BOSS", email="boss@example.test", manager="MID")]}).json()
    assert data["failed"] == 1
    assert "cycle" in data["errors"][0]["errors"]["manager"][0]
    assert Employee.objects.get(external_id="BOSS").manager is None


def test_a_manager_refused_in_the_batch_refuses_their_reports(api):
    data = api.post_json(URL, {"employees": [row("M", email="bad"), row("R", manager="M")]}).json()
    assert data["failed"] == 2
    assert "refused" in {e["id"]: e for e in data["errors"]}["R"]["errors"]["manager"][0]


def test_an_e_mail_of_another_employee_is_refused(api):
    EmployeeFactory(external_id="X", email="taken@example.test")
    data = api.post_json(URL, {"employees": [row("Y", email="Taken@Example.test")]}).json()
    assert data["failed"] == 1
    assert "already used by employee 'X'" in data["errors"][0]["errors"]["email"][0]


def test_terminated_rows_get_a_termination_date(api):
    api.post_json(URL, {"employees": [row("E1")]})
    api.post_json(URL, {"employees": [row("E1", status="terminated")]})
    employee = Employee.objects.get(external_id="E1")
    assert employee.status == "terminated" and employee.terminated_on is not None


def test_more_than_ten_thousand_rows_are_refused_with_nothing_written(api):
    body = {"employees": [row(f"E{i}") for i in range(10_001)]}
    response = api.post_json(URL, body)
    assert response.status_code == 413
    assert response.json()["errors"] == {"employees": ["At most 10,000 rows."]}
    assert not Employee.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ('{"employees": [', "application/json", 400),
        ("[]", "application/json", 400),
        ('{"employees": {}}', "application/json", 400),
        ('{"employees": [], "extra": 1}', "application/json", 400),
        ("employees=1", "application/x-www-form-urlencoded", 415),
        ('{"employees": []}', "text/plain", 415),
    ],
    ids=["malformed", "not-an-object", "not-a-list", "unknown-top-level-field", "form", "text"],
)
def test_bad_requests_are_clear_4xx_problems(api, body, content_type, status):
    response = api.post(URL, body, content_type=content_type)
    assert response.status_code == status
    problem = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert problem["status"] == status and problem["title"] and problem["detail"] and problem["type"]
    assert not Employee.objects.exists()


def test_an_idempotency_key_returns_the_first_response_without_applying_twice(api):
    body = {"employees": [row("E1")]}
    first = api.post_json(URL, body, headers={"Idempotency-Key": "sync-42"})
    Employee.objects.filter(external_id="E1").update(full_name="Changed since")
    again = api.post_json(URL, body, headers={"Idempotency-Key": "sync-42"})
    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Employee.objects.get(external_id="E1").full_name == "Changed since"
    assert IdempotencyRecord.objects.count() == 1
    assert AuditEvent.objects.filter(action="employees.upserted").count() == 1


def test_an_idempotency_key_reused_with_another_body_is_refused(api):
    api.post_json(URL, {"employees": [row("E1")]}, headers={"Idempotency-Key": "k"})
    response = api.post_json(URL, {"employees": [row("E2")]}, headers={"Idempotency-Key": "k"})
    assert response.status_code == 422
    assert response.json()["type"].endswith("idempotency-key-reused")
    assert not Employee.objects.filter(external_id="E2").exists()


def test_an_idempotency_key_is_bound_to_its_endpoint(api):
    # The same key and body on /bulk/ used to replay the earlier 201 of POST /employees/.
    body = row("E1")
    first = api.post_json("/api/v1/employees/", body, headers={"Idempotency-Key": "shared"})
    assert first.status_code == 201
    response = api.post_json(URL, body, headers={"Idempotency-Key": "shared"})
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("idempotency-key-reused")
    assert "POST /api/v1/employees/" in response.json()["detail"]
    assert "Idempotent-Replayed" not in response
    replay = api.post_json("/api/v1/employees/", body, headers={"Idempotency-Key": "shared"})
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    record = IdempotencyRecord.objects.get()
    assert (record.method, record.path) == ("POST", "/api/v1/employees/")


def test_idempotency_keys_are_per_api_key(client_for):
    body = {"employees": [row("E1")]}
    client_for("employees:write").post_json(URL, body, headers={"Idempotency-Key": "same"})
    other = client_for("employees:write").post_json(URL, body, headers={"Idempotency-Key": "same"})
    assert "Idempotent-Replayed" not in other
    assert other.json()["unchanged"] == 1


@pytest.mark.postgres  # SQLite caps a statement's parameters, so its batches are a few dozen rows
def test_the_query_count_does_not_grow_with_the_rows(api, django_assert_max_num_queries, monkeypatch):
    from attestations import jobs as attestation_jobs

    # Both batches bring their people's obligations in line in the request (past 200 people that
    # is a job of its own: test_jobs_api.py), so the two counts compare the same work.
    monkeypatch.setattr(attestation_jobs, "RESCOPE_IN_REQUEST", 10_000)
    DepartmentFactory(code="ENG")

    def payload(n, offset):
        rows = [row(f"P{offset + i}", department="ENG") for i in range(n)]
        for i in range(1, n):
            rows[i]["manager"] = f"P{offset + (i - 1) // 3}"
        return json.dumps({"employees": rows})

    with django_assert_max_num_queries(40) as small:
        assert api.post(URL, payload(20, 0), content_type="application/json").status_code == 200
    with django_assert_max_num_queries(40) as large:
        assert api.post(URL, payload(900, 1000), content_type="application/json").status_code == 200
    assert len(large.captured_queries) <= len(small.captured_queries) + 2


def test_idempotency_records_are_forgotten_after_a_day(api):
    import datetime

    from django.utils import timezone

    from integrations.keys import purge_idempotency_records

    api.post_json(URL, {"employees": [row("E1")]}, headers={"Idempotency-Key": "old"})
    assert purge_idempotency_records() == 0
    assert purge_idempotency_records(now=timezone.now() + datetime.timedelta(days=2)) == 1
    assert not IdempotencyRecord.objects.exists()
