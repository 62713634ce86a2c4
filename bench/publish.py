"""Benchmark: publish a changed policy version over the scale organization on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench python bench/publish.py --employees 100000 --platforms 30

Seeds the organization with `seed_scale` when it is missing, drafts a new version from the
published one, requires one more setting on three rules (their obligations close as
superseded and re-open pending; the other rules' terms carry over and their obligations are
not rewritten), publishes it and prints the duration, the number of queries and the rows
written. Target: under 60 s at 100,000 employees x 30 tools, and a query count that does not
change with the number of employees. --changed-rules 30 measures the worst case (every rule
changed: every obligation closes and re-opens).
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--platforms", type=int, default=30)
    parser.add_argument("--changed-rules", type=int, default=3, help="Rules that get one more required setting.")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from attestations.models import Obligation
    from attestations.services.publishing import publish_policy_version
    from bench.server import describe
    from demo.management.commands.seed_scale import EMPLOYEE_PREFIX, SCALE_POLICY_SLUG
    from governance import db
    from people.models import Employee
    from policies.models import Policy, RequiredSetting
    from policies.services import create_draft, set_required_setting

    if not db.on_postgres():
        sys.exit("bench/publish.py measures PostgreSQL: set DATABASE_URL=postgres://...")

    seeded = Employee.objects.filter(external_id__startswith=EMPLOYEE_PREFIX + "0").count()
    if not seeded:
        print(f"Seeding {args.employees} employees x {args.platforms} platforms ...")
        call_command("seed_scale", employees=args.employees, platforms=args.platforms)
    elif seeded != args.employees:
        print(f"Note: the database holds a scale organization of {seeded} employees; measuring that one.")

    policy = Policy.objects.get(slug=SCALE_POLICY_SLUG)
    draft = policy.versions.filter(status="draft").first() or create_draft(policy=policy, actor=None)
    changed = 0
    for rule in draft.rules.exclude(stance="prohibited").order_by("platform__slug"):
        if changed >= args.changed_rules:
            break
        unused = rule.platform.settings.exclude(pk__in=RequiredSetting.objects.filter(rule=rule).values("setting_id"))
        setting = unused.order_by("key").first()
        if setting is not None:
            set_required_setting(rule=rule, setting=setting, actor=None)
            changed += 1

    open_before = Obligation.objects.open().count()
    started = time.monotonic()
    with CaptureQueriesContext(connection) as queries:
        counts = publish_policy_version(version=draft, actor=None)
    duration = time.monotonic() - started
    rows = counts["obligations_created"] + counts["obligations_superseded"] + counts["rules"] + 2
    people = Employee.objects.exclude(status="terminated").filter(external_id__startswith=EMPLOYEE_PREFIX).count()
    print(describe(connection.cursor()))
    print(f"employees in scale org:   {people}")
    print(
        f"rules:                    {counts['rules']} ({counts['rules_carried_over']} carried over, {changed} changed)"
    )
    print(f"open obligations before:  {open_before}")
    print(f"obligations written:      {counts['obligations_created']}")
    print(f"obligations superseded:   {counts['obligations_superseded']}")
    print(f"obligations carried over: {open_before - counts['obligations_superseded']} (not rewritten)")
    print(f"rows written (total):     {rows}")
    print(f"queries:                  {len(queries)}")
    print(f"duration:                 {duration:.1f} s")
    print("target (100k x 30):       under 60 s;", "MET" if duration < 60 else "NOT MET")
    inserts = sum(
        float(q["time"]) for q in queries.captured_queries if q["sql"].startswith("INSERT INTO governance_obligation")
    )
    closes = sum(float(q["time"]) for q in queries.captured_queries if q["sql"].startswith("WITH closed AS (UPDATE"))
    end_counts = sum(
        float(q["time"])
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT governance_apply_deferred_publish_counts")
    )
    print(
        f"  of which INSERT ... SELECT obligations: {inserts:.1f} s, closing superseded: {closes:.1f} s, "
        f"the counts at the end: {end_counts:.1f} s"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('governance_obligation'))")
        print(f"obligation table size:    {cursor.fetchone()[0]}")
        # The floor: the rows the publish wrote (opened and closed), written once by one plain
        # INSERT ... SELECT into a table without index, trigger nor foreign key.
        cursor.execute("SELECT max(opened_at) FROM governance_obligation")
        opened_at = cursor.fetchone()[0]
        began = time.monotonic()
        cursor.execute(
            "CREATE TEMP TABLE publish_floor AS SELECT * FROM governance_obligation "
            "WHERE opened_at = %s OR closed_at = %s",
            [opened_at, opened_at],
        )
        floor = time.monotonic() - began
        cursor.execute("SELECT count(*) FROM publish_floor")
        written = cursor.fetchone()[0]
        cursor.execute("DROP TABLE publish_floor")
    print(f"floor: the {written:,} rows written once into a bare table: {floor:.1f} s; ratio {duration / floor:.0f}")


if __name__ == "__main__":
    main()
