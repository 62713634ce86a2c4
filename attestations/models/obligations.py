"""Obligations (what each employee must attest) and exceptions to them."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class ObligationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLIANT = "compliant", "Compliant"
    NONCOMPLIANT = "noncompliant", "Non-compliant"
    NOT_USED = "not_used", "Not used"
    EXCEPTED = "excepted", "Excepted"


# Statuses that count as "done" for compliance figures.
SATISFIED_STATUSES = (ObligationStatus.COMPLIANT, ObligationStatus.NOT_USED, ObligationStatus.EXCEPTED)
# Statuses that still need the employee to act; overdue = one of these with due_on in the past.
OPEN_ACTION_STATUSES = (ObligationStatus.PENDING, ObligationStatus.NONCOMPLIANT)


class ObligationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)

    def overdue(self, today):
        return self.open().filter(status__in=OPEN_ACTION_STATUSES, due_on__lt=today)


class Obligation(models.Model):
    """One employee's duty to attest one tool under one published policy version.

    ``version_in_force`` is not a column: attestations.services sets it on a locked row to the
    published version whose terms apply now.

    Materialized when a version is published (set-based, in bulk) so that dashboards and
    reminders aggregate over rows instead of re-evaluating policy scope per person.
    ``status`` is the truth for figures; "overdue" is derived (an open-action status whose
    ``due_on`` has passed). When an attestation's validity runs out, the daily job sets the
    obligation back to pending with ``due_on = valid_until``. Closed obligations (superseded
    by a newer version, out of scope, employee terminated) are kept for history.

    ``rule`` and ``policy_version`` are the rule and version that set the terms the obligation
    follows. A newer version that repeats a rule's terms unchanged (ToolRule.terms_rule) keeps
    its obligations as they are, so publishing rewrites only what changed; an open obligation
    is always governed by its policy's published version (selectors.obligations.version_in_force).
    """

    version_in_force: Any  # see the docstring

    class CloseReason(models.TextChoices):
        SUPERSEDED = "superseded", "Superseded by a newer policy version"
        OUT_OF_SCOPE = "out_of_scope", "No longer in the rule's scope"
        TERMINATED = "terminated", "Employee terminated"
        RETIRED = "retired", "Policy version retired"

    # Publishing writes one row per (employee, rule): 3 million at 100,000 people x 30 tools,
    # and a publish that changes every rule closes as many. Every index and foreign-key check
    # costs per row, so single-column indexes that a composite index already covers are left
    # out (employee: one_obligation_per_employee_rule and obligation_open_employee; department:
    # the covering obligation_open_rollup of migration 0006 on PostgreSQL, whose leading columns
    # made a separate (department, platform, status) index dead weight), and the columns copied
    # from the rule and the employee (policy_version, platform, department) carry no database
    # constraint: they are derived from ``rule`` and ``employee`` by the services that write
    # obligations. ``employee`` and ``rule`` are checked set-based instead of by a foreign key,
    # which checks and locks one referenced row per obligation written (a third of a publish's
    # inserts): attestations/sql/obligation_references.sql checks each statement's new rows
    # at once, locking what they reference as a foreign key would, and refuses what a foreign
    # key refuses (a missing reference, a deleted or renumbered referenced row).
    #
    # Closing an obligation writes a new row version into every index whose condition it still
    # meets, so only three indexes hold closed rows: the primary key, the (employee, rule)
    # uniqueness and ``rule`` (the rules' delete guard and PROTECT look any obligation up by
    # rule). Every other index is of open rows (``closed_at IS NULL``), so a close skips them:
    # closes took a third less than when six indexes held closed rows (README). That is why
    # ``platform`` and ``policy_version`` are DO_NOTHING and have no index of all rows: an
    # obligation's tool and terms version are its rule's, and its rule is PROTECTed (a tool's
    # rules PROTECT it, a version's rules CASCADE from it and their obligations PROTECT them),
    # so deleting a tool or a version that obligations follow is refused through their rules,
    # without a look-up of all obligations by tool or by version.
    employee = models.ForeignKey(
        "people.Employee", on_delete=models.PROTECT, related_name="obligations", db_index=False, db_constraint=False
    )
    policy_version = models.ForeignKey(
        "policies.PolicyVersion",
        on_delete=models.DO_NOTHING,
        related_name="obligations",
        db_index=False,
        db_constraint=False,
    )
    rule = models.ForeignKey(
        "policies.ToolRule", on_delete=models.PROTECT, related_name="obligations", db_constraint=False
    )
    # Denormalized from rule and employee so that figures group without joins; kept in sync
    # by the services that move employees.
    platform = models.ForeignKey(
        "platforms.Platform",
        on_delete=models.DO_NOTHING,
        related_name="obligations",
        db_index=False,
        db_constraint=False,
    )
    department = models.ForeignKey(
        "people.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="obligations",
        db_index=False,
        db_constraint=False,
    )
    status = models.CharField(max_length=16, choices=ObligationStatus.choices, default=ObligationStatus.PENDING)
    due_on = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    # The ledger is append-only, so the PROTECT never needs an index to look rows up.
    satisfied_by = models.ForeignKey(
        "attestations.Attestation", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    last_attested_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=16, choices=CloseReason.choices, blank=True)

    objects = ObligationQuerySet.as_manager()

    class Meta:
        db_table = "governance_obligation"
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "rule"], name="one_obligation_per_employee_rule"),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, close_reason="") | Q(closed_at__isnull=False) & ~Q(close_reason=""),
                name="obligation_closed_with_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "due_on"], name="obligation_open_status_due", condition=Q(closed_at__isnull=True)
            ),
            models.Index(fields=["employee"], name="obligation_open_employee", condition=Q(closed_at__isnull=True)),
            models.Index(
                fields=["policy_version", "status"],
                name="obligation_open_version_status",
                condition=Q(closed_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.employee_id} / {self.platform_id}: {self.status}"

    @property
    def is_open(self):
        return self.closed_at is None

    def is_overdue(self, today):
        return self.is_open and self.status in OPEN_ACTION_STATUSES and self.due_on < today


class PolicyException(models.Model):
    """An employee's request not to follow a rule for a while, decided by a compliance officer."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"

    employee = models.ForeignKey("people.Employee", on_delete=models.PROTECT, related_name="exceptions")
    rule = models.ForeignKey("policies.ToolRule", on_delete=models.PROTECT, related_name="exceptions")
    obligation = models.ForeignKey(
        Obligation, null=True, blank=True, on_delete=models.SET_NULL, related_name="exceptions"
    )
    reason = models.TextField()
    requested_days = models.PositiveIntegerField(default=90)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        db_table = "governance_policyexception"
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(expires_on__isnull=False),
                name="approved_exception_has_expiry",
            ),
            models.UniqueConstraint(
                fields=["employee", "rule"], condition=Q(status="requested"), name="one_open_request_per_rule"
            ),
        ]

    def __str__(self):
        return f"Exception {self.pk} ({self.status})"
