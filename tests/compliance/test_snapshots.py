import datetime

import pytest
from django.db.models import Count

from attestations.models import Obligation, ObligationStatus
from compliance.models import ComplianceSnapshot
from compliance.selectors import ComplianceFilters
from compliance.selectors import trend as compliance_trend
from compliance.services.snapshots import snapshot_compliance
from tests import scenario
from tests.clock import noon_on

TODAY = datetime.date(2026, 11, 29)
NOW = noon_on(TODAY)  # the clock the module's tests run at (frozen below), passed down where they read it

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]


def build_org():
    people = {
        "p1": {"department": "child"},
        "p2": {"department": "child"},
        "p3": {"department": "parent"},
        "p4": {"department": "other"},
        "p5": {"department": "other"},
        "p6": {"department": None},
    }
    return scenario.build(
        today=TODAY,
        departments=[("parent", "Engineering", None), ("child", "Platform", "parent"), ("other", "Sales", None)],
        rules={"chatgpt": {}, "claude": {}},
        people=people,
        obligations=[
            ("p1", "chatgpt", ObligationStatus.COMPLIANT, 10),
            ("p2", "chatgpt", ObligationStatus.PENDING, -2),
            ("p3", "claude", ObligationStatus.NONCOMPLIANT, -5),
            ("p4", "chatgpt", ObligationStatus.EXCEPTED, 20),
            ("p5", "claude", ObligationStatus.NOT_USED, 20),
            ("p6", "claude", ObligationStatus.PENDING, -1),
        ],
        closed=[({"department": "other"}, "claude", "superseded")],
    ).as_dict()


# Built once for the module (each test's own writes are rolled back); each test gets the rows re-read.
module_org = scenario.once_per_module(build_org, today=TODAY)


@pytest.fixture
def org(module_org):
    return scenario.fresh(module_org)


def snapshot_rows(day):
    return sorted(
        ComplianceSnapshot.objects.filter(day=day).values_list(
            "department_id", "platform_id", "total", "compliant", "pending", "noncompliant", "overdue"
        ),
        key=lambda row: (row[0] or 0, row[1]),
    )


def test_snapshot_counts_open_obligations_per_department_and_tool(org):
    written = snapshot_compliance(day=TODAY)

    expected = {
        (row["department_id"], row["platform_id"]): row["n"]
        for row in Obligation.objects.filter(closed_at__isnull=True)
        .values("department_id", "platform_id")
        .annotate(n=Count("id"))
    }
    rows = ComplianceSnapshot.objects.filter(day=TODAY)
    assert written == len(expected) == rows.count()
    assert {(r.department_id, r.platform_id): r.total for r in rows} == expected
    child_chatgpt = rows.get(department=org["child"], platform=org["chatgpt"].platform)
    assert (child_chatgpt.compliant, child_chatgpt.pending, child_chatgpt.overdue) == (1, 1, 1)


def test_snapshot_is_idempotent_per_day_even_without_a_department(org):
    snapshot_compliance(day=TODAY)
    first = snapshot_rows(TODAY)

    snapshot_compliance(day=TODAY)

    assert snapshot_rows(TODAY) == first
    assert ComplianceSnapshot.objects.filter(day=TODAY, department__isnull=True).count() == 1


def test_rerun_replaces_the_days_rows_with_current_counts_and_keeps_other_days(org):
    snapshot_compliance(day=TODAY - datetime.timedelta(days=1))
    snapshot_compliance(day=TODAY)
    Obligation.objects.filter(status=ObligationStatus.PENDING).update(status=ObligationStatus.COMPLIANT)

    snapshot_compliance(day=TODAY)

    assert sum(row[4] for row in snapshot_rows(TODAY)) == 0  # no pending left today
    assert sum(row[4] for row in snapshot_rows(TODAY - datetime.timedelta(days=1))) == 2


def test_snapshot_is_one_insert_select(org, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # savepoint, delete, insert ... select, release
        snapshot_compliance(day=TODAY)


def test_trend_returns_per_day_totals_oldest_first(org):
    snapshot_compliance(day=TODAY - datetime.timedelta(days=2))
    Obligation.objects.filter(status=ObligationStatus.PENDING).update(status=ObligationStatus.COMPLIANT)
    snapshot_compliance(day=TODAY)

    trend = compliance_trend(None, days=30, today=TODAY)

    assert [f.extra["day"] for f in trend] == [TODAY - datetime.timedelta(days=2), TODAY]
    assert [f.total for f in trend] == [6, 6]
    assert [f.pending for f in trend] == [2, 0]
    assert trend[1].rate == round(100 * 5 / 6, 1)


def test_trend_respects_the_window_and_department_and_tool_filters(org):
    snapshot_compliance(day=TODAY - datetime.timedelta(days=40))
    snapshot_compliance(day=TODAY)

    assert len(compliance_trend(None, days=30, today=TODAY)) == 1
    engineering = compliance_trend(ComplianceFilters(department=org["parent"]), days=30, today=TODAY)
    assert [f.total for f in engineering] == [3]  # the sub-department is included
    chatgpt = compliance_trend(ComplianceFilters(platform_id=org["chatgpt"].platform_id), days=30, today=TODAY)
    assert [f.total for f in chatgpt] == [3]


def test_trend_is_one_query(org, django_assert_num_queries):
    snapshot_compliance(day=TODAY)
    with django_assert_num_queries(1):
        compliance_trend(None, days=90, today=TODAY)
