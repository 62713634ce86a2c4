"""The browser extension's records: one-time pairing codes, paired devices (per-device bearer
tokens, stored hashed) and usage signals (person x catalog tool x day, nothing more)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class PairingCode(models.Model):
    """A short code an employee creates on /me/ and types into the extension once.

    Only a keyed hash of the code is stored (browser_extension.tokens.code_digest); the code
    itself is shown once. It is good for one pairing, until ``expires_at``."""

    employee = models.ForeignKey("people.Employee", on_delete=models.CASCADE, related_name="pairing_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["employee", "used_at"], name="pairing_code_employee")]

    def __str__(self):
        return f"Pairing code {self.pk} of {self.employee_id}"

    def usable_at(self, now):
        return self.used_at is None and now < self.expires_at


class Device(models.Model):
    """One paired browser: its bearer token (SHA-256 stored, shown once) reads its employee's
    own status and writes their own usage signals, nothing else. Revoking is final."""

    employee = models.ForeignKey("people.Employee", on_delete=models.CASCADE, related_name="extension_devices")
    name = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["employee", "revoked_at"], name="extension_device_employee")]

    def __str__(self):
        return f"{self.name} ({self.employee_id})"

    @property
    def is_active(self):
        return self.revoked_at is None


class UsageSignal(models.Model):
    """That ``employee``'s browser opened ``platform``'s site on ``day``: no address, no page,
    no content. One row per person x tool x day; a repeated report only moves
    ``last_reported_at`` (the server's clock), which tells an opening after an attestation
    made earlier that day from one before it."""

    employee = models.ForeignKey("people.Employee", on_delete=models.CASCADE, related_name="usage_signals")
    platform = models.ForeignKey("platforms.Platform", on_delete=models.CASCADE, related_name="usage_signals")
    day = models.DateField()
    first_reported_at = models.DateTimeField()
    last_reported_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "platform", "day"], name="one_usage_signal_per_person_tool_day"
            ),
            models.CheckConstraint(
                condition=Q(last_reported_at__gte=models.F("first_reported_at")), name="usage_signal_reports_in_order"
            ),
        ]
        indexes = [models.Index(fields=["platform", "day"], name="usage_signal_platform_day")]

    def __str__(self):
        return f"{self.employee_id} / {self.platform_id} on {self.day}"
