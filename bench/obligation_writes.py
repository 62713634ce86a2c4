"""Benchmark: where one rule's obligation writes go, index by index (PostgreSQL).

    DATABASE_URL=postgres://... python bench/obligation_writes.py [--employees 100000] [--rounds 3]

A publish that changes a rule closes the open obligations of its old terms (one UPDATE) and
opens one obligation per person in scope under the new terms (one INSERT ... SELECT): the two
statements that ``bench/publish.py --changed-rules 30`` repeats thirty times. Over the
seed_scale organization, this measures each of the two for one rule that covers everyone, as a
publish runs it (``materialize_rule`` and the close of ``publish_policy_version``, the counts
deferred to the end):

- with every index and trigger, as in production;
- without each index in turn (``DROP INDEX`` inside the measured transaction), and without the
  statement triggers (``DISABLE TRIGGER USER``): what that index or trigger costs;
- the floor: the same rows with the primary key only and no trigger (for the close, the primary
  key and the index of all obligations by rule, by which it finds its rows: without it, it reads
  the whole table, which is why "without" that index prints a negative saving).

Beside each: the time per row and the WAL it wrote (``pg_current_wal_insert_lsn()`` before and
after). Every measurement runs in a transaction that is rolled back, so the data stays as it
was; rounds go through every variant in turn and the median is printed, because each rolled-back
write leaves dead index entries behind that slow the next one a little (vacuum clears them).
A benchmark that explains ``bench/publish.py``'s figure, with no target of its own.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from attestations.models import Obligation  # noqa: E402
from attestations.services.obligations import materialize_rule  # noqa: E402
from attestations.services.publishing import DEFER_COUNTS, _CountsAtTheEnd  # noqa: E402
from bench.scale_org import ensure_org  # noqa: E402
from bench.server import describe  # noqa: E402
from demo.management.commands.seed_scale import SCALE_POLICY_SLUG  # noqa: E402
from policies.models import Policy, ToolRule  # noqa: E402
from policies.services import create_draft  # noqa: E402

TABLE = Obligation._meta.db_table
ALL = "every index and trigger"
NO_TRIGGERS = "without the statement triggers"
FLOOR = "floor: primary key only, no trigger"
CLOSE_FLOOR = "floor: primary key and rule index only, no trigger"


def indexes(cursor):
    """(name, is it a constraint's) of every index on the obligations but the primary key, and
    the name of the index of all obligations by rule alone."""
    cursor.execute(
        "SELECT c.relname, con.conname IS NOT NULL, pg_get_indexdef(i.indexrelid) LIKE '%%(rule_id)' "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary ORDER BY c.relname",
        [TABLE],
    )
    rows = cursor.fetchall()
    by_rule = next(name for name, _, rule_only in rows if rule_only)
    return [(name, constraint) for name, constraint, _ in rows], by_rule


def drop(cursor, name, constraint):
    if constraint:
        cursor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {name}")
    else:
        cursor.execute(f"DROP INDEX {name}")


def measure(write, *, without=(), triggers=True):
    """(seconds, rows, WAL bytes) of ``write()`` with the given indexes dropped, rolled back."""
    with transaction.atomic(), connection.cursor() as cursor:
        for name, constraint in without:
            drop(cursor, name, constraint)
        if not triggers:
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        cursor.execute("SELECT set_config(%s, 'on', true)", [DEFER_COUNTS])
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        lsn = cursor.fetchone()[0]
        started = time.perf_counter()
        rows = write()
        seconds = time.perf_counter() - started
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s)", [lsn])
        wal = int(cursor.fetchone()[0])
        transaction.set_rollback(True)
    return seconds, rows, wal


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--platforms", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ensure_org(employees=args.employees, platforms=args.platforms)

    with connection.cursor() as cursor:
        print(describe(cursor))
        every, by_rule = indexes(cursor)
    now, today = timezone.now(), timezone.localdate()
    with transaction.atomic():
        # The draft, and a rule of it that covers everyone, exist for the measurements only.
        draft = create_draft(policy=Policy.objects.get(slug=SCALE_POLICY_SLUG), actor=None)
        rules = draft.rules.exclude(stance=ToolRule.Stance.PROHIBITED).select_related("platform")
        rule = max(
            rules.prefetch_related("departments"),
            key=lambda r: not (r.departments.all() or r.countries or r.customer_data_handlers_only),
        )
        ended = ToolRule.objects.get(version__policy=draft.policy, version__status="published", platform=rule.platform)
        ended_terms = ended.obligation_rule_id

        def insert():
            return materialize_rule(rule=rule, opened_at=now, due_on=today, today=today)

        def close():
            return _CountsAtTheEnd().close_superseded([ended_terms], now=now)

        each = [(ALL, {}), (NO_TRIGGERS, {"triggers": False})]
        each += [(f"without {name}", {"without": [(name, constraint)]}) for name, constraint in every]
        print(f"One rule of the scale organization ({rule.platform.name}), {args.rounds} rounds, medians:")
        writes = (
            ("INSERT ... SELECT of the new terms' obligations", insert, FLOOR, every),
            ("closing the old", close, CLOSE_FLOOR, [i for i in every if i[0] != by_rule]),
        )
        for label, write, floor, dropped in writes:
            variants = [*each, (floor, {"without": dropped, "triggers": False})]
            runs = {name: [] for name, _ in variants}
            for _ in range(args.rounds):
                for name, options in variants:
                    runs[name].append(measure(write, **options))
            rows = runs[ALL][0][1]
            median = {name: statistics.median(r[0] for r in results) for name, results in runs.items()}
            wal = {name: statistics.median(r[2] for r in results) for name, results in runs.items()}
            print(f"\n{label}: {rows:,} rows")
            print(f"  {'':60} {'seconds':>8} {'µs/row':>7} {'WAL MB':>7} {'saves':>6}")
            for name, _ in variants:
                saves = "" if name == ALL else f"{(median[ALL] - median[name]) / median[ALL]:6.0%}"
                print(
                    f"  {name:60} {median[name]:8.2f} {median[name] / rows * 1e6:7.1f} "
                    f"{wal[name] / 1e6:7.1f} {saves:>6}"
                )
            print(f"  ratio to the floor: {median[ALL] / median[floor]:.1f}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
