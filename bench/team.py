"""Benchmark: a manager's team dashboard over the seed_scale organization (PostgreSQL).

    DATABASE_URL=postgres://... python bench/team.py [--employees 20000] [--platforms 30] [--runs 15]

For the head of the organization (every employee in their team), a division head and a team
head, signed in as that manager: the median server time and query count of /dashboard/team/
and /team/ (Django test Client through the whole middleware stack), the team's summary from
the maintained counts (compliance.selectors.summary, ManagerObligationCount) and from the
live aggregate over the open obligations (what the dashboard read before), and the floor: the
one raw SQL statement that counts the team's open obligations by status (the reporting-path
index and the open obligations of the team). Prints the ratio of the dashboard to the floor
(target: under 300 ms for the largest team, like the officers' dashboard).
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.scale_org import ensure_org  # noqa: E402
from compliance import selectors as compliance  # noqa: E402
from compliance.services.rollups import rebuild_obligation_counts  # noqa: E402
from governance.models import User  # noqa: E402
from people.models import Employee  # noqa: E402

FLOOR_SQL = """
SELECT count(*) AS total,
       count(*) FILTER (WHERE o.status IN ('compliant', 'not_used', 'excepted')) AS satisfied,
       count(*) FILTER (WHERE o.status = 'noncompliant') AS noncompliant,
       count(*) FILTER (WHERE o.status IN ('pending', 'noncompliant') AND o.due_on < %s) AS overdue
FROM governance_obligation AS o JOIN governance_employee AS e ON e.id = o.employee_id
WHERE o.closed_at IS NULL AND e.reporting_path LIKE %s
"""


def log(message):
    print(message, flush=True)


def median_ms(function, runs):
    function()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def managers():
    """The head of the organization, the division head and the team head with the largest
    teams (by people in the subtree: one GROUP BY over the reporting paths)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT m.id, count(*) AS team, length(m.reporting_path) - length(replace(m.reporting_path, '/', '')) AS depth
            FROM governance_employee AS m
            JOIN governance_employee AS e ON e.reporting_path LIKE m.reporting_path || m.id || '/%%'
            WHERE m.id IN (SELECT manager_id FROM governance_employee WHERE manager_id IS NOT NULL)
            GROUP BY m.id HAVING length(m.reporting_path) - length(replace(m.reporting_path, '/', '')) <= 3
            ORDER BY depth, team DESC
            """
        )
        rows = cursor.fetchall()
    picked = {}
    for pk, team, depth in rows:
        picked.setdefault(depth, (pk, team))
    return [picked[depth] for depth in sorted(picked)]


def client_for(employee):
    email = f"bench.manager.{employee.pk}@example.test"
    user = User.objects.filter(email=email).first() or User.objects.create_user(email, "bench-password-123")
    if employee.user_id != user.pk:
        Employee.objects.filter(pk=employee.pk).update(user=user)
    client = Client()
    client.force_login(user)
    return client


def page(client, url):
    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return get


def queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=20_000)
    parser.add_argument("--platforms", type=int, default=30)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    settings.DEBUG = False
    logging.disable(logging.INFO)  # one sign-in line per manager otherwise
    call_command("migrate", verbosity=0)
    if Employee.objects.count() < args.employees:
        ensure_org(employees=args.employees, platforms=args.platforms, stdout=log)
    today = timezone.localdate()
    rebuild_obligation_counts(day=today)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log(f"Organization: {Employee.objects.count()} employees; medians of {args.runs} runs")
    largest = None
    for pk, team in managers():
        manager = Employee.objects.get(pk=pk)
        client = client_for(manager)
        filters = compliance.ComplianceFilters(manager=manager)
        pattern = manager.subtree_prefix + "%"

        def floor(pattern=pattern):
            with connection.cursor() as cursor:
                cursor.execute(FLOOR_SQL, [today, pattern])
                return cursor.fetchone()

        def live(filters=filters):
            return compliance.open_obligations(filters).aggregate(**compliance.figure_aggregates(today))

        counted = compliance.summary(filters, today=today)
        assert counted.total == floor()[0], "the maintained counts and the raw count differ"
        dashboard_ms = median_ms(page(client, "/dashboard/team/"), args.runs)
        team_ms = median_ms(page(client, "/team/"), args.runs)
        summary_ms = median_ms(lambda filters=filters: compliance.summary(filters, today=today), args.runs)
        live_ms = median_ms(live, args.runs)
        floor_ms = median_ms(floor, args.runs)
        log(f"Manager {manager.pk} ({team:,} reports, {counted.total:,} open obligations):")
        log(
            f"  /dashboard/team/ {dashboard_ms:6.0f} ms ({queries_of(client, '/dashboard/team/')} queries), "
            f"/team/ {team_ms:6.0f} ms ({queries_of(client, '/team/')} queries)"
        )
        log(
            f"  summary from the managers' counts {summary_ms:6.1f} ms, live aggregate {live_ms:6.0f} ms, "
            f"raw SQL floor {floor_ms:6.0f} ms; ratio dashboard / floor {dashboard_ms / floor_ms:.2f}"
        )
        largest = largest or (team, dashboard_ms)
    if largest:
        log(f"Largest team ({largest[0]:,} reports): /dashboard/team/ median {largest[1]:.0f} ms (target <= 300 ms)")


if __name__ == "__main__":
    main()
