"""The large organization the job benchmarks run over.

Uses the policies feature's ``seed_scale`` command when it exists; otherwise (PostgreSQL
only) writes an equivalent organization with a few INSERT ... SELECT generate_series
statements: employees in departments with managers, tools with a rule each in one policy
version, one obligation per employee and tool in a realistic mix of states and due dates.
"""

import datetime

from django.core.management import call_command, get_commands
from django.db import connection, transaction
from django.utils import timezone

from governance.models import Department, Employee, Obligation
from platforms.models import Platform
from policies.models import Policy, PolicyVersion, ToolRule

BENCH_PREFIX = "BENCH"


def ensure_org(*, employees, platforms, stdout=print):
    """Make sure an organization of about ``employees`` active people exists."""
    if Employee.objects.filter(status="active").count() >= employees and Obligation.objects.exists():
        return
    if "seed_scale" in get_commands():
        stdout(f"Seeding {employees} employees x {platforms} tools with seed_scale ...")
        call_command("seed_scale", employees=employees, platforms=platforms)
        return
    if connection.vendor != "postgresql":
        raise SystemExit("No seed_scale command and not on PostgreSQL: set DATABASE_URL=postgres://...")
    stdout(f"Seeding {employees} employees x {platforms} tools with SQL (no seed_scale command yet) ...")
    _sql_org(employees=employees, platforms=platforms)


@transaction.atomic
def _sql_org(*, employees, platforms):
    today = timezone.localdate()
    root, _ = Department.objects.get_or_create(code=f"{BENCH_PREFIX}-ROOT", defaults={"name": "Bench Corp"})
    departments = [
        Department.objects.get_or_create(
            code=f"{BENCH_PREFIX}-D{n:03d}", defaults={"name": f"Unit {n}", "parent": root}
        )[0]
        for n in range(60)
    ]
    tools = [
        Platform.objects.get_or_create(
            slug=f"bench-tool-{n}",
            defaults={"name": f"Bench tool {n:02d}", "category": "chatbot", "last_verified_on": today},
        )[0]
        for n in range(platforms)
    ]
    policy, _ = Policy.objects.get_or_create(slug="bench-policy", defaults={"name": "Bench policy"})
    version = PolicyVersion.objects.create(
        policy=policy,
        number=(PolicyVersion.objects.filter(policy=policy).count() + 1),
        title="Bench policy",
        body_markdown="Bench.",
        effective_on=today,
    )
    rules = [ToolRule.objects.create(version=version, platform=tool, stance="approved") for tool in tools]
    department_ids = [d.pk for d in departments]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO governance_employee (external_id, email, full_name, department_id, reporting_path, job_title,
                country, handles_customer_data, status, created_at, updated_at)
            SELECT 'BENCH' || lpad(i::text, 7, '0'), 'bench' || i || '@bench.example', 'Bench Person ' || i,
                (%s::bigint[])[1 + i %% %s], '/', 'Engineer', (ARRAY['DE','US','GB','FR','IN'])[1 + i %% 5],
                i %% 3 = 0, 'active', now(), now()
            FROM generate_series(1, %s) AS i
            """,
            [department_ids, len(department_ids), employees],
        )
        # The first person of each unit manages the others in it.
        cursor.execute(
            """
            WITH heads AS (
                SELECT DISTINCT ON (department_id) department_id, id FROM governance_employee
                WHERE external_id LIKE 'BENCH%%' ORDER BY department_id, id
            )
            UPDATE governance_employee e SET manager_id = heads.id, reporting_path = '/' || heads.id || '/'
            FROM heads WHERE e.department_id = heads.department_id AND e.id <> heads.id
              AND e.external_id LIKE 'BENCH%%'
            """
        )
        for rule in rules:
            cursor.execute(
                """
                INSERT INTO governance_obligation (employee_id, policy_version_id, rule_id, platform_id, department_id,
                    status, due_on, opened_at, close_reason)
                SELECT e.id, %s, %s, %s, e.department_id,
                    (ARRAY['compliant','compliant','compliant','not_used','pending','pending','noncompliant','excepted'])
                        [1 + ((e.id * 31 + %s) %% 8)],
                    %s::date + ((e.id * 17 + %s * 7) %% 150 - 60)::int, now(), ''
                FROM governance_employee e WHERE e.external_id LIKE 'BENCH%%'
                """,
                [version.pk, rule.pk, rule.platform_id, rule.pk, today, rule.pk],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE governance_employee")
        cursor.execute("ANALYZE governance_obligation")


def today():
    return timezone.localdate()


def days_ago(n):
    return today() - datetime.timedelta(days=n)
