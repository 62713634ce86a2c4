"""Request budgets: SCIM shares its key's budget with the REST API; wrong keys are counted per
client address and answered 429 past the limit, on both surfaces."""

import pytest

from tests.clock import HOLD_STILL
from tests.integrations.conftest import ApiClient

pytestmark = [pytest.mark.django_db, HOLD_STILL]

WRONG = "gov_nosuchprefix_0000000000000000000000000000000000000000"


@pytest.fixture
def rates(settings):
    def set_rates(*, key=None, failed=None):
        if key:
            settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_key": key}}
        if failed:
            settings.FAILED_KEY_RATE = failed

    return set_rates


def test_scim_is_throttled_per_key(rates, client_for):
    rates(key="5/min")
    busy, other = client_for("employees:read"), client_for("employees:read")
    answers = [busy.get("/scim/v2/Users").status_code for _ in range(8)]
    assert answers == [200] * 5 + [429] * 3
    response = busy.get("/scim/v2/Users")
    assert response["Content-Type"] == "application/scim+json"
    assert response.json()["status"] == "429"
    assert 0 < int(response["Retry-After"]) <= 60
    assert other.get("/scim/v2/Users").status_code == 200  # another key has its own budget


def test_a_key_has_one_budget_across_rest_and_scim(rates, client_for):
    rates(key="4/min")
    both = client_for("employees:read", "employees:write")
    for _ in range(2):
        assert both.get("/api/v1/employees/").status_code == 200
        assert both.get("/scim/v2/Users").status_code == 200
    assert both.get("/scim/v2/Users").status_code == 429
    assert both.get("/api/v1/employees/").status_code == 429


@pytest.mark.parametrize("path", ["/api/v1/employees/", "/scim/v2/Users"])
def test_wrong_keys_get_401_then_429_per_address(rates, path):
    rates(failed="5/min")
    guesser = ApiClient(WRONG, REMOTE_ADDR="192.0.2.66")
    answers = [guesser.get(path).status_code for _ in range(7)]
    assert answers == [401] * 5 + [429] * 2
    response = guesser.get(path)
    assert 0 < int(response["Retry-After"]) <= 60
    bystander = ApiClient(WRONG, REMOTE_ADDR="192.0.2.67")
    assert bystander.get(path).status_code == 401


def test_a_throttled_address_cannot_try_keys_even_a_right_one(rates, make_key):
    rates(failed="3/min")
    for _ in range(3):
        ApiClient(WRONG, REMOTE_ADDR="192.0.2.66").get("/api/v1/employees/")
    right = make_key("employees:read").secret
    assert ApiClient(right, REMOTE_ADDR="192.0.2.66").get("/api/v1/employees/").status_code == 429
    assert ApiClient(right, REMOTE_ADDR="192.0.2.1").get("/api/v1/employees/").status_code == 200


def test_wrong_keys_on_rest_and_scim_add_up(rates):
    rates(failed="4/min")
    guesser = ApiClient(WRONG, REMOTE_ADDR="192.0.2.66")
    assert [guesser.get("/api/v1/employees/").status_code for _ in range(2)] == [401, 401]
    assert [guesser.get("/scim/v2/Users").status_code for _ in range(3)] == [401, 401, 429]


def test_a_malformed_bearer_header_counts_as_a_wrong_key(rates):
    rates(failed="2/min")
    guesser = ApiClient("two words", REMOTE_ADDR="192.0.2.66")
    assert [guesser.get("/api/v1/employees/").status_code for _ in range(3)] == [401, 401, 429]


def test_the_wrong_key_budget_follows_the_client_behind_our_proxy(rates, settings):
    rates(failed="2/min")
    settings.PROXY_COUNT = 1

    def guess(client_address, forged="6.6.6.6"):
        return ApiClient(
            WRONG,
            REMOTE_ADDR="172.16.0.2",
            HTTP_X_FORWARDED_FOR=f"{forged}, {client_address}",
        ).get("/api/v1/employees/")

    # A forged left-most entry changes nothing: the budget is the real client's.
    assert [guess("203.0.113.9", forged=f"6.6.6.{n}").status_code for n in range(3)] == [401, 401, 429]
    assert guess("203.0.113.10").status_code == 401  # another client behind the same proxy


def test_without_a_trusted_proxy_a_forged_header_does_not_reset_the_budget(rates, settings):
    rates(failed="2/min")
    settings.PROXY_COUNT = 0
    answers = [
        ApiClient(WRONG, REMOTE_ADDR="192.0.2.66", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        .get("/scim/v2/Users")
        .status_code
        for n in range(3)
    ]
    assert answers == [401, 401, 429]
