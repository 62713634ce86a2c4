"""Webhooks against a real HTTP receiver on 127.0.0.1: signatures, retries, giving up, redelivery,
and the SSRF guard (internal targets refused at registration and at connect time)."""

import json
import logging
from datetime import timedelta

import pytest

from attestations.signals import employee_compliance_changed
from compliance.models import ComplianceReport
from compliance.signals import report_ready
from governance import outbox
from governance.models import OutboxMessage
from integrations import webhooks
from integrations.models import WebhookDelivery, WebhookEndpoint
from tests.factories import EmployeeFactory, report_in_state
from tests.integrations.receiver import Receiver


@pytest.fixture
def loopback_allowed(settings):
    """The explicit setting that lets the test receiver on 127.0.0.1 through the guard."""
    settings.WEBHOOK_ALLOWED_INTERNAL_HOSTS = ["127.0.0.1"]


@pytest.fixture
def wait_out_retries(time_machine, django_capture_on_commit_callbacks):
    """Let time pass to each retry the outbox holds and let the sweep hand it over, as beat
    does every minute, until nothing waits (bounded)."""

    def wait_out(rounds=20):
        for _ in range(rounds):
            due = OutboxMessage.objects.filter(done_at=None, given_up_at=None).order_by("available_at").first()
            if due is None:
                return
            time_machine.move_to(max(due.available_at, due.created_at + outbox.HAND_OVER_GRACE) + timedelta(seconds=1))
            with django_capture_on_commit_callbacks(execute=True):
                outbox.sweep()
        raise AssertionError("retries still waiting")

    return wait_out


@pytest.fixture
def receiver_factory(loopback_allowed):
    made = []

    def make(statuses=(200,)):
        receiver = Receiver(statuses)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()


@pytest.fixture
def webhook_log():
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Collect(level=logging.INFO)
    logger = logging.getLogger("governance.webhooks")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def register(api, url, events):
    response = api.post_json("/api/v1/webhooks/", {"url": url, "events": events})
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_delivery_is_signed_with_the_endpoint_secret(api, receiver_factory, django_capture_on_commit_callbacks):
    receiver = receiver_factory()
    endpoint = register(api, receiver.url, ["employee.noncompliant"])
    assert len(endpoint["secret"]) >= 32
    assert "secret" not in api.get(f"/api/v1/webhooks/{endpoint['id']}/").json()
    employee = EmployeeFactory(external_id="E1")
    with django_capture_on_commit_callbacks(execute=True):
        employee_compliance_changed.send(sender=None, employee=employee, compliant=False)
    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert webhooks.verify(
        endpoint["secret"], headers["X-Governance-Timestamp"], body, headers["X-Governance-Signature"]
    )
    assert not webhooks.verify(
        "another secret", headers["X-Governance-Timestamp"], body, headers["X-Governance-Signature"]
    )
    payload = json.loads(body)
    assert payload["type"] == "employee.noncompliant" == headers["X-Governance-Event"]
    assert payload["id"] == headers["X-Governance-Event-Id"]
    assert payload["data"]["employee"]["external_id"] == "E1"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)


def test_only_subscribed_active_endpoints_receive_an_event(api, receiver_factory, django_capture_on_commit_callbacks):
    compliant, other, paused = receiver_factory(), receiver_factory(), receiver_factory()
    register(api, compliant.url, ["employee.compliant"])
    register(api, other.url, ["report.ready"])
    paused_id = register(api, paused.url, ["employee.compliant"])["id"]
    api.patch_json(f"/api/v1/webhooks/{paused_id}/", {"active": False})
    with django_capture_on_commit_callbacks(execute=True):
        employee_compliance_changed.send(sender=None, employee=EmployeeFactory(), compliant=True)
    assert (len(compliant.requests), len(other.requests), len(paused.requests)) == (1, 0, 0)


def test_report_ready_is_delivered(api, receiver_factory, django_capture_on_commit_callbacks):
    receiver = receiver_factory()
    register(api, receiver.url, ["report.ready"])
    report = report_in_state(ComplianceReport.Status.DONE, csv_sha256="ab" * 32)
    with django_capture_on_commit_callbacks(execute=True):
        report_ready.send(sender=None, report=report)
    payload = json.loads(receiver.requests[0]["body"])
    assert payload["data"]["report"]["id"] == report.pk
    assert payload["data"]["report"]["url"].endswith(f"/api/v1/reports/{report.pk}/")


