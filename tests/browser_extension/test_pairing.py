"""Pairing from /me/, the device token, revoking it, and what a token can never reach."""

import datetime
import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from browser_extension import services, tokens
from browser_extension.models import Device, PairingCode
from governance.models import AuditEvent
from integrations.keys import create_api_key
from integrations.models import ALL_SCOPES
from people.models import Employee
from tests.browser_extension.conftest import DeviceClient
from tests.clock import HOLD_STILL, noon_on
from tests.integrations.conftest import ApiClient

TODAY = datetime.date(2026, 6, 1)
NOW = noon_on(TODAY)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]

PAIR = "/api/extension/v1/pair"
STATUS = "/api/extension/v1/status"
SIGNALS = "/api/extension/v1/signals"
CODE_ON_PAGE = re.compile(r'id="pairing-code"[^>]*>([A-Z0-9]{4}-[A-Z0-9]{4})<')


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def _code_from_page(client):
    response = client.post(reverse("extension:pairing-code"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return CODE_ON_PAGE.search(response.content.decode()).group(1)


def test_an_employee_creates_a_code_on_me_and_only_its_hash_is_stored(employee_user):
    client = _signed_in(employee_user)
    page = client.get(reverse("me")).content.decode()
    assert "Browser extension" in page and reverse("extension:pairing-code") in page
    shown = _code_from_page(client)
    code = shown.replace("-", "")
    assert len(code) == 8 and set(code) <= set(tokens.CODE_ALPHABET)
    record = PairingCode.objects.get(employee=employee_user.employee)
    assert record.code_hash == tokens.code_digest(code) and code not in record.code_hash
    assert record.expires_at == record.created_at + datetime.timedelta(minutes=10)
    assert AuditEvent.objects.filter(action="extension.pairing_code_created").count() == 1


def test_the_code_becomes_a_device_token_shown_once_and_stored_as_sha256(employee_user):
    code = _code_from_page(_signed_in(employee_user))
    response = DeviceClient().post_json(
        PAIR, {"code": code.lower(), "device_name": "Work laptop"}, headers={"User-Agent": "Chromium/130"}
    )
    assert response.status_code == 201, response.content
    token = response.json()["token"]
    device = Device.objects.get()
    assert device.employee == employee_user.employee and device.name == "Work laptop"
    assert device.user_agent == "Chromium/130"
    assert device.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not Device.objects.filter(token_hash=token).exists()
    assert DeviceClient(token).get(STATUS).status_code == 200
    # /me/ lists the device with a revoke button
    page = _signed_in(employee_user).get(reverse("me")).content.decode()
    assert "Work laptop" in page and reverse("extension:device-revoke", args=[device.pk]) in page


def test_a_code_is_good_once(employee_user):
    _, code = services.create_pairing_code(employee=employee_user.employee, actor=employee_user)
    assert DeviceClient().post_json(PAIR, {"code": code, "device_name": "A"}).status_code == 201
    response = DeviceClient().post_json(PAIR, {"code": code, "device_name": "B"})
    assert response.status_code == 401
    assert response.json()["code"] == "used_code"
    assert "already used" in response.json()["detail"]
    assert Device.objects.count() == 1


def test_an_expired_code_is_refused(employee_user, time_machine):
    record, code = services.create_pairing_code(employee=employee_user.employee, actor=employee_user)
    assert record.expires_at - record.created_at == datetime.timedelta(minutes=10)
    time_machine.move_to(record.expires_at + datetime.timedelta(seconds=1))
    response = DeviceClient().post_json(PAIR, {"code": code, "device_name": "Late"})
    assert response.status_code == 401, response.content
    assert (response.status_code, response.json()["code"]) == (401, "expired_code")
    assert not Device.objects.exists()


def test_a_new_code_cancels_the_one_before(employee_user):
    _, first = services.create_pairing_code(employee=employee_user.employee, actor=employee_user)
    _, second = services.create_pairing_code(employee=employee_user.employee, actor=employee_user)
    assert DeviceClient().post_json(PAIR, {"code": first, "device_name": "Old"}).json()["code"] == "expired_code"
    assert DeviceClient().post_json(PAIR, {"code": second, "device_name": "New"}).status_code == 201


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"code": "ZZZZ-ZZZZ", "device_name": "X"}, 401, "unknown_code"),
        ({"code": "O0I1-ABCD", "device_name": "X"}, 401, "invalid_code"),
        ({"code": "short", "device_name": "X"}, 401, "invalid_code"),
        ({"code": "ABCD-EFGH"}, 400, "invalid"),
        ({"code": "ABCD-EFGH", "device_name": "bad\x07name"}, 400, "invalid"),
        ({"code": "ABCD-EFGH", "device_name": "x" * 201}, 400, "invalid"),
        ([], 400, "invalid"),
    ],
)
def test_bad_pairing_requests_are_refused_with_a_clear_error(db, body, status, code):
    response = DeviceClient().post_json(PAIR, body)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and response.json()["detail"]
    assert not Device.objects.exists()


