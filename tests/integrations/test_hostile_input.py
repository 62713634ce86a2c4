"""Hostile input on every entry point for HR, SCIM and API clients: refused with a 4xx problem
(or SCIM error) naming the field, never a 500; the valid rows of a batch still applied."""

import json

import pytest

from governance.validators import control_character
from integrations.scim.schemas import ERROR
from people.models import Department, Employee
from tests.factories import DepartmentFactory, EmployeeFactory

BULK = "/api/v1/employees/bulk/"
PROBLEM = "application/problem+json"
SCIM = "application/scim+json"
DEEP = "[" * 100_000 + "]" * 100_000


def row(ext, **extra):
    return {"external_id": ext, "email": f"{ext.lower()}@example.test", "full_name": f"Person {ext}", **extra}


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    return body


def assert_scim_error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == SCIM
    body = response.json()
    assert body["schemas"] == [ERROR] and body["status"] == str(status)
    return body


@pytest.fixture
def scim(client_for):
    return client_for("employees:read", "employees:write")


# --- Control characters ----------------------------------------------------------------------

# Written into the JSON text as escapes, so that lone surrogates survive the test's json.dumps.
BAD_TEXT = {
    "nul": "Ada\\u0000Lovelace",
    "escape": "Ada\\u001b[31mLovelace",
    "c1": "Ada\\u0085Lovelace",
    "lone-surrogate": "Ada\\ud800Lovelace",
}


@pytest.mark.parametrize("bad", BAD_TEXT.values(), ids=BAD_TEXT.keys())
def test_a_control_character_in_one_bulk_row_refuses_that_row_and_applies_the_others(api, bad):
    # On PostgreSQL a NUL used to reach the database: 500, and the valid rows were lost with it.
    body = (
        '{"employees": ['
        '{"external_id": "OK1", "email": "ok1@example.test", "full_name": "Ok One"},'
        f'{{"external_id": "BAD1", "email": "bad1@example.test", "full_name": "{bad}"}},'
        f'{{"external_id": "BAD{bad}", "email": "bad2@example.test", "full_name": "Bad Two"}},'
        f'{{"external_id": "BAD3", "email": "bad3@example.test", "full_name": "Bad", "{bad}": 1}},'
        '{"external_id": "OK2", "email": "ok2@example.test", "full_name": "Ok Two", "manager": "OK1"}],'
        f'"departments": [{{"code": "D1", "name": "{bad}"}}, {{"code": "D2", "name": "Fine"}}]}}'
    )
    response = api.post_json(BULK, body, headers={"Idempotency-Key": "control-characters"})
    data = assert_problem(response, 422)
    assert (data["created"], data["failed"]) == (2, 3)
    errors = {e["index"]: e for e in data["errors"]}
    assert "Control characters are not allowed" in errors[1]["errors"]["full_name"][0]
    assert "Control characters are not allowed" in errors[2]["errors"]["external_id"][0]
    assert list(errors[3]["errors"].values()) == [["Unknown field."]]
    assert control_character(json.dumps(data, ensure_ascii=False)) is None  # echoed ids are escaped
    assert [e["index"] for e in data["department_errors"]] == [0]
    assert set(Employee.objects.values_list("external_id", flat=True)) == {"OK1", "OK2"}
    assert set(Department.objects.values_list("code", flat=True)) == {"D2"}
    # The refusal was stored for retries like any other answer.
    assert api.post_json(BULK, body, headers={"Idempotency-Key": "control-characters"})["Idempotent-Replayed"]


ENTRY_POINTS = {
    "single POST": (
        "post",
        "/api/v1/employees/",
        lambda bad: f'{{"external_id": "N1", "email": "n1@x.test", "full_name": "{bad}"}}',
    ),
    "employee PUT": ("put", "/api/v1/employees/E1/", lambda bad: f'{{"email": "e1@x.test", "full_name": "{bad}"}}'),
    "employee PATCH": ("patch", "/api/v1/employees/E1/", lambda bad: f'{{"job_title": "{bad}"}}'),
    "department PUT": ("put", "/api/v1/departments/D1/", lambda bad: f'{{"name": "{bad}"}}'),
}


