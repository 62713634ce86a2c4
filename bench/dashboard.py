"""Benchmark the compliance dashboard at scale (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench \\
        python bench/dashboard.py --employees 100000 --platforms 30 --runs 15

Prints, in one run: the dashboard's median server time (Django test Client through the whole
middleware stack, signed in as a compliance officer) and query count, unfiltered and under each
kind of filter (the largest division and a team in it, a tool, the largest country,
customer-data handlers, a year of trend; or the --url given), the median time of the single raw
SQL statement that computes the same headline figures, and the ratio of the unfiltered view to it.

The organization comes from ``manage.py seed_scale`` when that command exists and finds no
scale organization; otherwise (or with --own-generator) from the set-based SQL generator below.
Daily snapshots for --snapshot-days days are generated when none exist, and ledger rows (a
current attestation with one wrong answer) for non-compliant obligations that have none, so
that the failing-settings figure has rows to count. Data is kept between runs.
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

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command, get_commands  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from attestations.models import Obligation  # noqa: E402
from governance import db  # noqa: E402
from governance.models import User  # noqa: E402
from governance.roles import Role  # noqa: E402
from people.models import Department, Employee  # noqa: E402
from platforms.models import Category, Platform, PlatformSetting  # noqa: E402
from policies.models import Policy, PolicyVersion, ToolRule  # noqa: E402

OFFICER = "bench.officer@example.test"
PREFIX = "B"


def log(message):
    print(message, flush=True)


def timed(label, function, *args):
    started = time.perf_counter()
    result = function(*args)
    log(f"  {label}: {time.perf_counter() - started:.1f} s")
    return result


# --- Organization -----------------------------------------------------------------------------


def own_generator(employees, platforms):
    """Departments (root, 8 divisions, a team per ~150 people), employees, platforms with four
    settings, a published version with a rule per platform, one obligation per employee and
    platform in a realistic mix of states, ledger rows for the non-compliant ones and
    exceptions for the excepted ones. All set-based SQL."""
    with transaction.atomic():
        root = Department.objects.create(code=f"{PREFIX}-ROOT", name="Bench Corp")
        divisions = [
            Department.objects.create(code=f"{PREFIX}-D{n}", name=f"Division {n}", parent=root) for n in range(8)
        ]
        teams = max(8, employees // 150)
        for n in range(teams):
            Department.objects.create(code=f"{PREFIX}-T{n}", name=f"Team {n}", parent=divisions[n % 8])
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO governance_employee (external_id, email, full_name, department_id, reporting_path,
                job_title, country, handles_customer_data, status, created_at, updated_at)
            SELECT %s || lpad(n::text, 7, '0'), 'p' || n || '@bench.example', 'Person ' || n,
                   (SELECT id FROM governance_department WHERE code = %s || '-T' || (n %% %s)),
                   '/', 'Specialist', (ARRAY['US','DE','GB','FR','IN','BR','JP','ES'])[1 + n %% 8],
                   n %% 10 < 3, 'active', now(), now()
            FROM generate_series(1, %s) AS n
            """,
            [PREFIX, PREFIX, teams, employees],
        )
    today = timezone.localdate()
    tools = Platform.objects.bulk_create(
        Platform(
            slug=f"bench-tool-{n:02d}",
            name=f"Bench Tool {n:02d}",
            category=Category.CHATBOT,
            last_verified_on=today if n % 7 else today.replace(year=today.year - 1),
        )
        for n in range(platforms)
    )
    PlatformSetting.objects.bulk_create(
        PlatformSetting(
            platform=tool, key=f"s{k}", label=f"{tool.name} control {k}", values=["on", "off"], safe_value="off"
        )
        for tool in tools
        for k in range(4)
    )
    policy = Policy.objects.create(name="Bench policy", slug="bench-policy")
    version = PolicyVersion.objects.create(
        policy=policy, number=1, title="Bench", body_markdown="x", effective_on=today
    )
    for tool in tools:
        ToolRule.objects.create(version=version, platform=tool, stance=ToolRule.Stance.APPROVED)
    PolicyVersion.objects.filter(pk=version.pk).update(status="published", published_at=timezone.now())
    with connection.cursor() as cursor:
        # Mix: 58 % compliant, 12 % not used, 5 % non-compliant, 2 % excepted, 23 % pending;
        # about a third of the pending and non-compliant ones are overdue.
        cursor.execute(
            """
            INSERT INTO governance_obligation (employee_id, policy_version_id, rule_id, platform_id, department_id,
                status, due_on, opened_at, close_reason)
            SELECT e.id, r.version_id, r.id, r.platform_id, e.department_id,
                   CASE WHEN h < 58 THEN 'compliant' WHEN h < 70 THEN 'not_used' WHEN h < 75 THEN 'noncompliant'
                        WHEN h < 77 THEN 'excepted' ELSE 'pending' END,
                   CURRENT_DATE + (((e.id * 7 + r.id * 13) %% 90) - 30)::int, now(), ''
            FROM governance_employee e
            CROSS JOIN policies_toolrule r
            CROSS JOIN LATERAL (SELECT ((e.id * 31 + r.id * 17) %% 100)::int AS h) AS mix
            WHERE r.version_id = %s AND e.external_id LIKE %s
            """,
            [version.pk, f"{PREFIX}%"],
        )
        cursor.execute(
            """
            INSERT INTO governance_attestation (kind, employee_id, obligation_id, policy_version_id, platform_id,
                answers, compliant, tool_used, tier, statement, signature, user_agent, evidence_sha256, created_at,
                prev_hash, hash, format, personal_digest)
            SELECT 'attestation', o.employee_id, o.id, o.policy_version_id, o.platform_id, '[]', false, true, '',
                   'bench', '', '', '', now(), md5('p' || o.id) || md5('q' || o.id), md5('h' || o.id) || md5('i' || o.id),
                   2, ''
            FROM governance_obligation o WHERE o.status = 'noncompliant' AND o.policy_version_id = %s
            """,
            [version.pk],
        )
        cursor.execute(
            """
            INSERT INTO governance_attestationanswer (attestation_id, setting_id, revision, required_value, value, compliant)
            SELECT a.id, s.id, 1, 'off', 'on', false
            FROM governance_attestation a
            JOIN platforms_platformsetting s ON s.platform_id = a.platform_id AND s.key = 's' || (a.id %% 4)
            WHERE a.policy_version_id = %s
            """,
            [version.pk],
        )
        cursor.execute(
            """
            UPDATE governance_obligation o SET satisfied_by_id = a.id, last_attested_at = a.created_at
            FROM governance_attestation a WHERE a.obligation_id = o.id AND a.policy_version_id = %s
            """,
            [version.pk],
        )
        cursor.execute(
            """
            INSERT INTO governance_policyexception (employee_id, rule_id, obligation_id, reason, requested_days,
                status, requested_at, decided_at, decision_note, expires_on)
            SELECT o.employee_id, o.rule_id, o.id, 'bench', 90, 'approved', now() - interval '40 days',
                   now() - interval '35 days', '', CURRENT_DATE + 30
            FROM governance_obligation o WHERE o.status = 'excepted' AND o.policy_version_id = %s
            """,
            [version.pk],
        )


