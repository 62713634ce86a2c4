"""An officer uses the dashboard in a real browser: filter, heat-map cell, list of people, CSV."""

import datetime
import hashlib
import random

import pytest
from django.utils import timezone

from attestations.models import Attestation, AttestationAnswer, Obligation, ObligationStatus, PolicyException
from compliance.models import ComplianceSnapshot
from demo import people as demo_people
from people.models import Department, Employee
from tests.factories import PlatformSettingFactory, PolicyVersionFactory, ToolRuleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOOLS = ["ChatGPT", "Claude", "Gemini", "LinkedIn", "X (Grok)", "Microsoft Copilot"]
STATUS_WEIGHTS = [
    (ObligationStatus.COMPLIANT, 55),
    (ObligationStatus.NOT_USED, 12),
    (ObligationStatus.EXCEPTED, 4),
    (ObligationStatus.PENDING, 18),
    (ObligationStatus.NONCOMPLIANT, 11),
]


def build_organization(today):
    """The demo people plus extra staff, six tools, obligations in every state, failing
    settings, exceptions and 90 days of snapshots: enough for every panel to have figures."""
    demo_people.seed(today=today, stdout=type("Quiet", (), {"write": lambda self, text: None})())
    rng = random.Random(7)
    departments = list(Department.objects.exclude(code="HQ"))
    for n in range(60):
        Employee.objects.create(
            external_id=f"X{n:03d}",
            email=f"staff{n}@demo.example",
            full_name=f"{rng.choice(['Ada', 'Bo', 'Cy', 'Di', 'Ed', 'Flo', 'Gus', 'Hana'])} {rng.choice(['Lind', 'Moss', 'Nash', 'Ortiz', 'Pike', 'Quinn'])} {n}",
            department=rng.choice(departments),
            country=rng.choice(["DE", "FR", "GB", "US", "IN"]),
            handles_customer_data=rng.random() < 0.4,
        )
    version = PolicyVersionFactory(status="draft")
    rules = []
    for name in TOOLS:
        rule = ToolRuleFactory(version=version, platform__name=name, platform__slug=name.lower().replace(" ", "-"))
        rules.append((rule, [PlatformSettingFactory(platform=rule.platform, label=f"{name}: training opt-out")]))
    type(version).objects.filter(pk=version.pk).update(status="published", published_at=timezone.now())
    statuses = [s for s, _ in STATUS_WEIGHTS]
    weights = [w for _, w in STATUS_WEIGHTS]
    now = timezone.now()
    prev = "0" * 64
    for employee in Employee.objects.all():
        for rule, settings in rules:
            status = rng.choices(statuses, weights)[0]
            due = today + datetime.timedelta(days=rng.randint(-25, 60))
            obligation = Obligation.objects.create(
                employee=employee,
                rule=rule,
                policy_version=version,
                platform=rule.platform,
                department=employee.department,
                status=status,
                due_on=due,
                opened_at=now - datetime.timedelta(days=100),
            )
            if status == ObligationStatus.NONCOMPLIANT and rng.random() < 0.8:
                digest = hashlib.sha256(f"{prev}{obligation.pk}".encode()).hexdigest()
                record = Attestation.objects.create(
                    employee=employee,
                    obligation=obligation,
                    policy_version=version,
                    platform=rule.platform,
                    compliant=False,
                    tool_used=True,
                    statement="I checked my settings.",
                    created_at=now - datetime.timedelta(days=rng.randint(1, 40)),
                    prev_hash=prev,
                    hash=digest,
                )
                prev = digest
                AttestationAnswer.objects.create(
                    attestation=record,
                    setting=settings[0],
                    revision=1,
                    required_value="off",
                    value="on",
                    compliant=False,
                )
                Obligation.objects.filter(pk=obligation.pk).update(satisfied_by=record)
            if status == ObligationStatus.EXCEPTED:
                PolicyException.objects.create(
                    employee=employee,
                    rule=rule,
                    obligation=obligation,
                    reason="Needed for a customer project",
                    status="approved",
                    decided_at=now,
                    expires_on=today + datetime.timedelta(days=60),
                )
    for employee in Employee.objects.order_by("id")[:4]:
        PolicyException.objects.create(
            employee=employee, rule=rules[3][0], reason="Recruiting campaign", status="requested"
        )
    # 90 days of snapshots per department and tool, improving over time.
    totals = {}
    for row in Obligation.objects.values("department_id", "platform_id"):
        key = (row["department_id"], row["platform_id"])
        totals[key] = totals.get(key, 0) + 1
    snapshots = []
    for back in range(90, -1, -1):
        day = today - datetime.timedelta(days=back)
        progress = (90 - back) / 90
        for (department_id, platform_id), total in totals.items():
            satisfied = round(total * (0.45 + 0.25 * progress))
            overdue = round(total * (0.25 - 0.13 * progress))
            snapshots.append(
                ComplianceSnapshot(
                    day=day,
                    department_id=department_id,
                    platform_id=platform_id,
                    total=total,
                    compliant=satisfied,
                    pending=total - satisfied,
                    overdue=overdue,
                )
            )
    ComplianceSnapshot.objects.bulk_create(snapshots)


def test_officer_filters_drills_into_a_heat_map_cell_and_exports_csv(page, sign_in, artifacts_dir):
    today = timezone.localdate()
    build_organization(today)
    sign_in("officer@demo.example")
    page.goto("/dashboard/")
    assert page.get_by_role("heading", name="Compliance dashboard").is_visible()
    assert page.get_by_role("heading", name="Overall compliance").is_visible()
    page.screenshot(path=str(artifacts_dir / "dashboard.png"), full_page=True)

    page.get_by_label("Department", exact=True).select_option(label="\u2003Engineering")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    engineering = Department.objects.get(code="ENG")
    assert f"department={engineering.pk}" in page.url
    heat_map = page.locator("table.heat-map")
    assert heat_map.get_by_role("rowheader", name="Platform").is_visible()
    assert heat_map.get_by_role("rowheader", name="Sales").count() == 0

    cell = heat_map.locator("tbody tr").first.locator("td a").first
    cell.click()
    page.wait_for_load_state()
    assert "/dashboard/people/" in page.url
    count = int(page.locator(".list-count").inner_text())
    assert count > 0
    assert page.locator("table.people-list tbody tr").count() == min(count, 50)
    page.screenshot(path=str(artifacts_dir / "dashboard-people.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    with open(download_info.value.path(), encoding="utf-8-sig") as exported:  # the BOM goes
        lines = exported.read().strip().splitlines()
    assert lines[0].startswith("Employee ID,Name")
    assert len(lines) - 1 == count

    page.locator("table.people-list tbody tr").first.get_by_role("link").first.click()
    page.wait_for_load_state()
    assert "/dashboard/people/" in page.url
    assert page.get_by_role("heading", name="Timeline").is_visible()
    page.screenshot(path=str(artifacts_dir / "dashboard-person.png"), full_page=True)