@pytest.mark.parametrize("bad", BAD_TEXT.values(), ids=BAD_TEXT.keys())
@pytest.mark.parametrize(("method", "path", "make_body"), ENTRY_POINTS.values(), ids=ENTRY_POINTS.keys())
def test_control_characters_are_refused_on_the_single_record_endpoints(api, method, path, make_body, bad):
    EmployeeFactory(external_id="E1", full_name="Before", job_title="Before")
    DepartmentFactory(code="D1", name="Before")
    body = assert_problem(getattr(api, f"{method}_json")(path, make_body(bad)), 400)
    assert "Control characters are not allowed" in json.dumps(body["errors"])
    assert not Employee.objects.filter(external_id="N1").exists()
    assert Employee.objects.get(external_id="E1").full_name == "Before"
    assert Employee.objects.get(external_id="E1").job_title == "Before"
    assert Department.objects.get(code="D1").name == "Before"


@pytest.mark.parametrize("bad", BAD_TEXT.values(), ids=BAD_TEXT.keys())
def test_control_characters_are_refused_on_scim_create_and_replace(scim, bad):
    employee = EmployeeFactory(external_id="E1", full_name="Before")
    create = f'{{"userName": "a{bad}@example.test", "externalId": "X1"}}'
    assert (
        "Control characters" in assert_scim_error(scim.post("/scim/v2/Users", create, content_type=SCIM), 400)["detail"]
    )
    replace = f'{{"userName": "{employee.email}", "displayName": "{bad}"}}'
    response = scim.put(f"/scim/v2/Users/{employee.pk}", replace, content_type=SCIM)
    assert "Control characters" in assert_scim_error(response, 400)["detail"]
    assert Employee.objects.get().full_name == "Before"


def test_scim_rows_follow_the_api_field_rules(scim):
    # SCIM rows went to the database unchecked: a 300-character title was a 500.
    body = {"userName": "ada@example.test", "externalId": "X1", "title": "t" * 300}
    response = scim.post("/scim/v2/Users", json.dumps(body), content_type=SCIM)
    assert "job_title: At most 200 characters." in assert_scim_error(response, 400)["detail"]
    assert not Employee.objects.exists()


@pytest.mark.parametrize(
    ("path", "surface"),
    [
        ("/api/v1/employees/E%001/", "api"),
        ("/api/v1/employees/?department=D%001", "api"),
        ("/api/v1/attestations/?employee=E%001", "api"),
        ("/scim/v2/Users/1%00", "scim"),
        ('/scim/v2/Users?filter=userName eq "a%00b"', "scim"),
    ],
)
def test_control_characters_in_addresses_are_refused(api, path, surface):
    response = api.get(path)
    if surface == "api":
        assert "control character (U+0000)" in assert_problem(response, 400)["detail"]
    else:
        assert "control character (U+0000)" in assert_scim_error(response, 400)["detail"]


def test_a_control_character_in_a_scim_filter_is_an_invalid_filter(scim):
    body = assert_scim_error(scim.get("/scim/v2/Users", {"filter": 'userName eq "a\x00b"'}), 400)
    assert body["scimType"] == "invalidFilter"


def test_an_idempotency_key_with_control_characters_is_refused(api):
    response = api.post_json(BULK, {"employees": [row("E1")]}, headers={"Idempotency-Key": "key\x00"})
    assert_problem(response, 400)
    assert not Employee.objects.exists()


# --- URL-safe ids ----------------------------------------------------------------------------

LEGITIMATE_IDS = ["E001", "ENG-PLAT", "S0000001", "HR000001", "a.b_c~d", "x" * 64]
UNSAFE_IDS = ["a/b", "a b", "x?y", "x#y", "50%", "é1", ".", "..", "x" * 65]


def test_new_ids_must_be_url_safe_and_the_demo_and_seed_ids_are(api):
    body = {
        "employees": [row(ext, email=f"p{i}@example.test") for i, ext in enumerate([*LEGITIMATE_IDS, *UNSAFE_IDS])],
        "departments": [{"code": code, "name": f"Dept {code}"} for code in ["ENG-PLAT", "SC-T1", "a/b", "a b"]],
    }
    data = assert_problem(api.post_json(BULK, body), 422)
    assert data["created"] == len(LEGITIMATE_IDS)
    refused = {e["id"]: e["errors"]["external_id"][0] for e in data["errors"]}
    assert set(refused) == set(UNSAFE_IDS)
    assert refused["a/b"].startswith("Use a URL-safe id")
    assert {e["id"] for e in data["department_errors"]} == {"a/b", "a b"}
    assert set(Employee.objects.values_list("external_id", flat=True)) == set(LEGITIMATE_IDS)
    assert set(Department.objects.values_list("code", flat=True)) == {"ENG-PLAT", "SC-T1"}


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        # In a body the schema's pattern says so: a malformed field (400).
        ("post", "/api/v1/employees/", row("a/b"), 400),
        # In the URL any segment addresses a record (existing ids stay usable); making a new
        # record with it breaks the rule for new ids (422, rule-violated).
        ("put", "/api/v1/employees/a%20b/", {"email": "ab@example.test", "full_name": "A B"}, 422),
        ("put", "/api/v1/departments/a%20b/", {"name": "A B"}, 422),
    ],
)
def test_single_record_endpoints_refuse_ids_that_are_not_url_safe(api, method, path, body, status):
    errors = assert_problem(getattr(api, f"{method}_json")(path, body), status)["errors"]
    assert next(iter(errors.values()))[0].startswith("Use a URL-safe id")
    assert not Employee.objects.exists() and not Department.objects.exists()


