"""People: the department tree and the HR system's employees (sign-in accounts are the kernel's, governance.User)."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper


class Department(models.Model):
    """A node of the organization's department tree, keyed by the HR system's code.

    ``path`` materializes the ancestry ("/3/17/42/") so that "this department and all its
    sub-departments" is one indexed prefix match, not a recursive walk.
    """

    code = models.CharField(max_length=64, unique=True, help_text="The HR system's id.")
    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=1024, db_index=True, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "governance_department"
        ordering = ["name"]
        indexes = [models.Index(fields=["path"], name="department_path_prefix", opclasses=["varchar_pattern_ops"])]
        constraints = [models.CheckConstraint(condition=~Q(parent=models.F("id")), name="department_not_own_parent")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The path needs the id, so a new row is saved twice; moves go through
        # people.services.paths.move_department, which rewrites the subtree in one UPDATE.
        super().save(*args, **kwargs)
        expected = (self.parent.path if self.parent_id else "/") + f"{self.pk}/"
        if self.path != expected:
            self.path = expected
            Department.objects.filter(pk=self.pk).update(path=expected)


class Employee(models.Model):
    """A person as the HR system knows them; obligations and attestations hang off this."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ON_LEAVE = "on_leave", "On leave"
        TERMINATED = "terminated", "Terminated"

    external_id = models.CharField(max_length=64, unique=True, help_text="The HR system's id.")
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="employees"
    )
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    # Ancestry in the reporting line ("/12/40/"), so that a manager's direct and indirect
    # reports are one indexed prefix match. Maintained by people.services.paths.
    reporting_path = models.CharField(max_length=1024, default="/", editable=False)
    job_title = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code.")
    handles_customer_data = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    hired_on = models.DateField(null=True, blank=True)
    terminated_on = models.DateField(null=True, blank=True)
    user = models.OneToOneField(
        "governance.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="employee"
    )
    # When the HR system last changed the address; part of every sign-in link's fingerprint, so
    # that links mailed before a change stay dead even if the address later changes back.
    email_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        db_table = "governance_employee"
        ordering = ["full_name"]
        indexes = [
            models.Index(
                fields=["reporting_path"], name="employee_reporting_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["department", "status"], name="employee_department_status"),
            models.Index(fields=["country"], name="employee_country"),
            # Addresses are matched case-insensitively (SCIM userName, sign-in): ``email__iexact``
            # is UPPER(email) = UPPER(%s), which the unique index on email cannot answer.
            models.Index(Upper("email"), name="employee_email_upper"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(manager=models.F("id")), name="employee_not_own_manager"),
            models.CheckConstraint(
                condition=Q(status="terminated") | Q(terminated_on__isnull=True),
                name="employee_termination_date_only_when_terminated",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} <{self.email}>"

    @property
    def is_active(self):
        return self.status != self.Status.TERMINATED

    @property
    def subtree_prefix(self):
        """Prefix of ``reporting_path`` shared by every direct and indirect report."""
        return f"{self.reporting_path}{self.pk}/"