def failing_answers():
    """A current attestation for every open non-compliant obligation that has none (seed_scale
    writes statuses without ledger rows), answering one of the rule's required settings (or
    one of the tool's settings) wrongly, so that the failing-settings figure has rows to count.
    Set-based SQL; the hashes are placeholders (the ledger of a bench database is not verified)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO governance_attestation (kind, employee_id, obligation_id, policy_version_id, platform_id,
                answers, compliant, tool_used, tier, statement, signature, user_agent, evidence_sha256, created_at,
                prev_hash, hash, format, personal_digest)
            SELECT 'attestation', o.employee_id, o.id, o.policy_version_id, o.platform_id, '[]', false, true, '',
                   'bench', '', '', '', now(), md5('p' || o.id) || md5('q' || o.id), md5('h' || o.id) || md5('i' || o.id),
                   2, ''
            FROM governance_obligation o
            WHERE o.status = 'noncompliant' AND o.closed_at IS NULL AND o.satisfied_by_id IS NULL
            """
        )
        cursor.execute(
            """
            INSERT INTO governance_attestationanswer (attestation_id, setting_id, revision, required_value, value, compliant)
            SELECT a.id, s.id, 1, 'off', 'on', false
            FROM governance_attestation a
            CROSS JOIN LATERAL (
                SELECT s.id FROM platforms_platformsetting s WHERE s.platform_id = a.platform_id
                ORDER BY (s.id + a.id) % 4, s.id LIMIT 1
            ) AS s
            WHERE a.statement = 'bench' AND NOT EXISTS (
                SELECT 1 FROM governance_attestationanswer x WHERE x.attestation_id = a.id
            )
            """
        )
        cursor.execute(
            """
            UPDATE governance_obligation o SET satisfied_by_id = a.id, last_attested_at = a.created_at
            FROM governance_attestation a
            WHERE a.obligation_id = o.id AND a.statement = 'bench' AND o.satisfied_by_id IS NULL
            """
        )


