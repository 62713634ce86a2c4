"""The maintained obligation counts (PostgreSQL triggers + daily rebuild) and the selectors
that read them: the counts always equal the live GROUP BY over open obligations, and the
figures are the same with and without them."""

import datetime
from dataclasses import replace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.models import Obligation, ObligationCount, ObligationCountState, ObligationStatus
from governance.selectors import compliance
from governance.selectors.compliance import ComplianceFilters
from governance.services.rollups import rebuild_obligation_counts
from tests.factories import DepartmentFactory, EmployeeFactory, ToolRuleFactory, mark_in_force

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TODAY = datetime.date(2026, 11, 29)
ACTION = ("pending", "noncompliant")


def live_counts(day):
    """The counts computed independently: one GROUP BY over the open obligations."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT coalesce(department_id, 0), platform_id, policy_version_id, status,
                   status IN ('pending', 'noncompliant') AND due_on < %s, count(*)
            FROM governance_obligation WHERE closed_at IS NULL GROUP BY 1, 2, 3, 4, 5
            """,
            [day],
        )
        return {row[:5]: row[5] for row in cursor.fetchall()}


def kept_counts():
    """The maintained counts, without rows that went down to zero."""
    return {
        (c.department_id, c.platform_id, c.policy_version_id, c.status, c.overdue): c.count
        for c in ObligationCount.objects.exclude(count=0)
    }


@pytest.fixture
def org():
    """Two departments (one nested), a person without a department, rules of two policies in force."""
    top = DepartmentFactory(name="Top")
    sub = DepartmentFactory(name="Sub", parent=top)
    other = DepartmentFactory(name="Other")
    people = [EmployeeFactory(department=d) for d in (top, sub, sub, other, other)]
    people.append(EmployeeFactory(department=None))
    rules = [
        ToolRuleFactory(),
        ToolRuleFactory(version__policy__slug="second-policy", version__policy__name="Second policy"),
    ]
    rules.append(ToolRuleFactory(version=rules[0].version))
    later_rule = ToolRuleFactory(version=rules[1].version)
    mark_in_force(rules[0].version, rules[1].version)
    return {"top": top, "sub": sub, "other": other, "people": people, "rules": rules, "later_rule": later_rule}


def publish(people, rules, *, due_on, status=ObligationStatus.PENDING):
    """A bulk insert of obligations, like publishing a version."""
    return Obligation.objects.bulk_create(
        Obligation(
            employee=person,
            rule=rule,
            policy_version_id=rule.version_id,
            platform_id=rule.platform_id,
            department_id=person.department_id,
            status=status,
            due_on=due_on,
            opened_at=timezone.now(),
        )
        for person in people
        for rule in rules
    )


def test_counts_follow_inserts_updates_closes_and_deletes(org):
    rebuild_obligation_counts(day=TODAY)
    people, rules = org["people"], org["rules"]
    checks = []

    def check(step):
        checks.append(step)
        assert kept_counts() == live_counts(TODAY), step

    publish(people[:4], rules[:2], due_on=TODAY - datetime.timedelta(days=2))
    publish(people[4:], rules[:2], due_on=TODAY + datetime.timedelta(days=10))
    check("publish")
    Obligation.objects.create(
        employee=people[0],
        rule=rules[2],
        policy_version_id=rules[2].version_id,
        platform_id=rules[2].platform_id,
        department_id=people[0].department_id,
        status="pending",
        due_on=TODAY,
        opened_at=timezone.now(),
    )
    check("single insert due today (not overdue)")
    attested = Obligation.objects.filter(employee__in=people[:2], rule=rules[0])
    attested.update(status=ObligationStatus.COMPLIANT, due_on=TODAY + datetime.timedelta(days=180))
    Obligation.objects.filter(employee=people[2], rule=rules[1]).update(status=ObligationStatus.NONCOMPLIANT)
    Obligation.objects.filter(employee=people[3], rule=rules[0]).update(status=ObligationStatus.NOT_USED)
    check("attesting")
    Obligation.objects.filter(employee=people[5], rule=rules[1]).update(status=ObligationStatus.EXCEPTED)
    check("exception approved")
    Obligation.objects.filter(employee=people[1]).update(department_id=org["other"].pk)
    check("moved to another department")
    Obligation.objects.filter(employee=people[4]).update(closed_at=timezone.now(), close_reason="terminated")
    check("closed (terminated)")
    Obligation.objects.filter(employee=people[4]).update(closed_at=None, close_reason="")
    check("reopened")
    Obligation.objects.filter(status=ObligationStatus.PENDING).update(satisfied_by=None)
    check("update touching no dimension")
    Obligation.objects.filter(employee__in=people[2:4]).delete()
    check("delete")
    assert ObligationCount.objects.exclude(count=0).exists()
    assert len(checks) == 9


