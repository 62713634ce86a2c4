"""Integrations: API keys for HR systems, idempotent request records and outbound webhooks."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class Scope(models.TextChoices):
    EMPLOYEES_READ = "employees:read", "Read employees and departments"
    EMPLOYEES_WRITE = "employees:write", "Create, update and terminate employees; SCIM"
    COMPLIANCE_READ = "compliance:read", "Read compliance status, figures, platforms and policies"
    ATTESTATIONS_READ = "attestations:read", "Read attestations"
    REPORTS_READ = "reports:read", "Read and download compliance reports"
    REPORTS_WRITE = "reports:write", "Request compliance reports"
    WEBHOOKS_WRITE = "webhooks:write", "Register and manage webhooks"
    USAGE_READ = "usage:read", "Read the browser extension's usage figures (tools in use, contradictions)"


ALL_SCOPES = tuple(Scope.values)


class ApiKey(models.Model):
    """A secret an integration sends as ``Authorization: Bearer <key>``.

    Only a SHA-256 hash of the key is stored; the key itself is shown once when created.
    ``prefix`` is the visible start of the key, so people can recognise which key is which
    and the authentication finds the row by an indexed lookup before comparing hashes.
    """

    name = models.CharField(max_length=200)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "governance_apikey"
        ordering = ["name", "id"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None

    @property
    def label(self):
        """How audit records and reports name the key."""
        return f"API key {self.name} ({self.prefix})"

    def has_scope(self, scope):
        return scope in self.scopes


class IdempotencyRecord(models.Model):
    """The first response to a request sent with an ``Idempotency-Key`` header, replayed on retries."""

    owner = models.CharField(max_length=64, help_text="key:<id> or user:<id>: who sent the request.")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8, default="", help_text="The request the key was first sent with.")
    path = models.TextField(default="")
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the body.")
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "governance_idempotencyrecord"
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="one_idempotency_record_per_owner_key")]

    def __str__(self):
        return f"{self.owner} {self.key}"


class WebhookEvent(models.TextChoices):
    EMPLOYEE_NONCOMPLIANT = "employee.noncompliant", "An employee became non-compliant"
    EMPLOYEE_COMPLIANT = "employee.compliant", "An employee became compliant"
    REPORT_READY = "report.ready", "A compliance report is ready"
    LEDGER_CHECKPOINT = "ledger.checkpoint", "The ledger's head was signed (a checkpoint to keep)"


class WebhookEndpoint(models.Model):
    """A URL that receives signed event notifications."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=128, help_text="Shared secret for the HMAC-SHA256 signature.")
    events = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    created_by_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "governance_webhookendpoint"
        ordering = ["id"]

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint; retried with backoff until delivered or given up.

    ``event_id`` identifies the event, not the attempt: receivers use it to drop duplicates,
    so it never changes when a delivery is retried or redelivered."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Given up"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4)
    event_type = models.CharField(max_length=32, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "governance_webhookdelivery"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="one_delivery_per_endpoint_event")]

    def __str__(self):
        return f"{self.event_type} {self.event_id} -> {self.endpoint_id} ({self.status})"


class ScimUser(models.Model):
    """What an identity provider's SCIM client keeps about an employee beyond the HR record:
    the attributes it sent as it sent them (so they read back unchanged), and the SCIM-only
    state. The employee record itself stays the people app's (people.services.hr)."""

    employee = models.OneToOneField("people.Employee", primary_key=True, on_delete=models.CASCADE, related_name="scim")
    user_name = models.CharField(max_length=256)
    external_id = models.CharField(max_length=256, blank=True, help_text="The provider's own id for the user.")
    name = models.JSONField(default=dict, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    emails = models.JSONField(default=list, blank=True)
    generated_employee_id = models.CharField(
        max_length=64, blank=True, help_text="The HR id given to a user the provider sent without employeeNumber."
    )
    manager_ref = models.CharField(
        max_length=256, blank=True, help_text="manager.value not provisioned yet; linked when that user arrives."
    )
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="Deleted over SCIM: SCIM answers 404, the terminated record stays."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "SCIM user"
        constraints = [models.UniqueConstraint(Lower("user_name"), name="integrations_scimuser_user_name_unique")]

    def __str__(self):
        return self.user_name


class ScimGroup(models.Model):
    """A group pushed by the identity provider. Its members hold the roles its name carries
    (identity.models.RoleMapping), applied by integrations.scim.groups on every change."""

    display_name = models.CharField(max_length=256)
    external_id = models.CharField(max_length=256, blank=True, help_text="The provider's own id for the group.")
    members = models.ManyToManyField("people.Employee", blank=True, related_name="scim_groups")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "SCIM group"
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(Lower("display_name"), name="integrations_scimgroup_display_name_unique")
        ]

    def __str__(self):
        return self.display_name
