"""The attestation ledger: append-only, hash-chained records of what people attested."""

from django.db import models
from django.db.models import Q

from governance.storage import private_storage


class LedgerAppendOnlyError(Exception):
    """Raised when something tries to change or remove a ledger record."""


class AttestationQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerAppendOnlyError("Attestations are append-only; they cannot be updated.")

    def delete(self):
        raise LedgerAppendOnlyError("Attestations are append-only; they cannot be deleted.")


class Evidence(models.Model):
    """A screenshot an employee attached, re-encoded without metadata, stored privately."""

    employee = models.ForeignKey("people.Employee", on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to="evidence/%Y/%m/", storage=private_storage)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "governance_evidence"

    def __str__(self):
        return f"Evidence {self.pk}"


class Attestation(models.Model):
    """One append-only ledger record: an attestation of a tool or an acknowledgment of a policy.

    ``hash`` is SHA-256 over a canonical serialization of the record plus ``prev_hash``, so
    altering any record breaks every hash after it (see attestations.ledger).
    """

    class Kind(models.TextChoices):
        ATTESTATION = "attestation", "Attestation"
        ACKNOWLEDGMENT = "acknowledgment", "Policy acknowledgment"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ATTESTATION)
    employee = models.ForeignKey("people.Employee", on_delete=models.PROTECT, related_name="attestations")
    obligation = models.ForeignKey(
        "attestations.Obligation", null=True, blank=True, on_delete=models.PROTECT, related_name="attestations"
    )
    policy_version = models.ForeignKey("policies.PolicyVersion", on_delete=models.PROTECT, related_name="+")
    platform = models.ForeignKey(
        "platforms.Platform", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # [{"setting": key, "setting_id": id, "revision": n, "required": value, "value": value, "compliant": bool}]
    answers = models.JSONField(default=list, blank=True)
    compliant = models.BooleanField(null=True)
    tool_used = models.BooleanField(null=True)
    tier = models.CharField(max_length=32, blank=True)
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The evidence file's SHA-256, copied into the record so that the hash covers the file's content.
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    statement = models.TextField(help_text="The statement shown to and signed by the employee.")
    signature = models.CharField(max_length=200, blank=True, help_text="The full name typed as signature.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AttestationQuerySet.as_manager()

    class Meta:
        db_table = "governance_attestation"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "policy_version"],
                condition=Q(kind="acknowledgment"),
                name="acknowledge_each_version_once",
            ),
            models.UniqueConstraint(fields=["prev_hash"], name="ledger_no_fork"),
        ]
        indexes = [
            models.Index(fields=["employee", "created_at"], name="attestation_employee_time"),
            models.Index(fields=["obligation", "id"], name="attestation_obligation"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.pk} ({self.hash[:12]})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerAppendOnlyError("Attestations are append-only; they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerAppendOnlyError("Attestations are append-only; they cannot be deleted.")


class AttestationAnswer(models.Model):
    """One setting's answer inside an attestation: a relational copy of ``Attestation.answers``
    written in the same transaction, so that "which required settings are most often not at
    the required value" is a GROUP BY instead of JSON parsing. Append-only like its record."""

    attestation = models.ForeignKey(Attestation, on_delete=models.PROTECT, related_name="answer_rows")
    setting = models.ForeignKey("platforms.PlatformSetting", on_delete=models.PROTECT, related_name="+")
    revision = models.PositiveIntegerField()
    required_value = models.CharField(max_length=64)
    value = models.CharField(max_length=64)
    compliant = models.BooleanField()

    objects = AttestationQuerySet.as_manager()

    class Meta:
        db_table = "governance_attestationanswer"
        constraints = [models.UniqueConstraint(fields=["attestation", "setting"], name="one_answer_per_setting")]
        indexes = [models.Index(fields=["setting", "compliant"], name="answer_setting_compliant")]

    def __str__(self):
        return f"{self.setting_id}={self.value}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerAppendOnlyError("Attestation answers are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerAppendOnlyError("Attestation answers are append-only.")


class CheckpointQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerAppendOnlyError("Ledger checkpoints are append-only; they cannot be updated.")

    def delete(self):
        raise LedgerAppendOnlyError("Ledger checkpoints are append-only; they cannot be deleted.")


class LedgerCheckpoint(models.Model):
    """A signed statement of the ledger's head: "the record at position ``count`` has ``head_hash``".

    Signed (Ed25519, governance.signing) over ``attestations.ledger.checkpoint_bytes``: count,
    head hash, time and key id. A copy of the database whose chain was recomputed after an edit
    contradicts every checkpoint written before, and a checkpoint cannot be re-signed without
    the key, which is kept outside the database. Append-only like the ledger."""

    count = models.PositiveBigIntegerField(unique=True, help_text="How many records the ledger held.")
    head_hash = models.CharField(max_length=64, help_text="The hash of the record at that position.")
    created_at = models.DateTimeField()
    kid = models.CharField(max_length=64, help_text="The id (RFC 7638 thumbprint) of the key that signed it.")
    signature = models.CharField(max_length=128, help_text="Ed25519 signature, base64url.")

    objects = CheckpointQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"Checkpoint {self.pk} ({self.count} records, {self.head_hash[:12]})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerAppendOnlyError("Ledger checkpoints are append-only; they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerAppendOnlyError("Ledger checkpoints are append-only; they cannot be deleted.")