def test_rebuild_equals_incremental_counts(org):
    rebuild_obligation_counts(day=TODAY)
    people, rules = org["people"], org["rules"]
    publish(people, rules, due_on=TODAY - datetime.timedelta(days=1))
    Obligation.objects.filter(employee__in=people[:3]).update(status=ObligationStatus.COMPLIANT)
    Obligation.objects.filter(employee=people[3]).delete()
    incremental = kept_counts()
    assert incremental
    rebuild_obligation_counts(day=TODAY)
    assert kept_counts() == incremental == live_counts(TODAY)


def test_rebuild_for_a_new_day_moves_obligations_due_yesterday_to_overdue(org):
    rebuild_obligation_counts(day=TODAY)
    publish(org["people"], org["rules"][:1], due_on=TODAY)

    def overdue():
        return sum(ObligationCount.objects.filter(overdue=True).values_list("count", flat=True))

    assert overdue() == 0
    tomorrow = TODAY + datetime.timedelta(days=1)
    rebuild_obligation_counts(day=tomorrow)
    assert ObligationCountState.objects.get().as_of == tomorrow
    assert overdue() == len(org["people"])
    assert kept_counts() == live_counts(tomorrow)
    # Writes after the rebuild count overdue for the counts' day.
    Obligation.objects.filter(employee=org["people"][0]).update(due_on=TODAY - datetime.timedelta(days=3))
    assert kept_counts() == live_counts(tomorrow)


def _figures_of(filters, day):
    """Every figure the summary and breakdowns give, as plain data, and whether the counts
    table was read."""
    with CaptureQueriesContext(connection) as queries:
        summary = compliance.summary(filters, today=day)
        result = compliance.overview(filters, today=day)
    used_counts = all(
        "governance_obligationcount" in q["sql"] for q in queries.captured_queries if "obligation" in q["sql"]
    )
    return (
        {
            "summary": summary.as_dict(),
            "overview_summary": result.summary.as_dict(),
            "platforms": [(f.extra["id"], f.extra["name"], f.as_dict()) for f in result.platforms],
            "departments": [(f.extra["key"], f.extra["name"], f.as_dict()) for f in result.departments],
            "cells": {key: f.as_dict() for key, f in result.heat_map["cells"].items()},
        },
        used_counts,
    )


def test_selectors_give_the_same_figures_from_the_counts_and_live(org):
    people, rules = org["people"], org["rules"]
    publish(people, rules, due_on=TODAY - datetime.timedelta(days=1))
    publish(people, [org["later_rule"]], due_on=TODAY + datetime.timedelta(days=5))
    Obligation.objects.filter(employee__in=people[:2], rule=rules[0]).update(status=ObligationStatus.COMPLIANT)
    Obligation.objects.filter(employee=people[2], rule=rules[1]).update(status=ObligationStatus.NONCOMPLIANT)
    Obligation.objects.filter(employee=people[3], rule=rules[2]).update(status=ObligationStatus.EXCEPTED)
    Obligation.objects.filter(employee=people[5], rule=rules[0]).update(status=ObligationStatus.NOT_USED)
    rebuild_obligation_counts(day=TODAY)
    base = ComplianceFilters()
    cases = [
        base,
        replace(base, department=org["top"]),
        replace(base, department=org["top"], department_direct_only=True),
        replace(base, department=org["sub"]),
        replace(base, no_department=True),
        replace(base, platform_id=rules[0].platform_id),
        replace(base, policy_version_id=rules[0].version_id),
        replace(base, department=org["other"], platform_id=rules[1].platform_id, policy_version_id=rules[1].version_id),
    ]
    for filters in cases:
        from_counts, used = _figures_of(filters, TODAY)
        assert used, filters
        # The counts are for TODAY: the day after, the selectors must use the live aggregate.
        ObligationCountState.objects.update(as_of=TODAY - datetime.timedelta(days=1))
        live, used_live = _figures_of(filters, TODAY)
        ObligationCountState.objects.update(as_of=TODAY)
        assert not used_live, filters
        assert from_counts == live, filters
        assert from_counts["summary"]["total"] > 0, filters


def test_filters_about_people_use_the_live_aggregate(org):
    publish(org["people"], org["rules"], due_on=TODAY - datetime.timedelta(days=1))
    rebuild_obligation_counts(day=TODAY)
    for filters in (ComplianceFilters(country="DE"), ComplianceFilters(customer_data_only=True)):
        assert not compliance.counts_answer(filters)
        figures, used = _figures_of(filters, TODAY)
        assert not used
        expected = Obligation.objects.filter(closed_at__isnull=True)
        if filters.country:
            expected = expected.filter(employee__country="DE")
        else:
            expected = expected.filter(employee__handles_customer_data=True)
        assert figures["summary"]["total"] == expected.count()


def test_stale_counts_are_not_used_for_a_later_day(org):
    rebuild_obligation_counts(day=TODAY)
    publish(org["people"], org["rules"][:1], due_on=TODAY)
    tomorrow = TODAY + datetime.timedelta(days=1)
    # Without a rebuild the counts say nothing is overdue; for tomorrow everything is.
    assert compliance.summary(ComplianceFilters(), today=tomorrow).overdue == len(org["people"])
    assert compliance.summary(ComplianceFilters(), today=TODAY).overdue == 0
