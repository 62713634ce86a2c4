"""Every endpoint x every scope (table-driven), keys in browser pages, and browser roles in the API."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from integrations.keys import revoke_api_key
from integrations.models import ALL_SCOPES
from tests.factories import EmployeeFactory
from tests.integrations.conftest import ApiClient

NEW_EMPLOYEE = {"external_id": "NEW1", "email": "new1@example.test", "full_name": "New Person"}

# (method, path, scope a key needs, body)
ENDPOINTS = [
    ("get", "/api/v1/employees/", "employees:read", None),
    ("post", "/api/v1/employees/", "employees:write", NEW_EMPLOYEE),
    ("post", "/api/v1/employees/bulk/", "employees:write", {"employees": [NEW_EMPLOYEE]}),
    ("get", "/api/v1/employees/E1/", "employees:read", None),
    ("put", "/api/v1/employees/E1/", "employees:write", {"email": "e1@example.test", "full_name": "E One"}),
    ("patch", "/api/v1/employees/E1/", "employees:write", {"job_title": "Lead"}),
    ("delete", "/api/v1/employees/E1/", "employees:write", None),
    ("get", "/api/v1/employees/E1/compliance/", "compliance:read", None),
    ("get", "/api/v1/departments/", "employees:read", None),
    ("get", "/api/v1/departments/D1/", "employees:read", None),
    ("put", "/api/v1/departments/D1/", "employees:write", {"name": "Engineering and Data"}),
    ("get", "/api/v1/compliance/summary/", "compliance:read", None),
    ("get", "/api/v1/attestations/", "attestations:read", None),
    ("get", "/api/v1/usage/", "usage:read", None),
    ("get", "/api/v1/platforms/", "compliance:read", None),
    ("get", "/api/v1/platforms/acme/", "compliance:read", None),
    ("get", "/api/v1/policies/", "compliance:read", None),
    ("get", "/api/v1/policies/{policy}/", "compliance:read", None),
    ("get", "/api/v1/reports/", "reports:read", None),
    ("post", "/api/v1/reports/", "reports:write", {"filters": {"country": "DE"}}),
    ("get", "/api/v1/reports/{report}/", "reports:read", None),
    ("get", "/api/v1/reports/{report}/download/", "reports:read", None),
    ("get", "/api/v1/webhooks/", "webhooks:write", None),
    (
        "post",
        "/api/v1/webhooks/",
        "webhooks:write",
        {"url": "https://hooks.example.test/h", "events": ["report.ready"]},
    ),
    ("get", "/api/v1/webhooks/{webhook}/", "webhooks:write", None),
    ("patch", "/api/v1/webhooks/{webhook}/", "webhooks:write", {"active": False}),
    ("delete", "/api/v1/webhooks/{webhook}/", "webhooks:write", None),
    ("get", "/api/v1/webhooks/{webhook}/deliveries/", "webhooks:write", None),
    ("post", "/api/v1/webhooks/{webhook}/deliveries/{delivery}/redeliver/", "webhooks:write", None),
    # SCIM: reading needs employees:read (a write-only key listed everyone before), writing employees:write.
    ("get", "/scim/v2/Users", "employees:read", None),
    ("post", "/scim/v2/Users", "employees:write", {"userName": "scim@example.test", "externalId": "S1"}),
    ("get", "/scim/v2/ServiceProviderConfig", "employees:read", None),
]


def _url(path, world):
    return path.format(
        policy=world["policy"].pk, report=world["report"].pk, webhook=world["webhook"].pk, delivery=world["delivery"].pk
    )


def _call(client, method, path, body):
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, f"{method}_json")(path, body)


def test_the_matrix_covers_every_documented_operation():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {
        (
            method,
            path.replace("{external_id}", "E1")
            .replace("{code}", "D1")
            .replace("{slug}", "acme")
            .replace("{id}", "{x}"),
        )
        for path, operations in schema["paths"].items()
        for method in operations
        # The browser extension's API takes device tokens only, no API key nor session:
        # tests/browser_extension holds who reaches it.
        if not path.startswith("/api/extension/")
    }
    covered = {
        (method, path.replace("{policy}", "{x}").replace("{report}", "{x}").replace("{webhook}", "{x}"))
        for method, path, _, _ in ENDPOINTS
        if path.startswith("/api/")
    }
    covered = {(m, p.replace("{delivery}", "{delivery_id}")) for m, p in covered}
    # A job's scope depends on its kind (an HR change's job: employees:read or :write), so it is
    # not one row of this matrix: tests/integrations/test_jobs_api.py holds its keys and people.
    per_kind = {("get", "/api/v1/jobs/{x}/")}
    assert documented == covered | per_kind


@pytest.mark.parametrize("scope", ALL_SCOPES)
@pytest.mark.parametrize(("method", "path", "needed", "body"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_a_key_reaches_an_endpoint_only_with_its_scope(client_for, world, scope, method, path, needed, body):
    response = _call(client_for(scope), method, _url(path, world), body)
    if scope == needed:
        assert response.status_code not in (401, 403), response.content
    else:
        assert response.status_code == 403, response.content


@pytest.mark.parametrize(("method", "path", "needed", "body"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_without_a_key_every_endpoint_answers_401(world, method, path, needed, body):
    response = _call(ApiClient(), method, _url(path, world), body)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_is_refused(make_key, world):
    issued = make_key("employees:read")
    assert ApiClient(issued.secret).get("/api/v1/employees/").status_code == 200
    revoke_api_key(api_key=issued.api_key)
    response = ApiClient(issued.secret).get("/api/v1/employees/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Unknown or revoked API key."


def test_a_wrong_secret_with_a_real_prefix_is_refused(make_key, world):
    issued = make_key("employees:read")
    forged = issued.secret[:-4] + ("AAAA" if not issued.secret.endswith("AAAA") else "BBBB")
    assert ApiClient(forged).get("/api/v1/employees/").status_code == 401


def test_using_a_key_records_its_last_use(make_key, world):
    issued = make_key("employees:read")
    assert issued.api_key.last_used_at is None
    ApiClient(issued.secret).get("/api/v1/employees/")
    issued.api_key.refresh_from_db()
    assert issued.api_key.last_used_at is not None


@pytest.mark.parametrize("path", ["/integrations/keys/", "/dashboard/", "/me/"])
def test_a_key_never_opens_a_browser_page(api, path):
    response = api.get(path)
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("login"))


# --- Signed-in people -----------------------------------------------------------------


def test_an_employee_reads_only_their_own_compliance(client, employee_user, world):
    client.force_login(employee_user)
    own = employee_user.employee.external_id
    assert client.get(f"/api/v1/employees/{own}/compliance/").status_code == 200
    other = client.get("/api/v1/employees/E1/compliance/")
    assert other.status_code == 404
    assert other["Content-Type"] == "application/problem+json"
    assert client.get("/api/v1/employees/").status_code == 403
    assert client.get("/api/v1/employees/E1/").status_code == 403
    assert client.get("/api/v1/compliance/summary/").status_code == 403


def test_a_manager_reads_the_compliance_of_their_reports(client, employee_user, world):
    me = employee_user.employee
    report = EmployeeFactory(manager=me)
    client.force_login(employee_user)
    assert client.get(f"/api/v1/employees/{report.external_id}/compliance/").status_code == 200


def test_an_officer_reads_but_does_not_write(client, officer, world):
    client.force_login(officer)
    assert client.get("/api/v1/employees/").status_code == 200
    assert client.get("/api/v1/compliance/summary/").status_code == 200
    assert client.get("/api/v1/attestations/").status_code == 200
    assert client.get("/api/v1/reports/").status_code == 200
    response = client.patch("/api/v1/employees/E1/", '{"job_title": "x"}', content_type="application/json")
    assert response.status_code == 403
    assert client.get("/api/v1/webhooks/").status_code == 403


def test_an_admin_writes(client, admin_user, world):
    client.force_login(admin_user)
    response = client.patch("/api/v1/employees/E1/", '{"job_title": "Lead"}', content_type="application/json")
    assert response.status_code == 200
    assert response.json()["job_title"] == "Lead"
    assert client.get("/api/v1/webhooks/").status_code == 200


def test_a_session_write_needs_the_csrf_token(admin_user, world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.patch("/api/v1/employees/E1/", '{"job_title": "Lead"}', content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
