"""Every API error is an RFC 9457 problem: 400, 401, 403, 404, 405, 415, 429."""

import pytest

from tests.clock import HOLD_STILL
from tests.integrations.conftest import ApiClient

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["type"].startswith("urn:ai-governance:problem:")
    return body


def test_400_lists_field_errors(api):
    body = assert_problem(api.post_json("/api/v1/employees/", {"external_id": "E1", "email": "nope"}), 400)
    assert body["errors"] == {"email": ["Enter a valid e-mail address."], "full_name": ["This field is required."]}


def test_401_without_credentials():
    assert_problem(ApiClient().get("/api/v1/employees/"), 401)


def test_403_names_the_missing_scope(client_for):
    body = assert_problem(client_for("reports:read").get("/api/v1/employees/"), 403)
    assert "employees:read" in body["detail"]


@pytest.mark.parametrize("path", ["/api/v1/employees/NOPE/", "/api/v1/no-such-thing/", "/api/v1/reports/999/"])
def test_404(api, path):
    assert_problem(api.get(path), 404)


def test_405_says_what_is_allowed(api, world):
    response = api.post_json("/api/v1/attestations/", {})
    assert_problem(response, 405)
    assert "GET" in response["Allow"]


def test_415_for_a_form_body(api):
    assert_problem(api.post("/api/v1/employees/", {"external_id": "E1"}), 415)


@HOLD_STILL
def test_429_with_retry_after_per_key(settings, client_for):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_key": "3/min"}}
    busy, other = client_for("employees:read"), client_for("employees:read")
    for _ in range(3):
        assert busy.get("/api/v1/employees/").status_code == 200
    response = busy.get("/api/v1/employees/")
    body = assert_problem(response, 429)
    assert 0 < int(response["Retry-After"]) <= 60
    assert body["retry_after"] == int(response["Retry-After"])
    assert other.get("/api/v1/employees/").status_code == 200  # another key has its own budget
