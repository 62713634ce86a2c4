"""Outbound webhooks: events become deliveries, delivered by Celery with backoff, HMAC-signed.

Signature: ``X-Governance-Signature: sha256=<hex>`` where hex is HMAC-SHA256 with the
endpoint's secret over ``"<X-Governance-Timestamp>.<raw body>"``. Receivers recompute it,
compare in constant time and reject old timestamps. ``X-Governance-Event-Id`` (also ``id`` in
the body) is the same on every retry and redelivery, so receivers can drop duplicates.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from governance.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

logger = logging.getLogger("governance.webhooks")

MAX_ATTEMPTS = getattr(settings, "WEBHOOK_MAX_ATTEMPTS", 6)
BACKOFF_BASE_SECONDS = getattr(settings, "WEBHOOK_BACKOFF_BASE_SECONDS", 30)
TIMEOUT_SECONDS = 10
USER_AGENT = "AI-Governance-Webhooks/1"


def sign(secret, timestamp, body):
    """The signature header value for a body sent at ``timestamp`` (seconds)."""
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret, timestamp, body, signature, *, tolerance=300, now=None):
    """What a receiver does: constant-time compare and a bounded clock skew."""
    now = now if now is not None else time.time()
    if abs(now - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def backoff_seconds(attempts):
    """Delay before the next attempt after ``attempts`` failures: 30 s, 1 min, 2 min, 4 min..."""
    return BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0)


def emit(*, event_type, data):
    """Create one delivery per active endpoint subscribed to the event; deliver after commit."""
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True) if event_type in (e.events or [])]
    if not endpoints:
        return []
    event_id = uuid.uuid4()
    payload = {"id": str(event_id), "type": event_type, "created_at": timezone.now().isoformat(), "data": data}
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=e, event_id=event_id, event_type=event_type, payload=payload, next_attempt_at=timezone.now()
            )
            for e in endpoints
        ]
    )
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: [deliver_webhook.delay(pk) for pk in ids])
    return deliveries


def on_employee_compliance_changed(*, employee, compliant):
    event_type = WebhookEvent.EMPLOYEE_COMPLIANT if compliant else WebhookEvent.EMPLOYEE_NONCOMPLIANT
    data = {
        "employee": {
            "external_id": employee.external_id,
            "email": employee.email,
            "full_name": employee.full_name,
        },
        "compliant": bool(compliant),
    }
    return emit(event_type=event_type, data=data)


def on_report_ready(*, report):
    from django.urls import reverse

    data = {
        "report": {
            "id": report.pk,
            "url": settings.SITE_URL + reverse("api-report-detail", args=[report.pk]),
            "status": report.status,
            "csv_sha256": report.csv_sha256,
            "pdf_sha256": report.pdf_sha256,
        }
    }
    return emit(event_type=WebhookEvent.REPORT_READY, data=data)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is a failed delivery, never a POST to somewhere else


_opener = urllib.request.build_opener(_NoRedirect)


def attempt_delivery(delivery):
    """POST the delivery once; record the result. Returns True when the receiver answered 2xx."""
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Governance-Event": delivery.event_type,
            "X-Governance-Event-Id": str(delivery.event_id),
            "X-Governance-Timestamp": timestamp,
            "X-Governance-Signature": sign(endpoint.secret, timestamp, body),
        },
    )
    delivery.attempts += 1
    code, error = None, ""
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            code = response.status
    except urllib.error.HTTPError as exc:
        code, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
    now = timezone.now()
    delivery.last_status_code = code
    if code is not None and 200 <= code < 300:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
        delivery.last_error = ""
        delivery.next_attempt_at = None
        logger.info("webhook %s delivered to %s (attempt %s)", delivery.event_id, endpoint.url, delivery.attempts)
    else:
        delivery.last_error = error or f"HTTP {code}"
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
            logger.warning(
                "webhook %s to %s given up after %s attempts: %s",
                delivery.event_id,
                endpoint.url,
                delivery.attempts,
                delivery.last_error,
            )
        else:
            delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(delivery.attempts))
            logger.info(
                "webhook %s to %s failed (attempt %s): %s; retrying at %s",
                delivery.event_id,
                endpoint.url,
                delivery.attempts,
                delivery.last_error,
                delivery.next_attempt_at.isoformat(),
            )
    delivery.save(
        update_fields=["attempts", "status", "last_status_code", "last_error", "next_attempt_at", "delivered_at"]
    )
    return delivery.status == WebhookDelivery.Status.DELIVERED


@shared_task(name="governance.webhooks.deliver")
def deliver_webhook(delivery_id):
    """One attempt; on failure, schedules the next with exponential backoff until given up."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING or not delivery.endpoint.active:
        return None
    delivered = attempt_delivery(delivery)
    if not delivered and delivery.status == WebhookDelivery.Status.PENDING:
        deliver_webhook.apply_async((delivery_id,), countdown=backoff_seconds(delivery.attempts))
    return delivery.status


@shared_task(name="governance.webhooks.retry_due")
def retry_due_webhooks():
    """Safety net for a lost broker message: re-enqueue pending deliveries whose time has come."""
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now() - timedelta(minutes=5)
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in due:
        deliver_webhook.delay(pk)
    return len(due)


def redeliver(*, delivery):
    """Send an event again with the same event id (a fresh round of attempts)."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), delivered_at=None
    )
    transaction.on_commit(lambda: deliver_webhook.delay(delivery.pk))
    delivery.refresh_from_db()
    return delivery
