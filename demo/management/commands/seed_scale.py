"""Build a synthetic organization at production scale to measure publishing and dashboards.

    python manage.py seed_scale --employees 100000 --platforms 30

Departments (a tree), employees with managers and materialized reporting paths, countries,
customer-data handlers, platforms with four settings each, a published policy (through
policies.publishing.publish_policy_version, like an admin would) and a realistic mix of
obligation states written in bulk. Ledger rows are not generated: obligation statuses are
what figures read. Everything is bulk inserts and set-based updates; the command prints the
duration of each step. A second run finds the organization and changes nothing.
"""

import datetime
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from attestations.models import Obligation, ObligationStatus
from attestations.services.publishing import publish_policy_version
from governance import db
from people.models import Department, Employee
from people.services.paths import recompute_department_paths, recompute_reporting_paths
from platforms.models import Category, Platform, PlatformSetting
from policies.models import Policy, PolicyVersion
from policies.services import add_rule

SCALE_POLICY_SLUG = "scale-ai-acceptable-use"
PLATFORM_PREFIX = "scale-tool-"
EMPLOYEE_PREFIX = "S"
BATCH = 5000
COUNTRIES = (
    ["US"] * 30
    + ["DE"] * 15
    + ["GB"] * 12
    + ["FR"] * 10
    + ["IN"] * 12
    + ["BR"] * 6
    + ["JP"] * 5
    + [
        "ES",
        "PT",
        "NL",
        "PL",
        "CA",
        "AU",
        "SG",
        "MX",
        "IE",
        "SE",
    ]
)
FIRST = ["Ada", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivan", "Jun", "Kofi", "Lena", "Mo", "Nia"]
LAST = ["Ito", "Khan", "Lopez", "Meyer", "Novak", "Okafor", "Patel", "Quinn", "Rossi", "Silva", "Tanaka", "Weber"]
# Obligation state mix, in percent of open obligations (the PostgreSQL UPDATE uses the same shares).
STATE_MIX = [
    (ObligationStatus.COMPLIANT, 58),
    (ObligationStatus.NOT_USED, 12),
    (ObligationStatus.NONCOMPLIANT, 5),
    (ObligationStatus.EXCEPTED, 2),
    (ObligationStatus.PENDING, 23),
]


class Command(BaseCommand):
    help = "Build a synthetic organization (departments, managers, platforms, a published policy, attestation states)."

    def add_arguments(self, parser):
        parser.add_argument("--employees", type=int, default=100_000)
        parser.add_argument("--platforms", type=int, default=30)
        parser.add_argument("--seed", type=int, default=42, help="Random seed, for repeatable organizations.")

    def handle(self, *args, employees, platforms, seed, **options):
        if employees < 1 or platforms < 1:
            raise CommandError("--employees and --platforms must be at least 1.")
        existing = Employee.objects.filter(external_id__startswith=EMPLOYEE_PREFIX + "0").count()
        if existing:
            self.stdout.write(f"Scale organization already present ({existing} employees); nothing to do.")
            return
        self.random = random.Random(seed)
        self.started = time.monotonic()
        with transaction.atomic():
            departments = self.step("departments", self.make_departments, employees)
            heads, people = self.step("employees", self.make_employees, employees, departments)
            self.step("managers and reporting paths", self.make_managers, departments, heads)
            tools = self.step("platforms and settings", self.make_platforms, platforms)
        version = self.step("policy published", self.make_policy, tools, departments)
        self.step("attestation states", self.mix_states, version)
        if db.on_postgres():
            self.step("analyze", self.analyze)
        obligations = Obligation.objects.open().filter(policy_version=version).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale organization: {len(departments['all'])} departments, {people} employees, {len(tools)} platforms, "
                f"{obligations} open obligations in {time.monotonic() - self.started:.1f} s."
            )
        )

    def step(self, label, function, *args):
        started = time.monotonic()
        result = function(*args)
        self.stdout.write(f"  {label}: {time.monotonic() - started:.1f} s")
        return result

    # --- Organization --------------------------------------------------------------------

    def make_departments(self, employees):
        """Root, 8 divisions, then teams and sub-teams: about one department per 150 people."""
        root = Department.objects.create(code="SC-ROOT", name="Scale Corp")
        divisions = Department.objects.bulk_create(
            [Department(code=f"SC-D{n}", name=f"Division {n}", parent=root) for n in range(1, 9)]
        )
        team_count = max(8, employees // 150)
        teams = Department.objects.bulk_create(
            [
                Department(code=f"SC-T{n}", name=f"Team {n}", parent=divisions[n % len(divisions)])
                for n in range(1, team_count + 1)
            ],
            batch_size=BATCH,
        )
        subteams = Department.objects.bulk_create(
            [
                Department(code=f"SC-S{n}", name=f"Squad {n}", parent=teams[n % len(teams)])
                for n in range(1, team_count // 3 + 1)
            ],
            batch_size=BATCH,
        )
        recompute_department_paths()
        return {
            "root": root,
            "divisions": divisions,
            "leaves": teams + subteams,
            "all": [root, *divisions, *teams, *subteams],
        }

    def make_employees(self, count, departments):
        leaves = departments["leaves"]
        pick = self.random.choice
        today = timezone.localdate()
        rows = []
        # Heads first, one per department, so that managers exist before their reports.
        placements = list(departments["all"]) + [pick(leaves) for _ in range(max(0, count - len(departments["all"])))]
        for n, department in enumerate(placements[:count], start=1):
            rows.append(
                Employee(
                    external_id=f"{EMPLOYEE_PREFIX}{n:07d}",
                    email=f"person{n}@scale.example",
                    full_name=f"{pick(FIRST)} {pick(LAST)}",
                    department=department,
                    job_title="Head" if n <= len(departments["all"]) else "Specialist",
                    country=pick(COUNTRIES),
                    handles_customer_data=self.random.random() < 0.3,
                    status=Employee.Status.ON_LEAVE if self.random.random() < 0.02 else Employee.Status.ACTIVE,
                    hired_on=today - datetime.timedelta(days=self.random.randint(30, 3000)),
                )
            )
        Employee.objects.bulk_create(rows, batch_size=BATCH)
        heads = [row.pk for row in rows[: len(departments["all"])]]
        return heads, len(rows)

    def make_managers(self, departments, heads):
        """Each department's head manages the rest of the department and reports to the head
        of the parent department: one UPDATE per department, then the reporting paths."""
        # With fewer people than departments, the last departments stay without a head.
        by_department = {d.pk: head for d, head in zip(departments["all"], heads, strict=False)}
        people = Employee.objects.filter(external_id__startswith=EMPLOYEE_PREFIX)
        reports_of_parent = {}
        for department in departments["all"]:
            head = by_department.get(department.pk)
            if head is None:
                continue
            people.filter(department_id=department.pk).exclude(pk=head).update(manager_id=head)
            if by_department.get(department.parent_id):
                reports_of_parent.setdefault(by_department[department.parent_id], []).append(head)
        for manager, heads_below in reports_of_parent.items():
            people.filter(pk__in=heads_below).update(manager_id=manager)
        return recompute_reporting_paths()

    def make_platforms(self, count):
        platforms = Platform.objects.bulk_create(
            [
                Platform(
                    slug=f"{PLATFORM_PREFIX}{n:02d}",
                    name=f"Scale Tool {n:02d}",
                    vendor="Synthetic",
                    category=Category.CHATBOT,
                    last_verified_on=timezone.localdate(),
                )
                for n in range(1, count + 1)
            ]
        )
        PlatformSetting.objects.bulk_create(
            [
                PlatformSetting(
                    platform=platform,
                    key=f"setting-{k}",
                    label=f"{platform.name}: privacy control {k}",
                    navigation_steps=["Open Settings", "Open Data controls"],
                    values=["on", "off"],
                    safe_value="off",
                    protects=["training"],
                    applies_to_tiers=["free", "consumer_paid"],
                    last_verified_on=timezone.localdate(),
                )
                for platform in platforms
                for k in range(1, 5)
            ]
        )
        return platforms

    def make_policy(self, tools, departments):
        """Most tools approved for everyone; a few restricted to a division, to some countries
        or to customer-data handlers, so that scoped materialization is measured too."""
        policy, _ = Policy.objects.get_or_create(slug=SCALE_POLICY_SLUG, defaults={"name": "Scale AI acceptable use"})
        version = PolicyVersion.objects.create(
            policy=policy,
            number=(policy.versions.count() + 1),
            title="Scale AI acceptable use",
            body_markdown="Use approved AI tools only, with training switched off.",
            effective_on=timezone.localdate() - datetime.timedelta(days=60),
        )
        settings = {}
        for setting in PlatformSetting.objects.filter(platform__in=tools).order_by("key"):
            settings.setdefault(setting.platform_id, []).append(setting)
        for n, tool in enumerate(tools):
            scope = {}
            if n % 10 == 7:
                scope = {"stance": "restricted", "departments": [departments["divisions"][n % 8]]}
            elif n % 10 == 8:
                scope = {"stance": "restricted", "countries": ["US", "DE", "GB"]}
            elif n % 10 == 9:
                scope = {"stance": "restricted", "customer_data_handlers_only": True}
            add_rule(
                version=version,
                platform=tool,
                stance=scope.pop("stance", "approved"),
                required=[(s, None) for s in settings[tool.pk][: 1 + n % 2]],
                actor=None,
                **scope,
            )
        publish_policy_version(version=version, actor=None)
        return version

    def mix_states(self, version):
        """Spread open obligations over statuses by id: 58 % compliant, 12 % not used, 5 %
        non-compliant (attested over the last 90 days, so validity ends on different days),
        2 % excepted, 23 % pending of which a third overdue. One UPDATE on PostgreSQL."""
        today = timezone.localdate()
        open_ = Obligation.objects.open().filter(policy_version=version)
        if db.on_postgres():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""UPDATE {Obligation._meta.db_table} SET
                    status = CASE WHEN id %% 100 < 58 THEN 'compliant' WHEN id %% 100 < 70 THEN 'not_used'
                        WHEN id %% 100 < 75 THEN 'noncompliant' WHEN id %% 100 < 77 THEN 'excepted'
                        ELSE 'pending' END,
                    last_attested_at = CASE WHEN id %% 100 < 75
                        THEN %s - make_interval(days => (id %% 90)::int + 1) END,
                    valid_until = CASE WHEN id %% 100 < 75 THEN %s::date - ((id %% 90)::int + 1) + 90
                        WHEN id %% 100 < 77 THEN %s::date + 60 END,
                    due_on = CASE WHEN id %% 100 < 75 THEN %s::date - ((id %% 90)::int + 1) + 90
                        WHEN id %% 100 < 77 THEN %s::date + 60
                        WHEN id %% 3 = 0 THEN %s::date - 10 ELSE due_on END
                    WHERE policy_version_id = %s AND closed_at IS NULL""",
                    [timezone.now(), today, today, today, today, today, version.pk],
                )
            return
        start = 0
        for status, share in STATE_MIX:
            bucket = open_.extra(where=["id %% 100 >= %s AND id %% 100 < %s"], params=[start, start + share])
            start += share
            if status == ObligationStatus.PENDING:
                bucket.extra(where=["id %% 3 = 0"]).update(due_on=today - datetime.timedelta(days=10))
            elif status == ObligationStatus.EXCEPTED:
                later = today + datetime.timedelta(days=60)
                bucket.update(status=status, valid_until=later, due_on=later)
            else:
                attested = timezone.now() - datetime.timedelta(days=30)
                until = (attested + datetime.timedelta(days=90)).date()
                bucket.update(status=status, last_attested_at=attested, valid_until=until, due_on=until)

    def analyze(self):
        with connection.cursor() as cursor:
            for model in (Employee, Department, Obligation):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
