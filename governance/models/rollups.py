"""Maintained aggregates of open obligations, for the compliance figures at scale (PostgreSQL).

``ObligationCount`` holds how many open obligations there are per (department, tool, policy
version, status, overdue). On PostgreSQL, statement-level triggers on governance_obligation keep
it in step with every INSERT / UPDATE / DELETE (migration 0008), and
``governance.services.rollups.rebuild_obligation_counts`` recomputes it daily, because
"overdue" changes when a date passes without any write. ``ObligationCountState.as_of`` is the
day the overdue flags are computed for; the compliance selectors read the counts only when it is
their ``today``, and fall back to the live aggregate otherwise (and on SQLite).
"""

from django.db import models

# department_id of the obligations of people without a department (the dimension is NOT NULL
# so that one unique constraint covers every row).
NO_DEPARTMENT_ID = 0


class ObligationCount(models.Model):
    department_id = models.IntegerField(help_text="Department id, or 0 for people without a department.")
    platform_id = models.IntegerField()
    policy_version_id = models.IntegerField()
    status = models.CharField(max_length=16)
    overdue = models.BooleanField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["department_id", "platform_id", "policy_version_id", "status", "overdue"],
                name="obligation_count_dims",
            )
        ]

    def __str__(self):
        return f"{self.department_id}/{self.platform_id}/{self.policy_version_id}/{self.status}: {self.count}"


class ObligationCountState(models.Model):
    """One row: the day ObligationCount's overdue flags hold for (set by the rebuild)."""

    as_of = models.DateField()

    def __str__(self):
        return f"Obligation counts as of {self.as_of}"
