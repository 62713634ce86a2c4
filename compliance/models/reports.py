"""What the report and snapshot jobs keep: compliance reports with their files, and daily snapshots."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from governance.storage import private_storage


class ComplianceReport(models.Model):
    """A point-in-time compliance report with its CSV and PDF files and their hashes."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

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
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    error = models.TextField(blank=True)
    summary = models.JSONField(default=dict, blank=True, help_text="The headline figures.")
    csv_file = models.FileField(upload_to="reports/%Y/%m/", storage=private_storage, blank=True)
    csv_sha256 = models.CharField(max_length=64, blank=True)
    pdf_file = models.FileField(upload_to="reports/%Y/%m/", storage=private_storage, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    ledger_head_hash = models.CharField(max_length=64, blank=True)
    ledger_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "governance_compliancereport"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_percent"),
        ]

    def __str__(self):
        return self.title or f"Compliance report {self.pk}"

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
