"""The rules the OpenAPI schema states are the rules the server enforces, one by one: what the
fuzzer run in test_schema.py found, pinned as plain examples."""

import json
import re
import tomllib
from pathlib import Path

import pytest

from tests.factories import DepartmentFactory, EmployeeFactory

PROBLEM = "application/problem+json"


def problem(response, status, type_slug=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    if type_slug:
        assert body["type"] == f"urn:ai-governance:problem:{type_slug}", body
    return body


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return Client().get("/api/schema/?format=json").json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


# --- Query parameters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/employees/?statsu=active",
        "/api/v1/employees/E1/?status=active",  # a list's filter, not the record's
        "/api/v1/compliance/summary/?countyr=DE",
        "/api/v1/platforms/?cursor=x",  # the catalog pages by number
        "/api/v1/webhooks/?page=2",  # the webhooks page by cursor
    ],
)
def test_an_undocumented_query_parameter_is_refused(api, url):
    EmployeeFactory(external_id="E1")
    body = problem(api.get(url), 400, "validation-error")
    assert list(body["errors"].values()) == [["Unknown query parameter."]]


def test_an_empty_query_parameter_is_refused(api):
    body = problem(api.get("/api/v1/employees/?status="), 400, "validation-error")
    assert body["errors"] == {"status": ["This parameter may not be empty."]}


@pytest.mark.parametrize("page_size", ["0", "-1", "1001", "ten", "1.0", " 5"])
def test_a_page_size_out_of_range_is_refused_not_clamped(api, page_size):
    body = problem(api.get("/api/v1/employees/", {"page_size": page_size}), 400, "validation-error")
    assert body["errors"] == {"page_size": ["A whole number from 1 to 1,000."]}


def test_the_largest_page_size_is_served(api):
    EmployeeFactory.create_batch(3)
    assert len(api.get("/api/v1/employees/?page_size=1000").json()["results"]) == 3


@pytest.mark.parametrize("cursor", ["abc", "cD1hYmM=", "bz0x"])  # garbage, p=abc, o=1 alone
def test_a_cursor_no_page_handed_out_names_no_page(api, cursor):
    EmployeeFactory.create_batch(2)
    response = api.get("/api/v1/employees/", {"cursor": cursor})
    if cursor == "bz0x":  # a well-formed cursor (offset 1 from the start) is a page
        assert response.status_code == 200
    else:
        assert "cursor" in problem(response, 404, "not-found")["detail"]


def test_catalog_pages_are_numbered_from_one(api):
    assert api.get("/api/v1/platforms/?page=1").status_code == 200
    problem(api.get("/api/v1/platforms/?page=0"), 400, "validation-error")
    problem(api.get("/api/v1/platforms/?page=2"), 404)


@pytest.mark.parametrize("value", ["yes", "1", "True", "on"])
def test_catalog_booleans_are_true_or_false(api, value):
    problem(api.get("/api/v1/platforms/", {"verified": value}), 400, "validation-error")
    assert api.get("/api/v1/platforms/?verified=false&stale=true").status_code == 200


@pytest.mark.parametrize("since", ["2026-01-05", "2026-01-05T09:00:00", "2026-01-05 09:00Z", "2026-13-01T00:00:00Z"])
def test_updated_since_is_an_rfc3339_date_time(api, since):
    problem(api.get("/api/v1/employees/", {"updated_since": since}), 400, "validation-error")


@pytest.mark.parametrize("since", ["2026-01-05T09:00:00Z", "2026-01-05t09:00:00.5+05:30", "0001-01-01T00:00:00+01:00"])
def test_any_rfc3339_date_time_is_taken(api, since):
    assert api.get("/api/v1/employees/", {"updated_since": since}).status_code == 200


@pytest.mark.parametrize("query", ["department=0", "platform=-1", "policy_version=1.0", "customer_data=yes"])
def test_summary_filters_of_the_wrong_form_are_400(api, query):
    problem(api.get(f"/api/v1/compliance/summary/?{query}"), 400, "validation-error")


# --- Bodies -----------------------------------------------------------------------------------


def test_terminated_on_without_status_terminated_is_a_rule_violation(api):
    body = {"email": "a@example.test", "full_name": "A", "terminated_on": "2026-01-01"}
    errors = problem(api.put_json("/api/v1/employees/E9/", body), 422, "rule-violated")["errors"]
    assert errors == {"terminated_on": ["Only a terminated employee has a termination date."]}


@pytest.mark.parametrize(("field", "value"), [("department", "NOPE"), ("manager", "NOBODY")])
@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_a_reference_to_a_record_that_does_not_exist_is_422(api, method, field, value):
    EmployeeFactory(external_id="E1", department=DepartmentFactory(code="D1"))
    body = {"external_id": "E2", "email": "e2@example.test", "full_name": "E two", field: value}
    path = "/api/v1/employees/" if method == "post" else "/api/v1/employees/E1/"
    if method != "post":
        body = {field: value, **({"email": "e1@example.test", "full_name": "E one"} if method == "put" else {})}
    errors = problem(getattr(api, f"{method}_json")(path, body), 422, "unknown-reference")["errors"]
    assert list(errors) == [field]