def snapshots(days):
    """``days`` days of snapshots shaped like the jobs' daily snapshot (one row per day x
    department x tool), derived from today's counts with a drift, in one INSERT."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO governance_compliancesnapshot (day, department_id, platform_id, total, compliant, not_used,
                excepted, pending, noncompliant, overdue)
            SELECT CURRENT_DATE - d, g.department_id, g.platform_id, g.total,
                   greatest(g.compliant - (g.compliant * d / 800), 0), g.not_used, g.excepted,
                   g.pending + (g.compliant * d / 800), g.noncompliant, g.overdue + (g.overdue * d / 400)
            FROM (
                SELECT department_id, platform_id, count(*) AS total,
                       count(*) FILTER (WHERE status = 'compliant') AS compliant,
                       count(*) FILTER (WHERE status = 'not_used') AS not_used,
                       count(*) FILTER (WHERE status = 'excepted') AS excepted,
                       count(*) FILTER (WHERE status = 'pending') AS pending,
                       count(*) FILTER (WHERE status = 'noncompliant') AS noncompliant,
                       count(*) FILTER (WHERE status IN ('pending', 'noncompliant') AND due_on < CURRENT_DATE) AS overdue
                FROM governance_obligation WHERE closed_at IS NULL GROUP BY department_id, platform_id
            ) AS g CROSS JOIN generate_series(1, %s) AS d
            """,
            [days],
        )


def prepare(args):
    if not db.on_postgres():
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    before = Obligation.objects.count()
    if Obligation.objects.filter(closed_at__isnull=True).count() < args.employees * args.platforms * 0.9:
        log(f"Building an organization of {args.employees} employees x {args.platforms} tools...")
        if "seed_scale" in get_commands() and not args.own_generator:
            call_command("seed_scale", employees=args.employees, platforms=args.platforms)
        else:
            with transaction.atomic():
                # The rows are consistent by construction; skipping the per-row foreign-key
                # triggers (deferred to COMMIT by Django) turns minutes of checks into none.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")
                timed("own generator", own_generator, args.employees, args.platforms)
    from attestations.models import Attestation
    from compliance.models import ComplianceSnapshot, ObligationCountState
    from compliance.services.rollups import (
        advance_obligation_counts,
        rebuild_obligation_counts,
        rebuild_snapshot_totals,
    )

    generated = Obligation.objects.count() != before
    if not Attestation.objects.filter(obligation__status="noncompliant").exists():
        generated = True
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
            timed("ledger rows for the non-compliant obligations", failing_answers)
    # Bulk loads bypass the triggers (replica role): count the obligations for today.
    state = ObligationCountState.objects.first()
    if state is None or generated:
        timed("rebuild obligation counts", rebuild_obligation_counts)
    elif state.as_of != timezone.localdate():
        timed("advance obligation counts to today", advance_obligation_counts)

    if not ComplianceSnapshot.objects.exists() and args.snapshot_days:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
            timed(f"{args.snapshot_days} days of snapshots", snapshots, args.snapshot_days)
        timed("snapshot totals", rebuild_snapshot_totals)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    user = User.objects.filter(email=OFFICER).first() or User.objects.create_user(OFFICER, "bench-password-123")
    user.groups.add(Group.objects.get_or_create(name=Role.COMPLIANCE_OFFICER)[0])
    return user


# --- Measurements -----------------------------------------------------------------------------

HEADLINE_SQL = """
SELECT o.total, o.satisfied, o.noncompliant, o.overdue, x.open_exceptions, h.handlers, h.fully_compliant, c.stale
FROM (
    SELECT count(*) AS total,
           count(*) FILTER (WHERE status IN ('compliant', 'not_used', 'excepted')) AS satisfied,
           count(*) FILTER (WHERE status = 'noncompliant') AS noncompliant,
           count(*) FILTER (WHERE status IN ('pending', 'noncompliant') AND due_on < %(today)s) AS overdue
    FROM governance_obligation WHERE closed_at IS NULL
) AS o,
(
    SELECT count(*) AS open_exceptions FROM governance_policyexception
    WHERE status = 'requested' OR (status = 'approved' AND expires_on >= %(today)s)
) AS x,
(
    SELECT count(*) AS handlers, count(*) FILTER (WHERE unsatisfied = 0) AS fully_compliant FROM (
        SELECT o.employee_id, count(*) FILTER (WHERE o.status IN ('pending', 'noncompliant')) AS unsatisfied
        FROM governance_obligation o JOIN governance_employee e ON e.id = o.employee_id
        WHERE o.closed_at IS NULL AND e.handles_customer_data GROUP BY o.employee_id
    ) AS per_handler
) AS h,
(
    SELECT (SELECT count(*) FROM platforms_platform WHERE last_verified_on IS NULL OR last_verified_on < %(limit)s)
         + (SELECT count(*) FROM platforms_platformsetting WHERE last_verified_on IS NULL OR last_verified_on < %(limit)s)
         AS stale
) AS c
"""