def test_a_terminated_employees_code_pairs_nothing(employee_user):
    _, code = services.create_pairing_code(employee=employee_user.employee, actor=employee_user)
    Employee.objects.filter(pk=employee_user.employee.pk).update(status=Employee.Status.TERMINATED)
    assert DeviceClient().post_json(PAIR, {"code": code, "device_name": "X"}).json()["code"] == "inactive"


@HOLD_STILL
def test_guessing_codes_is_cut_off_per_address(employee_user, settings):
    settings.EXTENSION_FAILED_TOKEN_RATE = "3/m"
    for _ in range(3):
        assert DeviceClient().post_json(PAIR, {"code": "ZZZZ-ZZZZ", "device_name": "X"}).status_code == 401
    _, code = services.create_pairing_code(employee=employee_user.employee, actor=employee_user)
    response = DeviceClient().post_json(PAIR, {"code": code, "device_name": "X"})
    assert response.status_code == 429 and "Retry-After" in response
    assert not Device.objects.exists()


@HOLD_STILL
def test_creating_codes_is_rate_limited_per_account(employee_user, settings):
    settings.EXTENSION_CODE_RATE_PER_ACCOUNT = "2/h"
    client = _signed_in(employee_user)
    _code_from_page(client)
    _code_from_page(client)
    response = client.post(reverse("extension:pairing-code"))
    assert response.status_code == 302 and response["Location"] == reverse("me")
    assert PairingCode.objects.count() == 2


def test_only_employees_create_codes_and_only_by_post(make_user):
    assert Client().post(reverse("extension:pairing-code")).status_code == 302  # to sign-in
    no_record = make_user(employee=False)
    assert _signed_in(no_record).post(reverse("extension:pairing-code")).status_code == 404
    assert _signed_in(make_user()).get(reverse("extension:pairing-code")).status_code == 405


def test_a_revoked_device_is_refused(employee_user, device_client):
    client = device_client(employee_user.employee)
    assert client.get(STATUS).status_code == 200
    response = _signed_in(employee_user).post(reverse("extension:device-revoke", args=[client.device.pk]))
    assert response.status_code == 302
    client.device.refresh_from_db()
    assert client.device.revoked_at is not None
    refused = client.get(STATUS)
    assert refused.status_code == 401
    assert refused.json()["code"] == "revoked" and "revoked" in refused.json()["detail"]
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert client.post_json(SIGNALS, []).status_code == 401
    assert "Work laptop" not in _signed_in(employee_user).get(reverse("me")).content.decode()
    assert AuditEvent.objects.filter(action="extension.device_revoked").count() == 1


def test_nobody_revokes_another_persons_device(make_user, device_client):
    owner, other = make_user(), make_user()
    client = device_client(owner.employee)
    assert _signed_in(other).post(reverse("extension:device-revoke", args=[client.device.pk])).status_code == 404
    client.device.refresh_from_db()
    assert client.device.revoked_at is None


def test_a_terminated_employees_token_is_refused(employee_user, device_client):
    client = device_client(employee_user.employee)
    Employee.objects.filter(pk=employee_user.employee.pk).update(status=Employee.Status.TERMINATED)
    assert client.get(STATUS).json()["code"] == "inactive"


@pytest.mark.parametrize("token", ["", "gext_unknown", "not-a-token", "gext_a b"])
def test_unknown_tokens_are_refused(db, token):
    client = DeviceClient(token) if token else DeviceClient()
    response = client.get(STATUS)
    assert response.status_code == 401
    assert response.json()["code"] in ("unknown_token", "no_token")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/employees/",
        "/api/v1/compliance/summary/",
        "/api/v1/usage/",
        "/api/v1/attestations/",
        "/api/v1/platforms/",
    ],
)
def test_a_device_token_never_opens_the_hr_api(employee_user, device_client, path):
    response = device_client(employee_user.employee).get(path)
    assert response.status_code == 401


@pytest.mark.parametrize(
    "name", ["dashboard", "extension:tools-in-use", "attestations:exceptions", "me", "reports:list"]
)
def test_a_device_token_never_opens_a_page(employee_user, device_client, name):
    response = device_client(employee_user.employee).get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_sessions_and_api_keys_never_reach_the_extension_api(officer, admin_user):
    for user in (officer, admin_user):
        client = _signed_in(user)
        assert client.get(STATUS).status_code == 401
        assert client.post(SIGNALS, "[]", content_type="application/json").status_code in (401, 403)
    key = create_api_key(name="HR sync", scopes=list(ALL_SCOPES))
    assert ApiClient(key.secret).get(STATUS).status_code == 401
