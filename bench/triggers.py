"""Benchmark: the cost of the statement triggers on an employee UPDATE grows linearly (PostgreSQL).

    DATABASE_URL=postgres://... python bench/triggers.py [--employees 20000] [--rows 5000 20000]

Over the seed_scale organization, two bulk updates of employee rows, each of 5,000 and 20,000
rows, with the triggers (governance_employee_count_facets) and with them disabled (the floor:
``ALTER TABLE ... DISABLE TRIGGER USER``, foreign-key checks stay):

- reporting paths, written as seed_scale and a change of manager near the top write them (one
  ``UPDATE ... FROM unnest()``, governance.db.write_column): nothing counted changes, so the
  trigger only has to find that out;
- country and customer-data flag: every person's maintained counts move (the trigger's real work).

Each statement runs in a transaction that is rolled back, so the data stays as it was. Before
every measured statement a one-row update with the triggers runs in the same session, as in a
web worker that saved one person before (or seed_scale, whose first updates touch a row or
none): PL/pgSQL plans a trigger's statements once per session, from the first call's
transition tables (one row: a nested loop looks cheapest), and keeps that plan for the big one.

Prints, per update and size: the median time, the time per row, the floor and the ratio to
it; then the growth from the smallest to the largest size against the growth in rows (4 for
5,000 -> 20,000: linear; a join of the transition tables with each other gives about 16).
Exits non-zero when the growth with the triggers exceeds --max-growth times the growth in rows
divided by 4 (default 8 for 4x the rows: clearly above linear, below quadratic), so that
``make bench`` fails on a quadratic trigger. A benchmark, not a timed test.
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

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bench.scale_org import ensure_org  # noqa: E402
from bench.server import describe  # noqa: E402
from compliance.services.rollups import rebuild_obligation_counts  # noqa: E402
from governance import db  # noqa: E402
from people.models import Employee  # noqa: E402

TABLE = Employee._meta.db_table
WARM_UP_ROWS = 1


def log(message):
    print(message, flush=True)


class Rollback(Exception):
    pass


def reporting_paths(rows):
    """A new reporting path for each of ``rows`` ((id, path) pairs), as a new CEO writes them."""
    db.write_column(Employee, "reporting_path", {pk: f"/999999999{path}" for pk, path in rows})


def country_and_flag(rows):
    """Every one of ``rows`` moves country and flips their customer-data flag."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET country = CASE WHEN country = 'US' THEN 'DE' ELSE 'US' END, "
            "handles_customer_data = NOT handles_customer_data WHERE id = ANY(%s)",
            [[pk for pk, _ in rows]],
        )


UPDATES = {
    "paths": ("reporting paths", reporting_paths),
    "country": ("country and customer-data flag", country_and_flag),
}


def once(update, rows, *, triggers):
    """Seconds ``update`` of ``rows`` takes, in a transaction rolled back afterwards."""
    try:
        with transaction.atomic():
            if not triggers:
                with connection.cursor() as cursor:
                    cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
            started = time.perf_counter()
            update(rows)
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed


def measure(update, rows, *, runs, triggers):
    samples = []
    for _ in range(runs):
        # A one-row update with the triggers first (the session's cached trigger plans); the
        # floor's ALTER TABLE, rolled back, drops those plans again.
        once(update, rows[:WARM_UP_ROWS], triggers=True)
        samples.append(once(update, rows, triggers=triggers))
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=20_000)
    parser.add_argument("--platforms", type=int, default=30)
    parser.add_argument("--rows", type=int, nargs="+", default=[5_000, 20_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-growth", type=float, default=8.0, help="Allowed growth for 4x the rows.")
    parser.add_argument("--update", choices=sorted(UPDATES), action="append", help="Default: both.")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if Employee.objects.count() < max(args.employees, *args.rows):
        ensure_org(employees=max(args.employees, *args.rows), platforms=args.platforms, stdout=log)
    rebuild_obligation_counts()  # the trigger does its work only when the counts are dated
    rows = list(Employee.objects.order_by("pk").values_list("pk", "reporting_path")[: max(args.rows)])
    if len(rows) < max(args.rows):
        sys.exit(f"Only {len(rows)} employees; --rows asks for {max(args.rows)}.")
    log(
        f"Organization: {Employee.objects.count()} employees; employee UPDATE of {args.rows} rows, median of {args.runs}"
    )
    log(describe(connection.cursor()))
    failed = False
    sizes = sorted(args.rows)
    for name in args.update or UPDATES:
        label, update = UPDATES[name]
        log(f"{label}:")
        timings = {}
        for n in sizes:
            with_triggers = measure(update, rows[:n], runs=args.runs, triggers=True)
            floor = measure(update, rows[:n], runs=args.runs, triggers=False)
            timings[n] = (with_triggers, floor)
            log(
                f"  {n:>7,} rows: with triggers {with_triggers * 1000:8.0f} ms ({with_triggers / n * 1e6:6.1f} µs/row), "
                f"floor {floor * 1000:6.0f} ms ({floor / n * 1e6:5.1f} µs/row), ratio {with_triggers / floor:5.2f}"
            )
        small, large = sizes[0], sizes[-1]
        if small == large:
            continue
        scale = large / small
        growth = timings[large][0] / timings[small][0]
        floor_growth = timings[large][1] / timings[small][1]
        limit = args.max_growth * scale / 4
        log(
            f"  growth {large:,}/{small:,} rows: with triggers {growth:.1f}, floor {floor_growth:.1f} "
            f"(linear: {scale:.0f}; limit {limit:.0f})"
        )
        if growth > limit:
            failed = True
            log(f"  FAIL: {label} grows faster than linearly with the rows")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