ROLLUP_SQL = """
SELECT sum(count) AS total,
       sum(count) FILTER (WHERE status IN ('compliant', 'not_used', 'excepted')) AS satisfied,
       sum(count) FILTER (WHERE status = 'noncompliant') AS noncompliant,
       sum(count) FILTER (WHERE overdue) AS overdue
FROM governance_obligationcount WHERE department_id = 0 AND subtree
"""


def median_ms(samples):
    return statistics.median(samples) * 1000


def measure_dashboard(user, runs, url):
    client = Client()
    client.force_login(user)
    client.get(url)  # warm-up: templates, connection
    samples, counts = [], set()
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        counts.add(len(queries))
    return samples, counts, queries


def measure_rollup(runs):
    samples = []
    with connection.cursor() as cursor:
        cursor.execute(ROLLUP_SQL)
        for _ in range(runs):
            started = time.perf_counter()
            cursor.execute(ROLLUP_SQL)
            row = cursor.fetchone()
            samples.append(time.perf_counter() - started)
    return samples, row


def measure_raw(runs):
    import datetime

    today = timezone.localdate()
    params = {"today": today, "limit": today - datetime.timedelta(days=settings.CATALOG_STALE_AFTER_DAYS)}
    samples = []
    with connection.cursor() as cursor:
        cursor.execute(HEADLINE_SQL, params)
        for _ in range(runs):
            started = time.perf_counter()
            cursor.execute(HEADLINE_SQL, params)
            row = cursor.fetchone()
            samples.append(time.perf_counter() - started)
    return samples, row


def filtered_urls():
    """The dashboard unfiltered and under each kind of filter, on the largest division, the
    largest team inside it, a tool, the largest country and customer-data handlers, and with a
    year of trend."""
    from django.db.models import Count

    def largest(departments):
        return departments.annotate(n=Count("obligations")).order_by("-n", "pk").first()

    root = Department.objects.filter(parent__isnull=True).order_by("pk").first()
    division = largest(Department.objects.filter(parent=root)) if root else None
    team = largest(Department.objects.filter(parent=division)) if division else None
    tool = Platform.objects.order_by("pk").first()
    country = Employee.objects.values("country").annotate(n=Count("id")).order_by("-n").first()
    urls = ["/dashboard/"]
    urls += [f"/dashboard/?department={d.pk}" for d in (division, team) if d is not None]
    urls += [f"/dashboard/?platform={tool.pk}"] if tool else []
    urls += [f"/dashboard/?country={country['country']}"] if country and country["country"] else []
    urls += ["/dashboard/?customer_data=1", "/dashboard/?days=365"]
    if division is not None and tool is not None:
        urls.append(f"/dashboard/?department={division.pk}&platform={tool.pk}&days=90")
    return urls


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--platforms", type=int, default=30)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--snapshot-days", type=int, default=365)
    parser.add_argument("--own-generator", action="store_true", help="Do not use seed_scale even if present.")
    parser.add_argument(
        "--url",
        action="append",
        help="Dashboard URL (with filters) to measure; repeatable. Default: unfiltered, then each kind of filter.",
    )
    parser.add_argument("--show-queries", action="store_true", help="Print each query's time of the last run.")
    args = parser.parse_args()
    settings.DEBUG = False
    user = prepare(args)
    open_obligations = Obligation.objects.filter(closed_at__isnull=True).count()
    log(
        f"Organization: {Employee.objects.count()} employees, {Platform.objects.count()} tools, "
        f"{open_obligations} open obligations"
    )
    urls = args.url or filtered_urls()
    medians = {}
    for url in urls:
        samples, counts, last = measure_dashboard(user, args.runs, url)
        medians[url] = median_ms(samples)
        if args.show_queries:
            for query in last.captured_queries:
                log(f"  {float(query['time']) * 1000:8.1f} ms  {query['sql'][:110]}")
        log(
            f"Dashboard {url}: median {medians[url]:.0f} ms over {args.runs} runs "
            f"(min {min(samples) * 1000:.0f} ms), queries per request: {', '.join(str(c) for c in sorted(counts))}"
        )
    raw_samples, row = measure_raw(args.runs)
    rollup_samples, rollup_row = measure_rollup(args.runs)
    dashboard_ms, raw_ms = medians[urls[0]], median_ms(raw_samples)
    log(f"Raw SQL headline aggregate: median {raw_ms:.0f} ms (total, satisfied, non-compliant, overdue, ")
    log(f"  open exceptions, handlers, fully compliant, stale = {row})")
    log(
        f"Maintained counts (governance_obligationcount) headline query: median "
        f"{median_ms(rollup_samples):.1f} ms (total, satisfied, non-compliant, overdue = {rollup_row})"
    )
    log(
        f"Ratio dashboard {urls[0]} / raw SQL: {dashboard_ms / raw_ms:.2f} (target <= 3); "
        f"server time target <= 300 ms (slowest view: {max(medians.values()):.0f} ms)"
    )


if __name__ == "__main__":
    main()