def test_an_email_another_employee_holds_is_a_conflict(api):
    EmployeeFactory(external_id="E1", email="taken@example.test")
    body = {"email": "taken@example.test", "full_name": "B"}
    problem(api.put_json("/api/v1/employees/E2/", body), 409, "conflict")


@pytest.mark.parametrize(
    "body",
    [
        {"email": "a@example.test", "full_name": "A", "nickname": "x"},  # unknown field
        {"email": "a@example.test", "full_name": "   "},  # nothing but spaces
        {"email": "a@example.test", "full_name": "A\u0085B"},  # a C1 control character
        {"email": " a@example.test", "full_name": "A"},  # spaces around a value that is not text
        {"email": "a@example.test", "full_name": "A", "country": "DEU"},
        {"email": "a@example.test", "full_name": "A", "hired_on": "2024-W01-1"},  # ISO week: not format date
        {"email": "a@example.test", "full_name": " " * 200 + "A"},  # maxLength counts what was sent
    ],
)
def test_fields_out_of_their_schema_form_are_400(api, body):
    problem(api.put_json("/api/v1/employees/E1/", body), 400, "validation-error")


def test_report_filters_are_the_documented_ones(api):
    body = problem(api.post_json("/api/v1/reports/", {"filters": {"team": "x"}}), 400, "validation-error")
    assert body["errors"] == {"filters": {"team": ["Unknown field."]}}
    problem(api.post_json("/api/v1/reports/", {"filters": {"platform": 3}}), 400)  # text, as documented
    body = problem(api.post_json("/api/v1/reports/", {"filters": {"department": "999999"}}), 422, "unknown-reference")
    assert body["errors"] == {"department": ["No such department."]}


@pytest.mark.parametrize(
    "body",
    [
        {"url": "https://hooks.example.test/h", "events": []},
        {"url": "https://hooks.example.test/h", "events": ["report.ready"], "active": "true"},
        {"url": "https://hooks.example.test/h", "events": ["report.ready"], "description": 0},
        {"url": "https://" + "a" * 64 + ".example/h", "events": ["report.ready"]},  # a label past 63
        {"url": "ftp://hooks.example.test/h", "events": ["report.ready"]},
    ],
)
def test_webhook_bodies_out_of_their_schema_form_are_400(api, body):
    problem(api.post_json("/api/v1/webhooks/", body), 400, "validation-error")


@pytest.mark.parametrize("key", ["x" * 256, "tab\there", "é"])
def test_an_idempotency_key_out_of_its_documented_form_is_400(api, key):
    headers = {"Idempotency-Key": key.encode("utf-8").decode("latin-1")}
    body = problem(api.post_json("/api/v1/employees/bulk/", {"employees": []}, headers=headers), 400)
    assert "Idempotency-Key" in body["errors"]


def test_an_idempotency_key_reused_for_another_body_is_422_as_documented(api):
    headers = {"Idempotency-Key": "k-1"}
    assert api.post_json("/api/v1/employees/bulk/", {"employees": []}, headers=headers).status_code == 200
    again = api.post_json("/api/v1/employees/bulk/", {"employees": [], "departments": []}, headers=headers)
    problem(again, 422, "idempotency-key-reused")


# --- The schema says so -----------------------------------------------------------------------


def test_every_request_body_refuses_unknown_fields_in_the_schema(schema):
    components = schema["components"]["schemas"]
    for name, component in components.items():
        if name.endswith("Request") and component.get("type") == "object":
            assert component.get("additionalProperties") is False, name


def test_every_text_query_and_path_parameter_states_the_address_rules(schema):
    for label, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            spec = parameter["schema"]
            if parameter["in"] in ("query", "path") and spec.get("type") == "string":
                assert "enum" in spec or "format" in spec or "pattern" in spec, (label, parameter["name"])
                if "pattern" in spec:
                    assert not re.search(spec["pattern"], "a\u0085b"), (label, parameter["name"])
            if spec.get("type") == "integer":
                assert spec.get("minimum") == 1 and spec.get("maximum"), (label, parameter["name"])


def test_the_fuzzer_accepts_422_exactly_where_the_schema_documents_it(schema):
    config = tomllib.loads((Path(__file__).with_name("schemathesis.toml")).read_text())
    allowed = {
        entry["include-name"]
        for entry in config["operations"]
        if "422" in entry.get("checks", {}).get("positive_data_acceptance", {}).get("expected-statuses", [])
    }
    documented = {label for label, operation in operations(schema) if "422" in operation["responses"]}
    assert allowed == documented
    for label in documented:
        operation = dict(operations(schema))[label]
        assert PROBLEM in operation["responses"]["422"]["content"], label
        assert "422" in operation["description"], label


def test_uri_fields_in_responses_are_nullable_where_the_catalog_may_lack_them(schema):
    components = schema["components"]["schemas"]
    for component, field in [("Platform", "website"), ("Platform", "privacy_url"), ("PlatformSetting", "deep_link")]:
        spec = components[component]["properties"][field]
        assert spec.get("format") == "uri" and spec.get("nullable") is True, json.dumps(spec)
