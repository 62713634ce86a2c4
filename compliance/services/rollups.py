"""Rebuilds of the dashboard's maintained aggregates (compliance.models.counts), PostgreSQL only.

Triggers keep the aggregates in step with every write (migrations 0011 and 0014); the
computations themselves are SQL functions defined there, so that the triggers, the migrations
and these jobs share one definition. "Overdue" is relative to a day, though: the obligation
counts' overdue flags hold for ``governance_obligationcountstate.as_of``, and when the date
passes without a write they drift. :func:`advance_obligation_counts` moves them to a new day;
it runs daily right after midnight (the governance.rebuild_obligation_counts task). Until it
has run for today, the compliance selectors use the live aggregate.

One clock. The application alone decides what today is: ``timezone.localdate()`` in
``settings.TIME_ZONE``, passed to every SQL function that needs a day (``v_day``). No function or
trigger reads ``current_date``, ``now()`` or ``CURRENT_TIMESTAMP`` for a business date (the
database server's calendar is UTC's, or another machine's). A trigger that fires without a caller
(any write) dates its rows by the day the application last set in the state row; with no state
row it maintains nothing, and the next roll rebuilds for the application's day.
tests/governance/test_clock.py checks the database's function sources for the server's clock.
The beat schedules follow ``TIME_ZONE`` too (governance.schedules), so the roll fires at the
organization's midnight, not UTC's.
"""

import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from governance import db


def advance_obligation_counts(*, day: datetime.date | None = None) -> datetime.date | None:
    """Move the obligation counts' overdue flags to ``day`` (default: today in
    settings.TIME_ZONE): only the open obligations that fell due (or, going back, stop being
    due) between the counts' day and ``day`` change rows, so the daily job reads a day's worth
    of obligations, not all of them. Rebuilds everything when the counts were never built.
    Returns the day, or None when not on PostgreSQL."""
    if not db.on_postgres():
        return None
    day = day or timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT governance_roll_obligation_counts(%s)", [day])
    return day


def rebuild_obligation_counts(*, day: datetime.date | None = None, using_connection: Any = None) -> int | None:
    """Recompute every obligation-derived aggregate from the open obligations (counts and facet
    counts with overdue flags as of ``day``, default today; failing-setting and handler counts),
    in one transaction: after bulk loads that bypass the triggers, or to repair. Returns the
    number of obligation count rows, or None when not on PostgreSQL."""
    conn = using_connection or connection
    if not db.on_postgres(conn):
        return None
    day = day or timezone.localdate()
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute("SELECT governance_rebuild_obligation_counts(%s)", [day])
        cursor.execute("SELECT count(*) FROM governance_obligationcount")
        return cursor.fetchone()[0]


def rebuild_snapshot_totals(*, days: list[datetime.date] | None = None) -> int | None:
    """Recompute the daily snapshot totals of ``days`` (default: every day) from the snapshot
    rows. Needed only after writes that bypass the triggers (bulk loads in replica mode).
    Returns the number of total rows, or None when not on PostgreSQL."""
    if not db.on_postgres():
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT governance_recompute_snapshot_totals(%s::date[])", [list(days) if days else None])
        cursor.execute("SELECT count(*) FROM governance_compliancesnapshottotal")
        return cursor.fetchone()[0]
