"""Outbound webhooks: events become deliveries, delivered by Celery with backoff, HMAC-signed.

Signature: ``X-Governance-Signature: sha256=<hex>`` where hex is HMAC-SHA256 with the
endpoint's secret over ``"<X-Governance-Timestamp>.<raw body>"``. Receivers recompute it,
compare in constant time and reject old timestamps. ``X-Governance-Event-Id`` (also ``id`` in
the body) is the same on every retry and redelivery, so receivers can drop duplicates.

Targets are untrusted input (a ``webhooks:write`` key chooses them), so a webhook never reaches
this machine or the internal network: loopback, link-local (cloud metadata), private, shared,
reserved, multicast and unspecified addresses are refused when an endpoint is registered and
again on every delivery, where the name is resolved once, every address it resolves to is
checked and the connection goes to the checked address (no second lookup an attacker's DNS
could answer differently). Production delivers over https only. ``WEBHOOK_ALLOWED_INTERNAL_HOSTS``
names the hosts (exact names or address literals) that may be internal and may use http.
Delivery errors are generic ("connection failed", "HTTP 500"), so the delivery log cannot be
used to tell open, closed and filtered ports apart.
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from attestations.ledger import checkpoint_bytes
from attestations.models import LedgerCheckpoint
from compliance.models import ComplianceReport
from governance import outbox
from integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from people.models import Employee

logger = logging.getLogger("governance.webhooks")

MAX_ATTEMPTS = getattr(settings, "WEBHOOK_MAX_ATTEMPTS", 6)
BACKOFF_BASE_SECONDS = getattr(settings, "WEBHOOK_BACKOFF_BASE_SECONDS", 30)
TIMEOUT_SECONDS = 10
DELIVER = "governance.webhooks.deliver"
# An attempt holds its delivery this long (a second hand-over of it finds it taken).
ATTEMPT_LEASE = timedelta(seconds=2 * TIMEOUT_SECONDS + 30)
CLOCK_SKEW = timedelta(seconds=5)
USER_AGENT = "AI-Governance-Webhooks/1"


def sign(secret: str, timestamp: str | int, body: bytes) -> str:
    """The signature header value for a body sent at ``timestamp`` (seconds)."""
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str, timestamp: str | int, body: bytes, signature: str, *, tolerance: int = 300, now: float | None = None
) -> bool:
    """What a receiver does: constant-time compare and a bounded clock skew."""
    now = now if now is not None else time.time()
    if abs(now - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def backoff_seconds(attempts: int) -> int:
    """Delay before the next attempt after ``attempts`` failures: 30 s, 1 min, 2 min, 4 min..."""
    return BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0)


def emit(*, event_type: str, data: dict[str, Any]) -> list[WebhookDelivery]:
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
    outbox.send_many(DELIVER, [(d.pk,) for d in deliveries])
    return deliveries


def on_employee_compliance_changed(*, employee: Employee, compliant: bool) -> list[WebhookDelivery]:
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


def on_report_ready(*, report: ComplianceReport) -> list[WebhookDelivery]:
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


def on_ledger_checkpoint(*, checkpoint: LedgerCheckpoint) -> list[WebhookDelivery]:
    """The signed checkpoint itself, so that a copy lives outside the database: a receiver can
    verify it with the key of its kid at /.well-known/ledger-keys.json."""
    data = {
        "checkpoint": {
            "id": checkpoint.pk,
            "count": checkpoint.count,
            "head_hash": checkpoint.head_hash,
            "created_at": checkpoint.created_at.isoformat(),
            "kid": checkpoint.kid,
            "signature": checkpoint.signature,
            "signed": checkpoint_bytes(
                count=checkpoint.count,
                head_hash=checkpoint.head_hash,
                created_at=checkpoint.created_at,
                kid=checkpoint.kid,
            ).decode("utf-8"),
        }
    }
    return emit(event_type=WebhookEvent.LEDGER_CHECKPOINT, data=data)


# --- Targets ---------------------------------------------------------------------------------

# Names that mean "this machine" or a cloud metadata service whatever DNS says.
BLOCKED_NAMES = frozenset({"localhost", "localhost.localdomain", "metadata", "metadata.google.internal"})
BLOCKED_SUFFIXES = (".localhost", ".internal")
CONNECTION_FAILED = "connection failed"
TARGET_REFUSED = "refused: this target is not allowed"


class UnsafeWebhookTarget(ValueError):
    """The URL may not receive webhooks; the message says why, for the person registering it."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    internal_allowed: bool


def _allowed_internal_hosts() -> set[str]:
    return {h.strip().lower().strip("[]") for h in getattr(settings, "WEBHOOK_ALLOWED_INTERNAL_HOSTS", []) if h}