def test_a_new_ledger_checkpoint_is_pushed_signed_and_a_repeat_is_not(
    api, receiver_factory, django_capture_on_commit_callbacks, client
):
    from attestations.services.checkpoints import checkpoint_ledger
    from governance import signing

    receiver = receiver_factory()
    register(api, receiver.url, ["ledger.checkpoint"])
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint, _ = checkpoint_ledger()
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint_ledger()  # the head did not move: no checkpoint, no event
    assert len(receiver.requests) == 1
    pushed = json.loads(receiver.requests[0]["body"])["data"]["checkpoint"]
    assert (pushed["id"], pushed["count"], pushed["head_hash"]) == (checkpoint.pk, 0, checkpoint.head_hash)
    # The receiver can verify it with nothing but the published key of its kid.
    (key,) = [k for k in client.get("/.well-known/ledger-keys.json").json()["keys"] if k["kid"] == pushed["kid"]]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    public = Ed25519PublicKey.from_public_bytes(signing.b64url_decode(key["x"]))
    public.verify(signing.b64url_decode(pushed["signature"]), pushed["signed"].encode())
    assert json.loads(pushed["signed"])["head_hash"] == checkpoint.head_hash


def test_a_failing_receiver_is_retried_then_succeeds(
    api, receiver_factory, django_capture_on_commit_callbacks, wait_out_retries
):
    receiver = receiver_factory(statuses=(500, 503, 200))
    register(api, receiver.url, ["employee.noncompliant"])
    with django_capture_on_commit_callbacks(execute=True):
        employee_compliance_changed.send(sender=None, employee=EmployeeFactory(), compliant=False)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)  # the retry waits its backoff
    wait_out_retries()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    assert len({r["headers"]["X-Governance-Event-Id"] for r in receiver.requests}) == 1


def test_a_receiver_that_keeps_failing_is_given_up_and_logged(
    api, receiver_factory, django_capture_on_commit_callbacks, webhook_log, wait_out_retries
):
    receiver = receiver_factory(statuses=(500,))
    register(api, receiver.url, ["employee.noncompliant"])
    with django_capture_on_commit_callbacks(execute=True):
        employee_compliance_changed.send(sender=None, employee=EmployeeFactory(), compliant=False)
    wait_out_retries()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    assert delivery.last_error == "HTTP 500" and delivery.next_attempt_at is None
    assert len(receiver.requests) == webhooks.MAX_ATTEMPTS
    assert any("given up" in r.getMessage() for r in webhook_log if r.levelno == logging.WARNING)
    shown = api.get(f"/api/v1/webhooks/{delivery.endpoint_id}/deliveries/").json()
    assert shown[0]["status"] == "failed" and shown[0]["attempts"] == webhooks.MAX_ATTEMPTS


def test_an_unreachable_receiver_records_a_generic_error(
    db, loopback_allowed, django_capture_on_commit_callbacks, wait_out_retries
):
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/nothing", secret="x" * 32, events=["employee.compliant"])
    with django_capture_on_commit_callbacks(execute=True):
        employee_compliance_changed.send(sender=None, employee=EmployeeFactory(), compliant=True)
    wait_out_retries()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.last_status_code is None
    # Not the socket's "Connection refused": the log must not tell closed from filtered ports.
    assert delivery.last_error == "connection failed"


def test_backoff_is_exponential():
    assert [webhooks.backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_redelivery_keeps_the_event_id(api, receiver_factory, django_capture_on_commit_callbacks):
    receiver = receiver_factory()
    endpoint = register(api, receiver.url, ["employee.noncompliant"])
    with django_capture_on_commit_callbacks(execute=True):
        employee_compliance_changed.send(sender=None, employee=EmployeeFactory(), compliant=False)
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/webhooks/{endpoint['id']}/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 202
    ids = [r["headers"]["X-Governance-Event-Id"] for r in receiver.requests]
    assert ids == [str(delivery.event_id)] * 2
    assert [json.loads(r["body"])["id"] for r in receiver.requests] == ids


def test_webhook_urls_and_events_are_validated(api):
    response = api.post_json("/api/v1/webhooks/", {"url": "ftp://example.test/x", "events": ["report.ready"]})
    assert response.status_code == 400 and "url" in response.json()["errors"]
    response = api.post_json("/api/v1/webhooks/", {"url": "https://example.test/x", "events": ["nope"]})
    assert response.status_code == 400 and "events" in response.json()["errors"]


# --- The SSRF guard ---------------------------------------------------------------------------

INTERNAL_URLS = [
    "http://127.0.0.1:5432/",  # loopback
    "http://127.1:6379/",  # loopback, short form
    "http://2130706433/",  # loopback, one number
    "http://localhost:6379/",
    "http://app.localhost/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
    "http://169.254.169.254/latest/meta-data/",  # link-local: cloud metadata
    "http://[fe80::1]/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://10.0.0.5/",  # private
    "http://172.16.0.1/",
    "https://192.168.1.1/",
    "http://[fd00::1]/",
    "http://100.64.0.1/",  # shared address space
    "http://240.0.0.1/",  # reserved
    "http://224.0.0.1/",  # multicast
    "http://0.0.0.0:8000/",  # unspecified
    "http://user:pass@hooks.example.test/",  # credentials in the URL
]


def refused_target(response):
    """The API's answer to a target it refuses: 422 webhook-target-refused when the URL has the
    schema's form but points inside, 400 when the form itself is refused (credentials)."""
    body = response.json()
    assert "url" in body["errors"], body
    if response.status_code == 400:
        return body
    assert response.status_code == 422 and body["type"].endswith(":webhook-target-refused"), body
    return body


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_the_api_refuses_an_internal_target(api, url):
    response = api.post_json("/api/v1/webhooks/", {"url": url, "events": ["report.ready"]})
    refused_target(response)
    assert (response.status_code == 400) == ("@" in url)
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_the_webhook_page_refuses_an_internal_target(client, admin_user, url):
    client.force_login(admin_user)
    response = client.post("/integrations/webhooks/", {"url": url, "events": ["report.ready"]})
    assert response.status_code == 400
    assert response.context["form"].errors["url"]
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_cannot_be_moved_to_an_internal_target(api):
    endpoint = register(api, "https://hooks.example.test/h", ["report.ready"])
    response = api.patch_json(f"/api/v1/webhooks/{endpoint['id']}/", {"url": "http://169.254.169.254/"})
    assert response.status_code == 422 and refused_target(response)
    assert WebhookEndpoint.objects.get().url == "https://hooks.example.test/h"


def test_a_name_that_resolves_to_an_internal_address_is_refused_at_registration(api, monkeypatch):
    answers = {"hooks.example.test": ["93.184.215.14", "10.1.2.3"]}
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: answers[host])
    response = api.post_json("/api/v1/webhooks/", {"url": "https://hooks.example.test/h", "events": ["report.ready"]})
    assert response.status_code == 422 and refused_target(response)


