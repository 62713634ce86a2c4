"""Maintained aggregates behind the compliance figures at scale (PostgreSQL).

The dashboard must answer in a bounded number of small reads however large the organization,
so the figures it shows are kept up to date as the rows they count change, by statement-level
triggers (migrations 0011 and 0014), instead of being grouped from millions of rows per page:

- ``ObligationCount``: open obligations per (department, tool, policy version, status, overdue),
  both for each department's own members and for each department with its sub-departments;
- ``ObligationFacetCount``: the same, split by the person's country and customer-data flag;
- ``FailingSettingCount``: failing answers of the non-compliant obligations' current
  attestations, per (department, tool, policy version, required setting), the same two ways;
- ``PersonObligationCount``: per person, over all tools (and per tool for customer-data
  handlers), how many open obligations they have and how many of those still need action (the
  people fully compliant figures);
- ``PeopleCount``: those person rows counted per department, tool, country and customer-data
  flag (people with an open obligation, and with something to do);
- ``ManagerObligationCount``: open obligations per (direct manager, department, tool, policy
  version, status, overdue), summed over a team's managers for a manager's dashboard;
- ``ComplianceSnapshotTotal``: the daily snapshots summed per day for the whole organization
  and for every department with its sub-departments, for all tools and per tool (the trend).

"Overdue" changes when a date passes without any write, so
``compliance.services.rollups.rebuild_obligation_counts`` recomputes the obligation-derived
tables daily; ``ObligationCountState.as_of`` is the day the overdue flags hold for, and the
compliance selectors read the counts only when it is their ``today``. They fall back to the
live aggregate otherwise, for filters the counts know nothing of, and on SQLite.
"""

from django.db import models

# department_id of the obligations of people without a department (the dimension is NOT NULL
# so that one unique constraint covers every row). With ``subtree=True`` the same id stands
# for the whole organization.
NO_DEPARTMENT_ID = 0
WHOLE_ORGANIZATION_ID = 0
# platform_id of ComplianceSnapshotTotal and PersonObligationCount rows summed over all tools.
ALL_PLATFORMS_ID = 0


class ObligationCount(models.Model):
    """How many open obligations there are per (department, tool, policy version, status,
    overdue).

    ``subtree=False``: obligations of the department's own members (department 0: people
    without a department). ``subtree=True``: obligations of the department and all its
    sub-departments (department 0: the whole organization), so that a department's figures,
    and its children's, are a handful of rows whatever the size of the tree below it. The
    subtree rows follow the department tree as it is now: moving a department recomputes them."""

    department_id = models.IntegerField(help_text="Department id, or 0 (see NO_DEPARTMENT_ID).")
    subtree = models.BooleanField(default=False)
    platform_id = models.IntegerField()
    policy_version_id = models.IntegerField()
    status = models.CharField(max_length=16)
    overdue = models.BooleanField()
    count = models.IntegerField(default=0)

    class Meta:
        db_table = "governance_obligationcount"
        constraints = [
            models.UniqueConstraint(
                fields=["department_id", "subtree", "platform_id", "policy_version_id", "status", "overdue"],
                name="obligation_count_dims",
            )
        ]

    def __str__(self):
        scope = "subtree" if self.subtree else "direct"
        return f"{self.department_id} ({scope})/{self.platform_id}/{self.policy_version_id}/{self.status}: {self.count}"


class ObligationCountState(models.Model):
    """One row: the day ObligationCount's overdue flags hold for (set by the rebuild)."""

    as_of = models.DateField()

    class Meta:
        db_table = "governance_obligationcountstate"

    def __str__(self):
        return f"Obligation counts as of {self.as_of}"


class ObligationFacetCount(models.Model):
    """ObligationCount split further by the person's country and customer-data flag (copied
    from the employee; a trigger moves a person's counts when either changes), for the
    country and customer-data filters. A separate table, so that the unfiltered figures keep
    reading a handful of rows."""

    department_id = models.IntegerField()
    subtree = models.BooleanField(default=False)
    platform_id = models.IntegerField()
    policy_version_id = models.IntegerField()
    status = models.CharField(max_length=16)
    overdue = models.BooleanField()
    country = models.CharField(max_length=2, blank=True)
    customer_data = models.BooleanField()
    count = models.IntegerField(default=0)

    class Meta:
        db_table = "governance_obligationfacetcount"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "department_id",
                    "subtree",
                    "platform_id",
                    "policy_version_id",
                    "status",
                    "overdue",
                    "country",
                    "customer_data",
                ],
                name="obligation_facet_count_dims",
            )
        ]

    def __str__(self):
        return (
            f"{self.department_id}/{self.platform_id}/{self.status}/{self.country}/{self.customer_data}: {self.count}"
        )


class FailingSettingCount(models.Model):
    """How many open non-compliant obligations have a current attestation (``satisfied_by``)
    that answered a required setting wrongly, per (department, tool, policy version, setting,
    person's country and customer-data flag); ``department_id`` and ``subtree`` as in
    ObligationCount. The "required settings most often non-compliant" list reads these rows
    instead of joining the answers of every failing attestation."""

    department_id = models.IntegerField()
    subtree = models.BooleanField(default=False)
    platform_id = models.IntegerField()
    policy_version_id = models.IntegerField()
    setting = models.ForeignKey(
        "platforms.PlatformSetting", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    country = models.CharField(max_length=2, blank=True)
    customer_data = models.BooleanField()
    count = models.IntegerField(default=0)

    class Meta:
        db_table = "governance_failingsettingcount"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "department_id",
                    "subtree",
                    "platform_id",
                    "policy_version_id",
                    "setting",
                    "country",
                    "customer_data",
                ],
                name="failing_setting_count_dims",
            )
        ]

    def __str__(self):
        return f"{self.department_id}/{self.platform_id}/{self.policy_version_id}/{self.setting_id}: {self.count}"