def test_scim_refuses_an_employee_number_that_is_not_url_safe(scim):
    enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    body = {"userName": "ada@example.test", enterprise: {"employeeNumber": "a/b"}}
    assert (
        "URL-safe" in assert_scim_error(scim.post("/scim/v2/Users", json.dumps(body), content_type=SCIM), 400)["detail"]
    )


def test_an_existing_id_that_is_not_url_safe_stays_reachable_and_updatable(api):
    # Created before ids had to be URL-safe: HR can still update and terminate it.
    DepartmentFactory(code="OLD/DEPT")
    EmployeeFactory(external_id="old/id", email="old@example.test", full_name="Old")
    data = api.post_json(
        BULK, {"employees": [{"external_id": "old/id", "full_name": "Renamed", "department": "OLD/DEPT"}]}
    ).json()
    assert (data["updated"], data["failed"]) == (1, 0)
    listed = api.get("/api/v1/employees/", {"external_id": "old/id"}).json()["results"]
    assert [(e["external_id"], e["full_name"], e["department"]) for e in listed] == [("old/id", "Renamed", "OLD/DEPT")]


# --- Size and nesting ------------------------------------------------------------------------


@pytest.mark.parametrize("path", [BULK, "/api/v1/employees/"])
def test_json_nested_a_hundred_thousand_levels_is_a_400_problem(api, path):
    body = assert_problem(api.post_json(path, DEEP), 400)
    assert "nested too deeply" in body["detail"]


def test_json_nested_a_hundred_thousand_levels_is_a_scim_400(scim):
    assert_scim_error(scim.post("/scim/v2/Users", DEEP, content_type=SCIM), 400)


@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": "big"}], ids=["plain", "idempotent"])
def test_a_body_over_the_limit_is_a_413_problem(api, settings, headers):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post_json(BULK, {"employees": [row("E" + "1" * 20)] * 20}, headers=headers)
    assert "larger than" in assert_problem(response, 413)["detail"]
    assert not Employee.objects.exists()


def test_a_body_over_the_limit_is_a_scim_413(scim, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"userName": "ada@example.test", "externalId": "X1", "title": "t" * 2000})
    assert_scim_error(scim.post("/scim/v2/Users", body, content_type=SCIM), 413)


# --- Numbers out of range --------------------------------------------------------------------


@pytest.mark.parametrize("start", ["99999999999999999999999", "9223372036854775808"])
def test_a_scim_start_index_past_any_database_integer_is_an_empty_page(scim, start):
    EmployeeFactory()
    data = scim.get("/scim/v2/Users", {"startIndex": start}).json()
    assert (data["totalResults"], data["itemsPerPage"], data["Resources"]) == (1, 0, [])


@pytest.mark.parametrize("user_id", ["²", "99999999999999999999999", "0"])
def test_a_scim_user_id_that_is_no_database_id_is_not_found(scim, user_id):
    assert_scim_error(scim.get(f"/scim/v2/Users/{user_id}"), 404)


@pytest.mark.parametrize("param", ["platform", "policy_version", "department"])
@pytest.mark.parametrize("value", ["99999999999999999999", "²", "-1"])
def test_compliance_filters_out_of_range_are_400_problems(client_for, param, value):
    response = client_for("compliance:read").get("/api/v1/compliance/summary/", {param: value})
    assert param in assert_problem(response, 400)["errors"]


def test_an_unexpected_error_in_the_api_is_a_500_problem_not_a_page(client_for, monkeypatch):
    # The HTML error page itself failed for API keys (its navigation reads a person).
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("integrations.api.views.compliance.summary", broken)
    client = client_for("compliance:read")
    client.raise_request_exception = False
    response = client.get("/api/v1/compliance/summary/")
    assert_problem(response, 500)
