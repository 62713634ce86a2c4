"""Webhooks against a real HTTP receiver on 127.0.0.1: signatures, retries, giving up, redelivery."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from governance.events import employee_compliance_changed, report_ready
from governance.models import ComplianceReport, WebhookDelivery, WebhookEndpoint
from governance.services import webhooks
from tests.factories import EmployeeFactory


class Receiver:
    """An HTTP server that records requests and answers with the given statuses in turn."""

    def __init__(self, statuses=(200,)):
        self.statuses = list(statuses)
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory():
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
    report = ComplianceReport.objects.create(status=ComplianceReport.Status.DONE, csv_sha256="ab" * 32)
    with django_capture_on_commit_callbacks(execute=True):
        report_ready.send(sender=None, report=report)
    payload = json.loads(receiver.requests[0]["body"])
    assert payload["data"]["report"]["id"] == report.pk
    assert payload["data"]["report"]["url"].endswith(f"/api/v1/reports/{report.pk}/")


def test_a_failing_receiver_is_retried_then_succeeds(api, receiver_factory, django_capture_on_commit_callbacks):
    receiver = receiver_factory(statuses=(500, 503, 200))
    register(api, receiver.url, ["employee.noncompliant"])
    with django_capture_on_commit_callbacks(execute=True):
        employee_compliance_changed.send(sender=None, employee=EmployeeFactory(), compliant=False)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    assert len({r["headers"]["X-Governance-Event-Id"] for r in receiver.requests}) == 1


def test_a_receiver_that_keeps_failing_is_given_up_and_logged(
    api, receiver_factory, django_capture_on_commit_callbacks, webhook_log
):
    receiver = receiver_factory(statuses=(500,))
    register(api, receiver.url, ["employee.noncompliant"])
    with django_capture_on_commit_callbacks(execute=True):
        employee_compliance_changed.send(sender=None, employee=EmployeeFactory(), compliant=False)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    assert delivery.last_error == "HTTP 500" and delivery.next_attempt_at is None
    assert len(receiver.requests) == webhooks.MAX_ATTEMPTS
    assert any("given up" in r.getMessage() for r in webhook_log if r.levelno == logging.WARNING)
    shown = api.get(f"/api/v1/webhooks/{delivery.endpoint_id}/deliveries/").json()
    assert shown[0]["status"] == "failed" and shown[0]["attempts"] == webhooks.MAX_ATTEMPTS


def test_an_unreachable_receiver_records_the_error(db, django_capture_on_commit_callbacks):
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/nothing", secret="x" * 32, events=["employee.compliant"])
    with django_capture_on_commit_callbacks(execute=True):
        employee_compliance_changed.send(sender=None, employee=EmployeeFactory(), compliant=True)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.last_status_code is None
    assert delivery.last_error


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