def test_dns_that_answers_an_internal_address_at_delivery_is_refused(
    api, receiver_factory, monkeypatch, django_capture_on_commit_callbacks, wait_out_retries
):
    """DNS rebinding: the name was public at registration, then points at this machine."""
    receiver = receiver_factory()
    port = receiver.server.server_address[1]
    answers = {"rebind.example.test": ["93.184.215.14"]}
    monkeypatch.setattr(webhooks, "resolve", lambda host, p: answers[host])
    register(api, f"http://rebind.example.test:{port}/hook", ["employee.compliant"])
    answers["rebind.example.test"] = ["127.0.0.1"]
    with django_capture_on_commit_callbacks(execute=True):
        employee_compliance_changed.send(sender=None, employee=EmployeeFactory(), compliant=True)
    wait_out_retries()
    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == []
    assert delivery.status == "failed" and delivery.last_error == webhooks.TARGET_REFUSED


def test_delivery_connects_to_the_checked_address_and_keeps_the_host_name(
    db, settings, receiver_factory, monkeypatch, django_capture_on_commit_callbacks
):
    """The name is resolved once, by the guard; the connection goes to that address (no
    second lookup) and the receiver still sees its own name in the Host header."""
    receiver = receiver_factory()
    port = receiver.server.server_address[1]
    settings.WEBHOOK_ALLOWED_INTERNAL_HOSTS = ["receiver.internal.test"]
    lookups = []

    def resolve(host, p):
        lookups.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(webhooks, "resolve", resolve)
    WebhookEndpoint.objects.create(
        url=f"http://receiver.internal.test:{port}/hook", secret="x" * 32, events=["employee.compliant"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        employee_compliance_changed.send(sender=None, employee=EmployeeFactory(), compliant=True)
    assert WebhookDelivery.objects.get().status == "delivered"
    assert lookups == ["receiver.internal.test"]
    assert receiver.requests[0]["headers"]["Host"] == f"receiver.internal.test:{port}"


def test_an_internal_target_stored_before_the_guard_is_not_contacted(db, django_capture_on_commit_callbacks):
    receiver = Receiver()
    try:
        WebhookEndpoint.objects.create(url=receiver.url, secret="x" * 32, events=["employee.compliant"])
        with django_capture_on_commit_callbacks(execute=True):
            employee_compliance_changed.send(sender=None, employee=EmployeeFactory(), compliant=True)
    finally:
        receiver.close()
    assert receiver.requests == []
    assert WebhookDelivery.objects.get().last_error == webhooks.TARGET_REFUSED


def test_production_accepts_https_only_except_for_a_named_internal_host(api, settings):
    settings.PRODUCTION = True
    settings.WEBHOOK_ALLOWED_INTERNAL_HOSTS = ["hooks.corp.test"]
    refused = api.post_json("/api/v1/webhooks/", {"url": "http://hooks.example.test/h", "events": ["report.ready"]})
    assert refused.status_code == 422 and refused_target(refused)
    register(api, "https://hooks.example.test/h", ["report.ready"])
    register(api, "http://hooks.corp.test:8080/h", ["report.ready"])
