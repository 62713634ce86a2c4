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
    # When the file's content was erased (attestations.services.retention); ``sha256`` stays, and
    # so does the copy the ledger's records carry, so the chain still verifies without the file.
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "governance_evidence"

    def __str__(self):
        return f"Evidence {self.pk}"


class AnswerSource(models.TextChoices):
    """Who gave an answer: the person, on the attest form, or the browser extension's probe."""

    TYPED = "typed", "Answered by the person"
    OBSERVED = "extension", "Observed by the extension"


class Attestation(models.Model):
    """One append-only ledger record: an attestation of a tool or an acknowledgment of a policy.

    ``hash`` is SHA-256 over a canonical serialization of the record plus ``prev_hash``, so
    altering any record breaks every hash after it (see attestations.ledger).

    ``format`` says what the hash covers. Format 1 (records written before retention existed)
    hashes the personal fields (``signature``, ``ip_address``, ``user_agent``) as they are stored
    on this row, so they can never be erased without breaking the chain. Format 2 keeps those
    fields in ``AttestationPersonalData`` and hashes ``personal_digest``, a salted digest of
    them; the fields here stay empty.
    """

    RAW_FORMAT = 1
    SALTED_FORMAT = 2

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
    # [{"setting": key, "setting_id": id, "revision": n, "required": value, "value": value, "compliant": bool}],
    # plus, for an answer the browser extension read from the page: "source": "extension" and the
    # probe's "probe_revision" (a typed answer has no "source": old records read as typed).
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
    format = models.PositiveSmallIntegerField(default=SALTED_FORMAT)
    # Format 2: SHA-256 over the personal data row's salt and its fields' canonical JSON.
    personal_digest = models.CharField(max_length=64, blank=True)

    objects = AttestationQuerySet.as_manager()

    class Meta:
        db_table = "governance_attestation"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(format=1, personal_digest="")
                | Q(format=2, signature="", ip_address__isnull=True, user_agent=""),
                name="attestation_personal_fields_by_format",
            ),
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

    @property
    def source(self) -> str:
        """Where the answers came from: AnswerSource.OBSERVED when the extension read them from the
        tool's page (each answer says so, inside the hashed content), else AnswerSource.TYPED."""
        observed = any((answer or {}).get("source") == AnswerSource.OBSERVED for answer in self.answers or ())
        return AnswerSource.OBSERVED if observed else AnswerSource.TYPED

    @property
    def source_label(self) -> str:
        return AnswerSource(self.source).label

    @property
    def signed_name(self) -> str:
        """The name typed as signature, wherever the record's format keeps it ("" once erased)."""
        if self.format == self.RAW_FORMAT:
            return self.signature
        personal = getattr(self, "personal_data", None)
        return personal.signature if personal is not None else ""

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


class PersonalDataQuerySet(models.QuerySet):
    """The one change the personal data table allows: erasure (attestations.sql.ledger.sql
    enforces the same in the database)."""

    def update(self, **kwargs):
        raise LedgerAppendOnlyError("A record's personal data can only be erased, not updated.")

    def delete(self):
        raise LedgerAppendOnlyError("A record's personal data can only be erased, not deleted.")

    def erase(self, *, now) -> int:
        """Empty the salt and the fields of the rows not erased yet; how many rows were erased."""
        return models.QuerySet.update(self.filter(erased_at__isnull=True), **AttestationPersonalData.erased_values(now))


class AttestationPersonalData(models.Model):
    """The personal fields of one format-2 ledger record, outside its hashed content.

    The record's hash covers ``personal_digest`` = SHA-256(salt bytes + canonical JSON of these
    fields), so the fields can be erased (salt and all: without the salt the digest cannot be
    matched against guessed values) while the chain, its checkpoints and exported packages still
    verify. Written once with its record; afterwards only erasure is allowed."""

    attestation = models.OneToOneField(
        Attestation, primary_key=True, on_delete=models.PROTECT, related_name="personal_data"
    )
    salt = models.CharField(max_length=64, blank=True, help_text="32 random bytes, hex; empty once erased.")
    signature = models.CharField(max_length=200, blank=True, help_text="The full name typed as signature.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = PersonalDataQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "attestation personal data"
        constraints = [
            models.CheckConstraint(
                condition=(Q(erased_at__isnull=True) & ~Q(salt=""))
                | Q(erased_at__isnull=False, salt="", signature="", ip_address__isnull=True, user_agent=""),
                name="personal_data_salted_or_erased",
            )
        ]

    def __str__(self):
        return f"Personal data of record {self.attestation_id}"

    @staticmethod
    def erased_values(now) -> dict:
        return {"salt": "", "signature": "", "ip_address": None, "user_agent": "", "erased_at": now}

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerAppendOnlyError("A record's personal data can only be erased, not updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerAppendOnlyError("A record's personal data can only be erased, not deleted.")


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