def parse_target(url: str) -> "Target":
    """The parts of a webhook URL, or UnsafeWebhookTarget when its form alone refuses it."""
    try:
        parts = urlsplit(str(url).strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeWebhookTarget("Enter a valid URL.") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".").lower()
    if scheme not in ("https", "http") or not host:
        raise UnsafeWebhookTarget("Use an https URL.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeWebhookTarget("Put no user name or password in the URL; deliveries are signed.")
    internal_allowed = host in _allowed_internal_hosts()
    if scheme == "http" and getattr(settings, "PRODUCTION", False) and not internal_allowed:
        raise UnsafeWebhookTarget("Use an https URL.")
    if not internal_allowed:
        if host in BLOCKED_NAMES or host.endswith(BLOCKED_SUFFIXES):
            raise UnsafeWebhookTarget("This host is internal; webhooks go to public addresses only.")
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None and not address_allowed(str(literal)):
            raise UnsafeWebhookTarget("This address is internal; webhooks go to public addresses only.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port or (443 if scheme == "https" else 80), path, internal_allowed)


def address_allowed(address: str) -> bool:
    """True for a public unicast address; False for loopback, link-local, private, shared,
    reserved, multicast and unspecified ones (IPv4-mapped IPv6 judged as its IPv4)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_multicast or ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified
    )


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (one lookup). Raises OSError when it does not resolve."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_registration(url: str) -> "Target":
    """Validate a URL an endpoint is registered with: its form, and every address its name
    resolves to now. A name that does not resolve yet is accepted: each delivery checks again."""
    target = parse_target(url)
    if target.internal_allowed:
        return target
    try:
        addresses = resolve(target.host, target.port)
    except OSError:
        return target
    if not all(address_allowed(a) for a in addresses):
        raise UnsafeWebhookTarget("This host resolves to an internal address; webhooks go to public addresses only.")
    return target


def _connect_address(target: "Target") -> str:
    """The one address to connect to: resolved once, every answer checked."""
    addresses = resolve(target.host, target.port)
    if not addresses:
        raise OSError("no address")
    if not target.internal_allowed and not all(address_allowed(a) for a in addresses):
        raise UnsafeWebhookTarget(TARGET_REFUSED)
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address checked beforehand; the Host header still names the host."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above over TLS: the certificate is verified for the host name (SNI), not the address."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST once to a checked, pinned address; the status code. Never follows a redirect."""
    target = parse_target(url)
    address = _connect_address(target)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = connection_class(target.host, target.port, address=address, timeout=TIMEOUT_SECONDS)
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


def attempt_delivery(delivery: WebhookDelivery) -> bool:
    """POST the delivery once; record the result. Returns True when the receiver answered 2xx."""
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Governance-Event": delivery.event_type,
        "X-Governance-Event-Id": str(delivery.event_id),
        "X-Governance-Timestamp": timestamp,
        "X-Governance-Signature": sign(endpoint.secret, timestamp, body),
    }
    delivery.attempts += 1
    code, error = None, ""
    try:
        code = _post(endpoint.url, body, headers)
    except UnsafeWebhookTarget:
        error = TARGET_REFUSED
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # The socket's own message would tell open, closed and filtered ports apart.
        logger.info("webhook %s to %s: %s", delivery.event_id, endpoint.url, type(exc).__name__)
        error = CONNECTION_FAILED
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


@shared_task(name=DELIVER)
def deliver_webhook(delivery_id: int) -> str | None:
    """One attempt; on failure, schedules the next with exponential backoff until given up.

    The attempt is claimed first (its time moves a lease ahead, on the condition that it is still
    the one read), so a delivery handed over twice is posted once."""
    now = timezone.now()
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING or not delivery.endpoint.active:
        return None
    if delivery.next_attempt_at and delivery.next_attempt_at > now + CLOCK_SKEW:
        return "not yet"
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=WebhookDelivery.Status.PENDING, next_attempt_at=delivery.next_attempt_at
    ).update(next_attempt_at=now + ATTEMPT_LEASE)
    if not claimed:
        return None
    delivered = attempt_delivery(delivery)
    if not delivered and delivery.status == WebhookDelivery.Status.PENDING:
        outbox.send(DELIVER, delivery_id, countdown=backoff_seconds(delivery.attempts))
    return delivery.status


@shared_task(name="governance.webhooks.retry_due")
def retry_due_webhooks() -> int:
    """Safety net for a lost broker message: re-enqueue pending deliveries whose time has come."""
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now() - timedelta(minutes=5)
        ).values_list("pk", flat=True)[:1000]
    )
    outbox.send_many(DELIVER, [(pk,) for pk in due])
    return len(due)


def redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send an event again with the same event id (a fresh round of attempts)."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), delivered_at=None
    )
    outbox.send(DELIVER, delivery.pk)
    delivery.refresh_from_db()
    return delivery
