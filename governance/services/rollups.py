"""Maintenance of the obligation counts (governance.models.rollups), PostgreSQL only.

The triggers of migration 0008 keep ``governance_obligationcount`` in step with every write to
``governance_obligation``. "Overdue" is relative to a day, though: the counts' overdue flags
hold for ``governance_obligationcountstate.as_of``, and when the date passes without a write
they drift. :func:`rebuild_obligation_counts` recomputes everything for a new day; it runs
daily right after midnight (the governance.rebuild_obligation_counts task) and in the migration that creates the
triggers. Until it has run for today, the compliance selectors use the live aggregate.
"""

from django.db import connection, transaction
from django.utils import timezone

OPEN_ACTION_SQL = "status IN ('pending', 'noncompliant')"

# The state row is updated FIRST: the triggers read it FOR SHARE, so a write in flight either
# commits before the rebuild counts (and is in its snapshot) or waits for the rebuild to
# commit and then applies its change, with the new day, on top of the rebuilt counts.
REBUILD_SQL = [
    """
    INSERT INTO governance_obligationcountstate (id, as_of) VALUES (1, %(day)s)
    ON CONFLICT (id) DO UPDATE SET as_of = EXCLUDED.as_of
    """,
    "DELETE FROM governance_obligationcount",
    f"""
    INSERT INTO governance_obligationcount (department_id, platform_id, policy_version_id, status, overdue, count)
    SELECT coalesce(department_id, 0), platform_id, policy_version_id, status,
           {OPEN_ACTION_SQL} AND due_on < %(day)s, count(*)::int
    FROM governance_obligation
    WHERE closed_at IS NULL
    GROUP BY 1, 2, 3, 4, 5
    """,
]


def rebuild_obligation_counts(*, day=None, using_connection=None):
    """Recompute every obligation count from the open obligations, with overdue flags as of
    ``day`` (default: today in settings.TIME_ZONE, the day the selectors use), in one
    transaction. Returns the number of count rows, or None when not on PostgreSQL."""
    conn = using_connection or connection
    if conn.vendor != "postgresql":
        return None
    day = day or timezone.localdate()
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        for sql in REBUILD_SQL:
            cursor.execute(sql, {"day": day})
        cursor.execute("SELECT count(*) FROM governance_obligationcount")
        return cursor.fetchone()[0]
