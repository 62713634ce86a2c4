"""The API key and webhook pages, the create_api_key command and the demo key."""

import io

import pytest
from django.core.management import CommandError, call_command

from demo.integrations import seed
from governance.models import AuditEvent
from integrations.keys import authenticate_key, demo_api_key_secret, hash_key
from integrations.models import ALL_SCOPES, ApiKey, WebhookEndpoint
from tests.integrations.conftest import ApiClient


def test_only_governance_admins_open_the_key_page(client, officer, admin_user):
    client.force_login(officer)
    assert client.get("/integrations/keys/").status_code == 403
    client.force_login(admin_user)
    assert client.get("/integrations/keys/").status_code == 200


def test_a_created_key_is_shown_once_and_stored_as_a_hash(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/integrations/keys/", {"name": "Workday", "scopes": ["employees:read", "employees:write"]})
    assert response.status_code == 200
    secret = response.context["issued"].secret
    assert secret in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    key = ApiKey.objects.get(name="Workday")
    assert key.key_hash == hash_key(secret) and secret not in key.key_hash
    assert key.scopes == ["employees:read", "employees:write"] and key.created_by == admin_user
    listing = client.get("/integrations/keys/").content.decode()
    assert key.prefix in listing and secret not in listing
    assert ApiClient(secret).get("/api/v1/employees/").status_code == 200


def test_a_key_needs_a_name_and_a_scope(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/integrations/keys/", {"name": "", "scopes": []})
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_revoking_a_key_stops_it_at_once(client, admin_user, make_key):
    issued = make_key("employees:read")
    client.force_login(admin_user)
    response = client.post(f"/integrations/keys/{issued.api_key.pk}/revoke/")
    assert response.status_code == 302
    assert authenticate_key(issued.secret) is None
    assert AuditEvent.objects.filter(action="api_key.revoked", object_id=str(issued.api_key.pk)).exists()


def test_the_webhook_page_adds_an_endpoint_and_shows_its_secret_once(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/integrations/webhooks/", {"url": "https://hr.example.test/hook", "events": ["report.ready"]}
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    assert endpoint.secret not in client.get("/integrations/webhooks/").content.decode()
    client.post(f"/integrations/webhooks/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert endpoint.active is False


def test_create_api_key_command_prints_a_working_key(db):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_key", "--name", "BambooHR", "--scopes", "employees:read,compliance:read", stdout=out, stderr=err
    )
    secret = out.getvalue().strip()
    key = authenticate_key(secret)
    assert key.name == "BambooHR" and key.scopes == ["employees:read", "compliance:read"]
    assert "not shown again" in err.getvalue()


def test_create_api_key_command_refuses_unknown_scopes(db):
    with pytest.raises(CommandError, match="Unknown scope"):
        call_command("create_api_key", "--name", "X", "--scopes", "employees:delete", stdout=io.StringIO())


def test_the_demo_key_is_stable_and_has_every_scope(db):
    first, second = io.StringIO(), io.StringIO()
    seed(today=None, stdout=first)
    seed(today=None, stdout=second)
    secret = demo_api_key_secret()
    assert secret in first.getvalue() and first.getvalue() == second.getvalue()
    assert ApiKey.objects.count() == 1
    assert sorted(authenticate_key(secret).scopes) == sorted(ALL_SCOPES)


def test_there_is_no_demo_key_in_production(db, settings):
    settings.PRODUCTION = True
    out = io.StringIO()
    seed(today=None, stdout=out)
    assert out.getvalue() == "" and not ApiKey.objects.exists()
