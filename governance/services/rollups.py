"""Rebuilds of the dashboard's maintained aggregates (governance.models.rollups), PostgreSQL only.

Triggers keep the aggregates in step with every write (migrations 0011 and 0014); the
computations themselves are SQL functions defined there, so that the triggers, the migrations
and these rebuilds share one definition. "Overdue" is relative to a day, though: the obligation
counts' overdue flags hold for ``governance_obligationcountstate.as_of``, and when the date
passes without a write they drift. :func:`rebuild_obligation_counts` recomputes every
obligation-derived aggregate for a new day; it runs daily right after midnight (the
governance.rebuild_obligation_counts task). Until it has run for today, the compliance
selectors use the live aggregate.
"""

from django.db import connection, transaction
from django.utils import timezone


def rebuild_obligation_counts(*, day=None, using_connection=None):
    """Recompute the obligation counts (own and subtree rows, overdue flags as of ``day``,
    default today in settings.TIME_ZONE), the failing-setting counts and the per-person counts
    from the open obligations, in one transaction. Returns the number of obligation count rows,
    or None when not on PostgreSQL."""
    conn = using_connection or connection
    if conn.vendor != "postgresql":
        return None
    day = day or timezone.localdate()
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute("SELECT governance_rebuild_obligation_counts(%s)", [day])
        cursor.execute("SELECT count(*) FROM governance_obligationcount")
        return cursor.fetchone()[0]


def rebuild_snapshot_totals(*, days=None):
    """Recompute the daily snapshot totals of ``days`` (default: every day) from the snapshot
    rows. Needed only after writes that bypass the triggers (bulk loads in replica mode).
    Returns the number of total rows, or None when not on PostgreSQL."""
    if connection.vendor != "postgresql":
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT governance_recompute_snapshot_totals(%s::date[])", [list(days) if days else None])
        cursor.execute("SELECT count(*) FROM governance_compliancesnapshottotal")
        return cursor.fetchone()[0]
