"""What the report and snapshot jobs keep: compliance reports with their files, and daily snapshots."""

import datetime

from django.conf import settings
from django.db import models

from governance.models import Job
from governance.storage import private_storage


class ComplianceReport(models.Model):
    """A point-in-time compliance report with its CSV and PDF files and their hashes.

    Its build is a job (``compliance.jobs``): the job is the one record of how the build goes
    (status, progress, error, when it started and finished); the report reads them from it."""

    Status = Job.Status

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Started by a person"
        SCHEDULE = "schedule", "Scheduled"
        API = "api", "API"

    title = models.CharField(max_length=200, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    as_of = models.DateTimeField(null=True, blank=True, help_text="The moment the figures describe.")
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_label = models.CharField(max_length=200, blank=True, help_text="API key or schedule name.")
    filters = models.JSONField(default=dict, blank=True, help_text="Compliance filters as URL parameters.")
    scope = models.CharField(
        max_length=200, blank=True, help_text="What the figures cover, in words (compliance.selectors.scope_label)."
    )
    job = models.ForeignKey(
        Job, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="The job that builds it."
    )
    summary = models.JSONField(default=dict, blank=True, help_text="The headline figures.")
    csv_file = models.FileField(upload_to="reports/%Y/%m/", storage=private_storage, blank=True)
    csv_sha256 = models.CharField(max_length=64, blank=True)
    pdf_file = models.FileField(upload_to="reports/%Y/%m/", storage=private_storage, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    ledger_head_hash = models.CharField(max_length=64, blank=True)
    ledger_count = models.PositiveBigIntegerField(default=0)
    ledger_checkpoint = models.ForeignKey(
        "attestations.LedgerCheckpoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The signed checkpoint of the ledger head the report carries.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "governance_compliancereport"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title or f"Compliance report {self.pk}"

    # The build's state, read from its job (a report not handed to a job yet is queued).

    @property
    def status(self) -> str:
        return self.job.status if self.job else Job.Status.QUEUED

    @property
    def progress(self) -> int:
        return self.job.progress if self.job else 0

    @property
    def error(self) -> str:
        """Why the build failed: the job's technical error, else its reason in words ("" unless failed)."""
        if not self.job or self.job.status != Job.Status.FAILED:
            return ""
        return self.job.error or self.job.message

    @property
    def started_at(self) -> datetime.datetime | None:
        return self.job.started_at if self.job else None

    @property
    def finished_at(self) -> datetime.datetime | None:
        return self.job.finished_at if self.job else None

    @property
    def finished(self) -> bool:
        return self.status in (Job.Status.DONE, Job.Status.FAILED)

    @property
    def file_stem(self) -> str:
        """The files' name without extension: the report and what it covers
        ("compliance-report-12-engineering-and-sub-departments")."""
        from compliance.selectors.scope import scope_slug

        return f"compliance-report-{self.pk}-{scope_slug(self.scope)}"

    @property
    def origin(self) -> str:
        """Who or what started the report, as one phrase ("Started by officer@example.com")."""
        label = self.requested_by_label
        if self.trigger == self.Trigger.SCHEDULE:
            return f"Scheduled ({label})" if label else "Scheduled"
        if self.trigger == self.Trigger.API:
            return f"Requested through the API ({label})" if label else "Requested through the API"
        return f"Started by {label}" if label else "Started by a person"


class ComplianceSnapshot(models.Model):
    """Daily counts per department and tool over open obligations; the dashboard's trend.

    Built by replacing the day's rows in one transaction, so a re-run is idempotent even for
    obligations without a department (NULL is distinct in the unique constraint)."""

    day = models.DateField()
    department = models.ForeignKey(
        "people.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    platform = models.ForeignKey("platforms.Platform", on_delete=models.CASCADE, related_name="+")
    total = models.PositiveIntegerField(default=0)
    compliant = models.PositiveIntegerField(default=0)
    not_used = models.PositiveIntegerField(default=0)
    excepted = models.PositiveIntegerField(default=0)
    pending = models.PositiveIntegerField(default=0)
    noncompliant = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "governance_compliancesnapshot"
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "department", "platform"],
                name="one_snapshot_per_day_department_platform",
            )
        ]
        indexes = [
            models.Index(fields=["day"], name="snapshot_day"),
            # The trend of one department's own members (or of people without a department).
            models.Index(fields=["department", "platform", "day"], name="snapshot_department_day"),
        ]

    def __str__(self):
        return f"{self.day} {self.department_id}/{self.platform_id}"