class PersonObligationCount(models.Model):
    """Per person (and department their obligations sit in, normally one): how many open
    obligations they have and how many of those are pending or non-compliant, over all tools
    (``platform_id`` 0) for everyone, and per tool for customer-data handlers. The triggers copy
    the person's country and customer-data flag onto their rows and add or remove the per-tool
    rows when the flag changes, so that "people with everything done" (everyone, or the
    handlers; for the whole organization, a department, a country or, for handlers, one tool)
    reads one small index instead of every person's obligations."""

    employee = models.ForeignKey("people.Employee", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    department_id = models.IntegerField(help_text="Department id, or 0 for people without a department.")
    platform_id = models.IntegerField(help_text="Tool id, or 0 for all tools (see ALL_PLATFORMS_ID).")
    country = models.CharField(max_length=2, blank=True)
    customer_data = models.BooleanField(default=False, help_text="The person handles customer data.")
    open_count = models.IntegerField(default=0)
    to_do_count = models.IntegerField(default=0)
    # Whether the row counted in PeopleCount before the statement that last wrote it (so that
    # the statement can move PeopleCount by the rows whose state changed; compliance/sql).
    was_open = models.BooleanField(default=False, db_default=False)
    was_to_do = models.BooleanField(default=False, db_default=False)

    class Meta:
        db_table = "compliance_personobligationcount"
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "department_id", "platform_id"], name="person_obligation_count_dims"
            )
        ]
        # No count in the index, so that the counts' updates stay heap-only (HOT).
        indexes = [models.Index(fields=["platform_id", "department_id"], name="person_count_platform")]

    def __str__(self):
        return f"{self.employee_id}/{self.department_id}/{self.platform_id}: {self.to_do_count} of {self.open_count}"


class PeopleCount(models.Model):
    """PersonObligationCount counted again: per (department's own members, tool or 0 for all
    tools, country, customer-data flag), how many person rows have an open obligation
    (``people``) and how many of those still have something to do (``to_do``); per tool for
    customer-data handlers only, as the person rows are. "People fully compliant" is then
    ``people - to_do`` summed over a handful of rows per department. A person whose obligations
    sit in two departments (between a move and its rescope) counts in both."""

    department_id = models.IntegerField(help_text="Department id, or 0 for people without a department.")
    platform_id = models.IntegerField(help_text="Tool id, or 0 for all tools (see ALL_PLATFORMS_ID).")
    country = models.CharField(max_length=2, blank=True)
    customer_data = models.BooleanField(default=False)
    people = models.IntegerField(default=0)
    to_do = models.IntegerField(default=0)

    class Meta:
        db_table = "compliance_peoplecount"
        constraints = [
            models.UniqueConstraint(
                fields=["platform_id", "department_id", "country", "customer_data"], name="people_count_dims"
            )
        ]

    def __str__(self):
        return f"{self.department_id}/{self.platform_id}/{self.country}/{self.customer_data}: {self.to_do} of {self.people}"


class ManagerObligationCount(models.Model):
    """How many open obligations the direct reports of each manager have, per (department,
    tool, policy version, status, overdue); ``manager_id`` 0: people without a manager.

    A manager's team (direct and indirect reports) is the people whose manager is the manager
    or someone in the team, so the team's figures are the sum of those managers' rows: a few
    rows per manager below, whatever the number of people. Keyed by the direct manager, not by
    the reporting path, so that a change of manager near the top moves the counts of the
    people whose manager changed only, not of everyone below them (a trigger moves them)."""

    manager_id = models.IntegerField(help_text="The direct manager's employee id, or 0 for none.")
    department_id = models.IntegerField(help_text="Department id, or 0 (see NO_DEPARTMENT_ID).")
    platform_id = models.IntegerField()
    policy_version_id = models.IntegerField()
    status = models.CharField(max_length=16)
    overdue = models.BooleanField()
    count = models.IntegerField(default=0)

    class Meta:
        # A table of the compliance app from the start (the other counts keep the names they
        # had before the split, governance 0022).
        db_table = "compliance_managerobligationcount"
        constraints = [
            models.UniqueConstraint(
                fields=["manager_id", "department_id", "platform_id", "policy_version_id", "status", "overdue"],
                name="manager_obligation_count_dims",
            )
        ]

    def __str__(self):
        return f"{self.manager_id}/{self.department_id}/{self.platform_id}/{self.status}: {self.count}"


class ComplianceSnapshotTotal(models.Model):
    """The daily ComplianceSnapshot rows summed per day, for the whole organization
    (``department_id`` 0) and for every department with its sub-departments, over all tools
    (``platform_id`` 0) and per tool: a trend of a year is 366 rows whatever the filter.

    Recomputed for every day whose snapshot rows change, with the department tree of that
    moment, so a day's figures stay those of the organization as it was then."""

    day = models.DateField()
    department_id = models.IntegerField()
    platform_id = models.IntegerField()
    total = models.PositiveIntegerField(default=0)
    compliant = models.PositiveIntegerField(default=0)
    not_used = models.PositiveIntegerField(default=0)
    excepted = models.PositiveIntegerField(default=0)
    pending = models.PositiveIntegerField(default=0)
    noncompliant = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "governance_compliancesnapshottotal"
        constraints = [
            models.UniqueConstraint(fields=["department_id", "platform_id", "day"], name="snapshot_total_dims")
        ]

    def __str__(self):
        return f"{self.day} {self.department_id}/{self.platform_id}: {self.total}"
