"""The maintained aggregates (PostgreSQL triggers + rebuilds, compliance.models.counts) and
the selectors that read them: every aggregate always equals the same figures computed here
independently from the rows, after every kind of write, and the selectors give the same
figures with and without them."""

import datetime
import time
from collections import Counter
from dataclasses import replace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attestations.models import Attestation, AttestationAnswer, Obligation, ObligationStatus
from compliance import selectors as compliance
from compliance.models import (
    ComplianceSnapshot,
    ComplianceSnapshotTotal,
    FailingSettingCount,
    ManagerObligationCount,
    ObligationCount,
    ObligationCountState,
    ObligationFacetCount,
    PeopleCount,
    PersonObligationCount,
)
from compliance.selectors import ComplianceFilters
from compliance.services.rollups import advance_obligation_counts, rebuild_obligation_counts, rebuild_snapshot_totals
from people.models import Department, Employee
from tests import scenario
from tests.clock import noon_on
from tests.connections import another_connection
from tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    PlatformFactory,
    PlatformSettingFactory,
    mark_in_force,
)

TODAY = datetime.date(2026, 11, 29)
NOW = noon_on(TODAY)  # the clock the module's tests run at (frozen below), passed down where they read it

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.time_machine(NOW, tick=True),
    pytest.mark.usefixtures("counts_dated_today"),
]
ACTION = ("pending", "noncompliant")


def scopes_of(department_id, paths):
    """The (department_id, subtree) scopes an obligation of ``department_id`` counts in: its
    own department's (0: none), and the subtree of the whole organization (0) and of every
    department whose path is a prefix of its department's."""
    yield (department_id or 0, False)
    yield (0, True)
    path = paths.get(department_id)
    if path:
        yield from ((other, True) for other, other_path in paths.items() if path.startswith(other_path))


def expected_aggregates(day):
    """Every obligation-derived aggregate, computed from the rows in plain Python."""
    paths = dict(Department.objects.values_list("id", "path"))
    people = {e.pk: e for e in Employee.objects.all()}
    failing = {}
    for answer in AttestationAnswer.objects.filter(compliant=False):
        failing.setdefault(answer.attestation_id, []).append(answer.setting_id)
    counts, facets, settings, per_person, per_manager = Counter(), Counter(), Counter(), {}, Counter()
    for o in Obligation.objects.filter(closed_at__isnull=True):
        overdue = o.status in ACTION and o.due_on < day
        manager_id = people[o.employee_id].manager_id or 0
        per_manager[(manager_id, o.department_id or 0, o.platform_id, o.policy_version_id, o.status, overdue)] += 1
        # Everyone over all tools; customer-data handlers per tool too.
        for platform_id in (0, o.platform_id) if people[o.employee_id].handles_customer_data else (0,):
            person = per_person.setdefault((o.employee_id, o.department_id or 0, platform_id), [0, 0])
            person[0] += 1
            person[1] += o.status in ACTION
        facet = (people[o.employee_id].country, people[o.employee_id].handles_customer_data)
        for scope in scopes_of(o.department_id, paths):
            counts[(*scope, o.platform_id, o.policy_version_id, o.status, overdue)] += 1
            facets[(*scope, o.platform_id, o.policy_version_id, o.status, overdue, *facet)] += 1
            if o.status == ObligationStatus.NONCOMPLIANT:
                for setting_id in failing.get(o.satisfied_by_id, []):
                    settings[(*scope, o.platform_id, o.policy_version_id, setting_id, *facet)] += 1
    people_counts = Counter()
    for (employee_id, department_id, platform_id), (open_count, to_do_count) in per_person.items():
        person = people[employee_id]
        key = (department_id, platform_id, person.country, person.handles_customer_data)
        people_counts[(*key, "people")] += open_count > 0
        people_counts[(*key, "to_do")] += to_do_count > 0
    return {
        "counts": dict(counts),
        "facet counts": dict(facets),
        "failing settings": dict(settings),
        "people counts": {key: n for key, n in people_counts.items() if n},
        "per person": {
            (employee_id, department_id, platform_id, people[employee_id].country)
            + (people[employee_id].handles_customer_data,): tuple(n)
            for (employee_id, department_id, platform_id), n in per_person.items()
        },
        "per manager": dict(per_manager),
    }


def kept_aggregates():
    """The maintained aggregates, without rows that went down to zero."""
    return {
        "counts": {
            (c.department_id, c.subtree, c.platform_id, c.policy_version_id, c.status, c.overdue): c.count
            for c in ObligationCount.objects.exclude(count=0)
        },
        "facet counts": {
            (c.department_id, c.subtree, c.platform_id, c.policy_version_id, c.status, c.overdue, c.country)
            + (c.customer_data,): c.count
            for c in ObligationFacetCount.objects.exclude(count=0)
        },
        "failing settings": {
            (c.department_id, c.subtree, c.platform_id, c.policy_version_id, c.setting_id, c.country)
            + (c.customer_data,): c.count
            for c in FailingSettingCount.objects.exclude(count=0)
        },
        "people counts": {
            (c.department_id, c.platform_id, c.country, c.customer_data, name): n
            for c in PeopleCount.objects.all()
            for name, n in (("people", c.people), ("to_do", c.to_do))
            if n
        },
        "per person": {
            (c.employee_id, c.department_id, c.platform_id, c.country, c.customer_data): (c.open_count, c.to_do_count)
            for c in PersonObligationCount.objects.exclude(open_count=0, to_do_count=0)
        },
        "per manager": {
            (c.manager_id, c.department_id, c.platform_id, c.policy_version_id, c.status, c.overdue): c.count
            for c in ManagerObligationCount.objects.exclude(count=0)
        },
    }


def assert_maintained(day, step):
    kept, expected = kept_aggregates(), expected_aggregates(day)
    for name in expected:
        assert kept[name] == expected[name], f"{step}: {name}"


def kept_counts():
    return kept_aggregates()["counts"]


@pytest.fixture
def org():
    """Two departments (one nested), a person without a department, every other person handling
    customer data, rules of two policies in force."""
    departments = ("top", "sub", "sub", "other", "other", None)
    org = scenario.build(
        today=TODAY,
        departments=[("top", "Top", None), ("sub", "Sub", "top"), ("other", "Other", None)],
        people={
            f"p{n}": {"department": department, "handles_customer_data": n % 2 == 0}
            for n, department in enumerate(departments)
        },
        rules={
            "first": {},
            "second": {"version__policy__slug": "second-policy", "version__policy__name": "Second policy"},
            "third": {"same_version_as": "first"},
            "later": {"same_version_as": "second"},
        },
    )
    rules = [org["first"], org["second"], org["third"]]
    mark_in_force(rules[0].version, rules[1].version)
    people = [org[f"p{n}"] for n in range(len(departments))]
    return {**org.departments, "people": people, "rules": rules, "later_rule": org["later"]}


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
            opened_at=NOW,
        )
        for person in people
        for rule in rules
    )


def attestation(obligation, *, failing=(), passing=(), answers_first=True):
    """A non-compliant attestation record of ``obligation`` answering the ``failing`` settings
    wrongly and the ``passing`` ones rightly, made the current one of the obligation; with
    ``answers_first=False`` the answers are written after the obligation points at it."""
    record = Attestation.objects.create(
        employee_id=obligation.employee_id,
        obligation=obligation,
        policy_version_id=obligation.policy_version_id,
        platform_id=obligation.platform_id,
        compliant=False,
        tool_used=True,
        statement="s",
        created_at=NOW,
        prev_hash=f"{obligation.pk:064d}",
        hash=f"{obligation.pk:063d}h",
    )

    def answer():
        AttestationAnswer.objects.bulk_create(
            AttestationAnswer(
                attestation=record, setting=setting, revision=1, required_value="off", value=value, compliant=ok
            )
            for settings, value, ok in ((failing, "on", False), (passing, "off", True))
            for setting in settings
        )

    if answers_first:
        answer()
    Obligation.objects.filter(pk=obligation.pk).update(status=ObligationStatus.NONCOMPLIANT, satisfied_by=record)
    if not answers_first:
        answer()
    return record


def test_aggregates_follow_inserts_updates_closes_and_deletes(org):
    rebuild_obligation_counts(day=TODAY)
    people, rules = org["people"], org["rules"]
    settings = [PlatformSettingFactory(platform=rule.platform) for rule in rules[:2]]
    checks = []

    def check(step):
        checks.append(step)
        assert_maintained(TODAY, step)

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
        opened_at=NOW,
    )
    check("single insert due today (not overdue)")
    attested = Obligation.objects.filter(employee__in=people[:2], rule=rules[0])
    attested.update(status=ObligationStatus.COMPLIANT, due_on=TODAY + datetime.timedelta(days=180))
    Obligation.objects.filter(employee=people[2], rule=rules[1]).update(status=ObligationStatus.NONCOMPLIANT)
    Obligation.objects.filter(employee=people[3], rule=rules[0]).update(status=ObligationStatus.NOT_USED)
    check("attesting")
    attestation(Obligation.objects.get(employee=people[2], rule=rules[0]), failing=[settings[0]])
    attestation(Obligation.objects.get(employee=people[4], rule=rules[1]), failing=[settings[1]], answers_first=False)
    attestation(Obligation.objects.get(employee=people[5], rule=rules[1]), passing=[settings[1]])
    check("non-compliant attestations with failing answers")
    whole_organization = (0, True, rules[0].platform_id, rules[0].version_id, settings[0].pk)
    assert sum(n for key, n in kept_aggregates()["failing settings"].items() if key[:5] == whole_organization) == 1
    Obligation.objects.filter(employee=people[2], rule=rules[0]).update(status=ObligationStatus.COMPLIANT)
    check("attested again, compliant")
    Obligation.objects.filter(employee=people[5], rule=rules[1]).update(status=ObligationStatus.EXCEPTED)
    check("exception approved")
    Obligation.objects.filter(employee=people[1]).update(department_id=org["other"].pk)
    check("moved to another department")
    Obligation.objects.filter(employee=people[4]).update(closed_at=NOW, close_reason="terminated")
    check("closed (terminated)")
    Obligation.objects.filter(employee=people[4]).update(closed_at=None, close_reason="")
    check("reopened")
    Obligation.objects.filter(status=ObligationStatus.PENDING).update(last_attested_at=NOW)
    check("update touching no dimension")
    Obligation.objects.filter(employee__in=people[3:4]).delete()
    check("delete")
    assert all(kept_aggregates().values())
    assert len(checks) == 11


def test_moving_a_department_moves_its_subtree_counts(org):
    from people.services.paths import move_department

    people, rules = org["people"], org["rules"]
    publish(people, rules[:2], due_on=TODAY - datetime.timedelta(days=1))
    attestation(Obligation.objects.get(employee=people[1], rule=rules[0]), failing=[PlatformSettingFactory()])
    rebuild_obligation_counts(day=TODAY)
    move_department(department=org["sub"], parent=org["other"])
    assert_maintained(TODAY, "moved under another parent")
    sub_in_other = (org["other"].pk, True, rules[0].platform_id, rules[0].version_id, "noncompliant", True)
    assert kept_counts()[sub_in_other] == 1
    move_department(department=org["sub"], parent=None)
    assert_maintained(TODAY, "moved to the top level")
    DepartmentFactory(name="New", parent=org["sub"])
    assert_maintained(TODAY, "new sub-department")


def test_counts_follow_a_persons_country_and_customer_data_flag(org):
    people, rules = org["people"], org["rules"]
    Employee.objects.filter(pk__in=[p.pk for p in people]).update(handles_customer_data=False, country="DE")
    Employee.objects.filter(pk__in=[p.pk for p in people[2:]]).update(handles_customer_data=True)
    publish(people, rules[:2], due_on=TODAY + datetime.timedelta(days=1))
    attestation(Obligation.objects.get(employee=people[3], rule=rules[0]), failing=[PlatformSettingFactory()])
    assert_maintained(TODAY, "published")
    Employee.objects.filter(pk=people[0].pk).update(country="JP", handles_customer_data=True)
    assert_maintained(TODAY, "became a handler, moved country")
    person = Employee.objects.get(pk=people[3].pk)
    person.country, person.handles_customer_data = "BR", False
    person.save()
    assert_maintained(TODAY, "no longer a handler, moved country")
    Employee.objects.filter(pk=people[4].pk).update(country="FR")
    assert_maintained(TODAY, "a handler moved country")
    Employee.objects.filter(pk__in=[p.pk for p in people]).update(full_name="Renamed")
    assert_maintained(TODAY, "nothing counted changed")
    handler_rows = PersonObligationCount.objects.filter(customer_data=True)
    assert set(handler_rows.values_list("employee_id", "platform_id", "country")) == {
        (person.pk, platform_id, country)
        for person, country in ((people[0], "JP"), (people[2], "DE"), (people[4], "FR"), (people[5], "DE"))
        for platform_id in (0, rules[0].platform_id, rules[1].platform_id)
    }
    others = PersonObligationCount.objects.filter(customer_data=False)
    assert set(others.values_list("employee_id", "platform_id", "country")) == {
        (people[1].pk, 0, people[1].country),
        (people[3].pk, 0, "BR"),
    }


def test_one_bulk_update_of_changed_and_unchanged_people_keeps_every_aggregate_exact(org):
    """The employee trigger pairs old and new rows by grouping, not by joining them: a
    statement touching people whose country or flag changes (both, one, back and forth) and
    people whose counted values stay (a reporting path, a name) equals a recount."""
    people, rules = org["people"], org["rules"]
    publish(people, rules[:2], due_on=TODAY - datetime.timedelta(days=1))
    for person in people[1::2]:
        attestation(Obligation.objects.get(employee=person, rule=rules[0]), failing=[PlatformSettingFactory()])
    assert_maintained(TODAY, "published")
    ids = [p.pk for p in people]
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE governance_employee SET
                country = CASE WHEN id %% 3 = 0 THEN 'JP' ELSE country END,
                handles_customer_data = CASE WHEN id %% 2 = 0 THEN NOT handles_customer_data
                    ELSE handles_customer_data END,
                reporting_path = '/' || id || '/', full_name = full_name || ' (moved)'
            WHERE id = ANY(%s)""",
            [ids],
        )
    assert_maintained(TODAY, "one statement: some moved country, some flipped the flag, some neither")
    Employee.objects.filter(pk__in=ids).update(reporting_path="/")
    assert_maintained(TODAY, "only reporting paths changed")
    Employee.objects.filter(pk__in=ids[:3]).update(country="US", handles_customer_data=True)
    Employee.objects.filter(pk__in=ids).update(country="US")
    assert_maintained(TODAY, "a country set on everyone, half of whom had it already")


def test_mixed_writes_keep_every_aggregate_equal_to_a_recount(org):
    """Departments move, people change department (their obligations follow), statuses change
    in bulk, and bulk updates touch rows whose counted values stay: after each, every
    maintained aggregate equals a recount from the rows."""
    from attestations.services.obligations import rescope_employees
    from people.services.paths import move_department

    people, rules = org["people"], org["rules"]
    publish(people, rules, due_on=TODAY + datetime.timedelta(days=2))
    attestation(Obligation.objects.get(employee=people[2], rule=rules[0]), failing=[PlatformSettingFactory()])
    rebuild_obligation_counts(day=TODAY)
    move_department(department=org["sub"], parent=org["other"])
    assert_maintained(TODAY, "a department moved")
    Department.objects.update(name="Renamed")
    assert_maintained(TODAY, "every department renamed, none moved")
    Employee.objects.filter(pk__in=[people[0].pk, people[3].pk]).update(department=org["sub"])
    rescope_employees(employee_ids=[people[0].pk, people[3].pk], today=TODAY)
    assert_maintained(TODAY, "two people changed department")
    open_ = Obligation.objects.filter(closed_at__isnull=True)
    open_.filter(employee__in=people[:3]).update(status=ObligationStatus.COMPLIANT)
    open_.filter(employee__in=people[3:]).update(due_on=TODAY - datetime.timedelta(days=1))
    assert_maintained(TODAY, "statuses and due dates changed in bulk")
    open_.update(status=ObligationStatus.PENDING)
    open_.filter(status=ObligationStatus.PENDING).update(opened_at=NOW)
    assert_maintained(TODAY, "every obligation pending, then a bulk update changing nothing counted")
    move_department(department=org["sub"], parent=None)
    Employee.objects.filter(pk=people[1].pk).update(department=None, country="BR")
    rescope_employees(employee_ids=[people[1].pk], today=TODAY)
    assert_maintained(TODAY, "moved back, a person left every department and moved country")


def test_rebuild_equals_incremental_aggregates(org):
    rebuild_obligation_counts(day=TODAY)
    people, rules = org["people"], org["rules"]
    publish(people, rules, due_on=TODAY - datetime.timedelta(days=1))
    Obligation.objects.filter(employee__in=people[:3]).update(status=ObligationStatus.COMPLIANT)
    attestation(Obligation.objects.get(employee=people[4], rule=rules[0]), failing=[PlatformSettingFactory()])
    Obligation.objects.filter(employee=people[3]).delete()
    incremental = kept_aggregates()
    assert all(incremental.values())
    rebuild_obligation_counts(day=TODAY)
    assert kept_aggregates() == incremental
    assert_maintained(TODAY, "rebuilt")


def test_rebuild_for_a_new_day_moves_obligations_due_yesterday_to_overdue(org):
    rebuild_obligation_counts(day=TODAY)
    publish(org["people"], org["rules"][:1], due_on=TODAY)

    def overdue():
        return sum(ObligationCount.objects.filter(overdue=True, subtree=False).values_list("count", flat=True))

    assert overdue() == 0
    tomorrow = TODAY + datetime.timedelta(days=1)
    rebuild_obligation_counts(day=tomorrow)
    assert ObligationCountState.objects.get().as_of == tomorrow
    assert overdue() == len(org["people"])
    assert_maintained(tomorrow, "rebuilt for tomorrow")
    # Writes after the rebuild count overdue for the counts' day.
    Obligation.objects.filter(employee=org["people"][0]).update(due_on=TODAY - datetime.timedelta(days=3))
    assert_maintained(tomorrow, "written after the rebuild")


def test_advancing_the_counts_to_another_day_equals_a_rebuild_for_that_day(org):
    people, rules = org["people"], org["rules"]
    for days, person in zip((-2, 0, 1, 2, 5, 1), people, strict=True):
        publish([person], rules[:2], due_on=TODAY + datetime.timedelta(days=days))
    Obligation.objects.filter(employee=people[3], rule=rules[0]).update(status=ObligationStatus.NONCOMPLIANT)
    Obligation.objects.filter(employee=people[5], rule=rules[1]).update(status=ObligationStatus.COMPLIANT)
    rebuild_obligation_counts(day=TODAY)
    for day in (
        TODAY + datetime.timedelta(days=3),
        TODAY + datetime.timedelta(days=1),
        TODAY - datetime.timedelta(days=4),
    ):
        assert advance_obligation_counts(day=day) == day
        assert ObligationCountState.objects.get().as_of == day
        assert_maintained(day, f"advanced to {day}")
    assert advance_obligation_counts(day=TODAY) == TODAY
    assert_maintained(TODAY, "back to today")
    assert any(key[5] for key in kept_counts())


def _figures_of(filters, day):
    """Every figure the summary and breakdowns give, as plain data, and whether the counts
    table was read."""
    with CaptureQueriesContext(connection) as queries:
        summary = compliance.summary(filters, today=day)
        result = compliance.overview(filters, today=day)
    counts = ("governance_obligationcount", "governance_obligationfacetcount", "compliance_managerobligationcount")
    used_counts = all(
        any(table in q["sql"] for table in counts) for q in queries.captured_queries if "obligation" in q["sql"]
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
    Employee.objects.filter(pk__in=[p.pk for p in people[::2]]).update(handles_customer_data=True, country="FR")
    Employee.objects.filter(pk__in=[p.pk for p in people[1::2]]).update(country="DE")
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
        replace(base, country="DE"),
        replace(base, customer_data_only=True),
        replace(base, department=org["top"], country="FR", customer_data_only=True),
        replace(base, platform_id=rules[0].platform_id, customer_data_only=True),
    ]
    for filters in cases:
        from_counts, used = _figures_of(filters, TODAY)
        assert used, filters
        # The counts are for TODAY: the day after, the selectors must use the live aggregate.
        live, used_live = _live_figures_of(filters)
        assert not used_live, filters
        assert from_counts == live, filters
        assert from_counts["summary"]["total"] > 0, filters


def _live_figures_of(filters):
    """_figures_of with the counts dated yesterday, so that the selectors answer from the live
    aggregate; the counts are dated today again after."""
    ObligationCountState.objects.update(as_of=TODAY - datetime.timedelta(days=1))
    try:
        return _figures_of(filters, TODAY)
    finally:
        ObligationCountState.objects.update(as_of=TODAY)


def _team_filters(team, org, *, direct):
    """A manager's team and the same team narrowed by each kind of filter the counts answer."""
    rules = org["rules"]
    return (
        team,
        replace(team, department=org["top"]),
        replace(team, department=direct, department_direct_only=True),
        replace(team, no_department=True),
        replace(team, platform_id=rules[0].platform_id),
        replace(team, policy_version_id=rules[1].version_id),
    )


def _team_scenario(org):
    """Reporting lines (:func:`_reporting_lines`) and obligations in several states for them."""
    people, rules = org["people"], org["rules"]
    _reporting_lines(people)
    publish(people, rules, due_on=TODAY - datetime.timedelta(days=1))
    publish(people[3:], [org["later_rule"]], due_on=TODAY + datetime.timedelta(days=5))
    Obligation.objects.filter(employee__in=people[1:3], rule=rules[0]).update(status=ObligationStatus.COMPLIANT)
    Obligation.objects.filter(employee=people[3], rule=rules[1]).update(status=ObligationStatus.NONCOMPLIANT)


def _reporting_lines(people):
    """p0 manages p1 and p2, p1 manages p3, p3 manages p5; p4 has no manager."""
    from people.services.paths import set_manager

    for report, manager in ((1, 0), (2, 0), (3, 1), (5, 3)):
        set_manager(
            employee=Employee.objects.get(pk=people[report].pk), manager=Employee.objects.get(pk=people[manager].pk)
        )


def test_a_managers_team_reads_the_managers_counts_and_equals_the_live_aggregate(org):
    from people.services.paths import set_manager

    people, rules = org["people"], org["rules"]
    _team_scenario(org)
    Obligation.objects.filter(employee=people[5], rule=rules[2]).update(status=ObligationStatus.EXCEPTED)
    rebuild_obligation_counts(day=TODAY)

    def compare(step):
        for manager in (people[0], people[1], people[3]):
            team = ComplianceFilters(manager=Employee.objects.get(pk=manager.pk))
            for filters in _team_filters(team, org, direct=org["top"]):
                assert compliance.team_counts(filters, today=TODAY) is not None
                from_counts, used = _figures_of(filters, TODAY)
                live, used_live = _live_figures_of(filters)
                assert not used_live, (step, filters)
                assert from_counts == live, (step, filters)
                assert used or not from_counts["summary"]["total"], (step, filters)
        below = Employee.objects.filter(reporting_path__startswith=Employee.objects.get(pk=people[0].pk).subtree_prefix)
        team = ComplianceFilters(manager=Employee.objects.get(pk=people[0].pk))
        assert compliance.summary(team, today=TODAY).total == Obligation.objects.filter(employee__in=below).count() > 0

    compare("reporting lines set")
    # A change of manager near the top (p1 and everyone below now report to p4).
    set_manager(employee=Employee.objects.get(pk=people[1].pk), manager=Employee.objects.get(pk=people[4].pk))
    assert_maintained(TODAY, "a manager changed")
    compare("p1's subtree moved under p4")
    set_manager(employee=Employee.objects.get(pk=people[5].pk), manager=None)
    assert_maintained(TODAY, "a report without a manager")
    compare("p5 without a manager")
    filters = ComplianceFilters(manager=Employee.objects.get(pk=people[0].pk), country="DE")
    assert compliance.team_counts(filters, today=TODAY) is None  # not kept per country: live


def _coverage_of_the_rows(manager):
    """customer_data_coverage's figure recounted from the obligations of the manager's team."""
    team = Employee.objects.filter(reporting_path__startswith=manager.subtree_prefix, handles_customer_data=True)
    handlers = set(Obligation.objects.open().filter(employee__in=team).values_list("employee_id", flat=True))
    to_do = set(
        Obligation.objects.open()
        .filter(employee__in=team, status__in=[ObligationStatus.PENDING, ObligationStatus.NONCOMPLIANT])
        .values_list("employee_id", flat=True)
    )
    return len(handlers), len(handlers - to_do)


def test_the_head_of_the_organization_reads_the_organizations_counts_minus_the_people_without_a_manager(org):
    from compliance.selectors.counts import heads_whole_organization
    from people.services.paths import set_manager

    people, rules = org["people"], org["rules"]
    _team_scenario(org)  # p0 heads everyone but p4, who has no manager and no reports
    Obligation.objects.filter(employee=people[4], rule=rules[1]).update(status=ObligationStatus.COMPLIANT)
    rebuild_obligation_counts(day=TODAY)

    def head():
        return Employee.objects.get(pk=people[0].pk)

    def compare(step, *, whole):
        assert heads_whole_organization(head()) is whole, step
        team = ComplianceFilters(manager=head())
        for filters in _team_filters(team, org, direct=org["sub"]):
            with CaptureQueriesContext(connection) as queries:
                from_counts, used = _figures_of(filters, TODAY)
            scans_paths = any("reporting_path" in q["sql"] for q in queries.captured_queries)
            assert scans_paths is not whole, (step, filters)  # the head's figures read no reporting path
            live, _ = _live_figures_of(filters)
            assert from_counts == live, (step, filters)
            assert used or not from_counts["summary"]["total"], (step, filters)
        handlers, fully = _coverage_of_the_rows(head())
        with CaptureQueriesContext(connection) as queries:
            coverage = compliance.customer_data_coverage(team, today=TODAY)
        assert any("reporting_path" in q["sql"] for q in queries.captured_queries) is not whole, step
        assert (coverage["handlers"], coverage["fully_compliant"]) == (handlers, fully) != (0, 0), step
        below = Employee.objects.filter(reporting_path__startswith=head().subtree_prefix)
        assert compliance.summary(team, today=TODAY).total == Obligation.objects.filter(employee__in=below).count()

    compare("one head", whole=True)
    # Someone else without a manager gets a report: p0 no longer heads everyone with a manager.
    set_manager(employee=Employee.objects.get(pk=people[5].pk), manager=Employee.objects.get(pk=people[4].pk))
    compare("a second head", whole=False)
    set_manager(employee=Employee.objects.get(pk=people[5].pk), manager=Employee.objects.get(pk=people[3].pk))
    compare("one head again", whole=True)


def test_manager_counts_follow_bulk_changes_of_manager(org):
    people, rules = org["people"], org["rules"]
    _reporting_lines(people)
    publish(people, rules[:2], due_on=TODAY + datetime.timedelta(days=1))
    assert_maintained(TODAY, "published")
    ids = [p.pk for p in people]
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE governance_employee SET
                manager_id = CASE WHEN id = %s THEN %s WHEN id = %s THEN NULL ELSE manager_id END,
                country = CASE WHEN id = %s THEN 'JP' ELSE country END
            WHERE id = ANY(%s)""",
            [ids[3], ids[4], ids[5], ids[3], ids],
        )
    assert_maintained(TODAY, "one statement: a manager changed, a manager removed, a country, the rest untouched")
    Employee.objects.filter(pk__in=ids[1:]).update(manager_id=ids[0])
    assert_maintained(TODAY, "everyone reports to p0")


def test_failing_settings_and_people_fully_compliant_equal_the_rows(org):
    people, rules = org["people"], org["rules"]
    Employee.objects.filter(pk__in=[p.pk for p in people[::2]]).update(handles_customer_data=True, country="FR")
    publish(people, rules[:2], due_on=TODAY - datetime.timedelta(days=1))
    Obligation.objects.filter(employee__in=people[:2]).update(status=ObligationStatus.COMPLIANT)
    settings = [PlatformSettingFactory(platform=rule.platform) for rule in rules[:2]]
    for person, rule, failing in [(2, 0, [0]), (3, 1, [1]), (4, 0, [0]), (5, 1, [1])]:
        attestation(Obligation.objects.get(employee=people[person], rule=rules[rule]), failing=[settings[failing[0]]])
    base = ComplianceFilters()
    cases = [
        base,
        replace(base, department=org["top"]),
        replace(base, department=org["top"], department_direct_only=True),
        replace(base, no_department=True),
        replace(base, platform_id=rules[0].platform_id),
        replace(base, country="FR"),
        replace(base, customer_data_only=True),
        replace(base, department=org["other"], customer_data_only=True),
        replace(base, department=org["top"], platform_id=rules[1].platform_id, country="FR"),
    ]
    for filters in cases:
        obligations = compliance.open_obligations(filters)
        failing = Counter(
            answer.setting_id
            for answer in AttestationAnswer.objects.filter(compliant=False)
            for o in obligations.filter(status=ObligationStatus.NONCOMPLIANT, satisfied_by_id=answer.attestation_id)
        )
        with CaptureQueriesContext(connection) as queries:
            rows = compliance.noncompliant_settings(filters)
            coverage = compliance.customer_data_coverage(filters, today=TODAY)
        assert "governance_failingsettingcount" in queries[0]["sql"], filters
        assert "compliance_peoplecount" in queries[1]["sql"], filters  # asked first
        assert {r["setting_id"]: r["count"] for r in rows} == dict(failing), filters
        handlers = compliance.open_obligations(replace(filters, customer_data_only=True)).values("employee_id")
        to_do = handlers.filter(status__in=ACTION)
        handler_ids = set(handlers.values_list("employee_id", flat=True))
        fully = len(handler_ids - set(to_do.values_list("employee_id", flat=True)))
        assert (coverage["handlers"], coverage["fully_compliant"]) == (len(handler_ids), fully), filters
        listed = compliance.people_by_coverage(filters, fully_compliant=True, today=TODAY, handlers_only=True)
        assert set(listed.values_list("pk", flat=True)) == handler_ids - set(
            to_do.values_list("employee_id", flat=True)
        )
        # Everyone: the people with an open obligation inside the filters, and those with all done.
        theirs = compliance.open_obligations(filters)
        people_ids = set(theirs.values_list("employee_id", flat=True))
        done = people_ids - set(theirs.filter(status__in=ACTION).values_list("employee_id", flat=True))
        with CaptureQueriesContext(connection) as queries:
            everyone = compliance.people_coverage(filters, today=TODAY)
        counted = any("compliance_peoplecount" in q["sql"] for q in queries.captured_queries)
        assert counted is (not filters.platform_id or filters.customer_data_only), filters  # per tool: handlers only
        assert (everyone["people"], everyone["fully_compliant"]) == (len(people_ids), len(done)), filters
        for fully_compliant, expected in ((True, done), (False, people_ids - done)):
            listed = compliance.people_by_coverage(filters, fully_compliant=fully_compliant, today=TODAY)
            assert set(listed.values_list("pk", flat=True)) == expected, filters
    assert sum(compliance.customer_data_coverage(base, today=TODAY).values()) > 0
    everyone = compliance.people_coverage(base, today=TODAY)
    assert 0 < everyone["fully_compliant"] < everyone["people"]


def test_people_fully_compliant_on_a_tool_read_its_counts_unless_two_policies_govern_it():
    """Under a tool filter everyone's coverage (a team's too) comes from the tool's counts while
    one terms version governs the tool (one obligation per person); once a second policy's rule gives
    someone two obligations for it, from the obligations (the counts would count them twice)."""
    tool = PlatformFactory()
    second = {"version__policy__slug": "second-policy", "version__policy__name": "Second policy"}
    org = scenario.build(
        today=TODAY,
        departments=[("top", "Top", None)],
        people={f"p{n}": {"department": "top" if n % 2 else None} for n in range(4)},
        rules={"first": {"platform": tool}, "again": {**second, "platform": tool}},
    )
    mark_in_force(org["first"].version, org["again"].version)
    people = [org[f"p{n}"] for n in range(4)]
    from people.services.paths import set_manager

    for report in people[1:3]:
        set_manager(employee=Employee.objects.get(pk=report.pk), manager=Employee.objects.get(pk=people[0].pk))
    publish(people, [org["first"]], due_on=TODAY + datetime.timedelta(days=3))
    Obligation.objects.filter(employee__in=people[:2]).update(status=ObligationStatus.COMPLIANT)

    def coverage(filters):
        with CaptureQueriesContext(connection) as queries:
            figures = compliance.people_coverage(filters, today=TODAY)
        live = any('"governance_obligation"' in q["sql"] for q in queries.captured_queries)
        theirs = compliance.open_obligations(filters)
        people_ids = set(theirs.values_list("employee_id", flat=True))
        to_do = set(theirs.filter(status__in=ACTION).values_list("employee_id", flat=True))
        assert (figures["people"], figures["fully_compliant"]) == (len(people_ids), len(people_ids - to_do)), filters
        return figures["people"], figures["fully_compliant"], live

    everyone = ComplianceFilters(platform_id=tool.pk)
    assert coverage(everyone) == (4, 2, False)
    assert coverage(replace(everyone, department=org["top"])) == (2, 1, False)
    team = replace(everyone, manager=Employee.objects.get(pk=people[0].pk))  # p1 (done) and p2
    assert coverage(team) == (2, 1, False)
    publish(people[:1], [org["again"]], due_on=TODAY + datetime.timedelta(days=3))  # p0: done once, to do once
    assert coverage(everyone) == (4, 1, True)
    assert coverage(replace(everyone, department=org["top"])) == (2, 1, False)  # p0 has no department
    assert coverage(team) == (2, 1, False)  # nor is in their own team


def test_stale_counts_are_not_used_for_a_later_day(org):
    rebuild_obligation_counts(day=TODAY)
    publish(org["people"], org["rules"][:1], due_on=TODAY)
    tomorrow = TODAY + datetime.timedelta(days=1)
    # Without a rebuild the counts say nothing is overdue; for tomorrow everything is.
    assert compliance.summary(ComplianceFilters(), today=tomorrow).overdue == len(org["people"])
    assert compliance.summary(ComplianceFilters(), today=TODAY).overdue == 0


def test_the_services_writes_keep_every_aggregate_right(make_user):
    """Publish, attest (failing and passing), exception, expiry, a move with rescoping, a
    department move, a termination and a republish, through the services themselves."""
    from attestations.services import publishing
    from attestations.services.attest import attestation_statement, submit_attestation
    from attestations.services.exceptions import approve_exception, request_exception
    from attestations.services.obligations import expire_obligations, rescope_employees
    from people.services.hr import terminate_employee
    from people.services.paths import move_department
    from policies import services as policies
    from tests.attestations.builders import safe_answers, unsafe_answers
    from tests.factories import PlatformFactory, PolicyFactory, PolicyVersionFactory

    today = TODAY
    top, other = DepartmentFactory(name="Top"), DepartmentFactory(name="Other")
    sub = DepartmentFactory(name="Sub", parent=top)
    people = [
        EmployeeFactory(department=department, handles_customer_data=n % 2 == 0)
        for n, department in enumerate([top, sub, sub, other, other, None])
    ]
    tools = [PlatformFactory(slug=f"tool-{n}", name=f"Tool {n}") for n in range(2)]
    for tool in tools:
        PlatformSettingFactory(platform=tool, key="training", values=["on", "off"], safe_value="off")
    version = PolicyVersionFactory(policy=PolicyFactory(), number=1)
    for tool in tools:
        policies.add_rule(
            version=version, platform=tool, stance="approved", required=[(tool.settings.get(), None)], actor=None
        )
    rebuild_obligation_counts(day=today)
    publishing.publish_policy_version(version=version, actor=None)
    assert_maintained(today, "published")

    def attest(person, tool, answers):
        obligation = Obligation.objects.get(employee=person, platform=tool, closed_at__isnull=True)
        submit_attestation(
            obligation=obligation,
            answers=answers(obligation),
            tool_used=True,
            statement=attestation_statement(obligation),
            signature=person.full_name,
            actor=None,
        )
        return obligation

    attest(people[0], tools[0], unsafe_answers)
    attest(people[1], tools[0], unsafe_answers)
    attest(people[3], tools[1], safe_answers)
    assert_maintained(today, "attested")
    assert (
        sum(FailingSettingCount.objects.filter(department_id=top.pk, subtree=True).values_list("count", flat=True)) == 2
    )
    attest(people[1], tools[0], safe_answers)
    assert_maintained(today, "attested again, now compliant")
    obligation = Obligation.objects.get(employee=people[4], platform=tools[0])
    exception = request_exception(
        employee=people[4], obligation=obligation, reason="Customer demo", requested_days=30, actor=None
    )
    approve_exception(exception=exception, expires_on=today + datetime.timedelta(days=30), actor=None)
    assert_maintained(today, "exception approved")
    expire_obligations(today=today + datetime.timedelta(days=400))
    assert_maintained(today, "attestations expired")
    Employee.objects.filter(pk=people[2].pk).update(department=other, country="JP")
    rescope_employees(employee_ids=[people[2].pk])
    assert_maintained(today, "person moved and rescoped")
    move_department(department=sub, parent=other)
    assert_maintained(today, "department moved")
    terminate_employee(employee=Employee.objects.get(pk=people[5].pk))
    assert_maintained(today, "terminated")
    draft = policies.create_draft(policy=version.policy, actor=None)
    policies.remove_rule(rule=draft.rules.get(platform=tools[1]), actor=None)
    publishing.publish_policy_version(version=draft, actor=None)
    assert_maintained(today, "republished without one tool")
    assert all(kept_aggregates().values())


def expected_snapshot_totals():
    """ComplianceSnapshotTotal computed here: each snapshot row added to the whole organization
    and to every department whose path prefixes its department's, for all tools and its own."""
    paths = dict(Department.objects.values_list("id", "path"))
    names = ("total", "compliant", "not_used", "excepted", "pending", "noncompliant", "overdue")
    totals = {}
    for row in ComplianceSnapshot.objects.all():
        departments = [0]
        if row.department_id:
            path = paths[row.department_id]
            departments += [other for other, other_path in paths.items() if path.startswith(other_path)]
        for department_id in departments:
            for platform_id in (0, row.platform_id):
                sums = totals.setdefault((row.day, department_id, platform_id), [0] * len(names))
                for index, name in enumerate(names):
                    sums[index] += getattr(row, name)
    return {key: tuple(sums) for key, sums in totals.items()}


def kept_snapshot_totals():
    names = ("total", "compliant", "not_used", "excepted", "pending", "noncompliant", "overdue")
    return {
        (t.day, t.department_id, t.platform_id): tuple(getattr(t, n) for n in names)
        for t in ComplianceSnapshotTotal.objects.all()
    }


def test_snapshot_totals_follow_every_write_to_the_snapshots(org):
    from compliance.services.snapshots import snapshot_compliance

    people, rules = org["people"], org["rules"]
    publish(people, rules[:2], due_on=TODAY - datetime.timedelta(days=1))
    Obligation.objects.filter(employee__in=people[:3]).update(status=ObligationStatus.COMPLIANT)
    snapshot_compliance(day=TODAY)
    snapshot_compliance(day=TODAY)
    yesterday = TODAY - datetime.timedelta(days=1)
    ComplianceSnapshot.objects.bulk_create(
        ComplianceSnapshot(day=yesterday, department_id=row.department_id, platform_id=row.platform_id, total=9)
        for row in ComplianceSnapshot.objects.filter(day=TODAY)
    )
    assert kept_snapshot_totals() == expected_snapshot_totals()
    # Top and its sub-department, two tools each.
    assert kept_snapshot_totals()[(yesterday, org["top"].pk, 0)] == (36, 0, 0, 0, 0, 0, 0)
    ComplianceSnapshot.objects.filter(day=yesterday, department=org["sub"]).update(compliant=3, total=10)
    assert kept_snapshot_totals() == expected_snapshot_totals()
    ComplianceSnapshot.objects.filter(day=yesterday, department=org["other"]).delete()
    assert kept_snapshot_totals() == expected_snapshot_totals()
    ComplianceSnapshot.objects.filter(day=yesterday).delete()
    assert not ComplianceSnapshotTotal.objects.filter(day=yesterday).exists()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM governance_compliancesnapshottotal")
    assert rebuild_snapshot_totals() == len(expected_snapshot_totals())
    assert kept_snapshot_totals() == expected_snapshot_totals()


def test_trend_from_the_totals_equals_the_sum_of_the_snapshot_rows(org):
    x, y = org["rules"][0].platform_id, org["rules"][1].platform_id
    rows = [
        (2, org["sub"], x, 4, 1),
        (2, org["top"], y, 6, 3),
        (2, org["other"], x, 7, 7),
        (1, org["sub"], y, 5, 5),
        (1, None, x, 2, 0),
        (40, org["other"], x, 9, 9),
    ]
    ComplianceSnapshot.objects.bulk_create(
        ComplianceSnapshot(
            day=TODAY - datetime.timedelta(days=back),
            department=department,
            platform_id=platform,
            total=total,
            compliant=compliant,
        )
        for back, department, platform, total, compliant in rows
    )
    cases = [
        ComplianceFilters(),
        ComplianceFilters(department=org["top"]),
        ComplianceFilters(department=org["sub"], platform_id=y),
        ComplianceFilters(department=org["top"], department_direct_only=True),
        ComplianceFilters(no_department=True),
        ComplianceFilters(platform_id=x),
    ]
    for filters in cases:
        with CaptureQueriesContext(connection) as queries:
            points = compliance.trend(filters, days=30, today=TODAY)
        by_totals = not (filters.department_direct_only or filters.no_department)
        assert ("governance_compliancesnapshottotal" in queries[0]["sql"]) is by_totals, filters
        expected = Counter()
        for back, department, platform, total, _ in rows:
            path = department.path if department else None
            if back > 30 or (filters.platform_id and platform != filters.platform_id):
                continue
            if filters.no_department and department is not None:
                continue
            if filters.department_direct_only and department != filters.department:
                continue
            if filters.department and not (path or "").startswith(filters.department.path):
                continue
            expected[TODAY - datetime.timedelta(days=back)] += total
        assert [(p.extra["day"], p.total) for p in points] == sorted(expected.items()), filters


def _a_version_with_two_tools_changed():
    """Four people (two handlers) and three tools under a published version, and its draft with
    two tools' terms changed (one carried): (the draft, the rows its publish holds only at its end
    per table: the ended terms' ObligationCount, facet and manager rows and the person rows over
    all tools, and the filter of the ended terms' count rows). Everyone has done the changed
    tools, so the publish gives each of them two things to do again."""
    from attestations.services import publishing
    from policies import services as policies
    from tests.factories import PolicyFactory, PolicyVersionFactory

    for n in range(4):
        EmployeeFactory(department=DepartmentFactory(), handles_customer_data=n % 2 == 0)
    tools = [PlatformFactory(slug=f"tool-{n}", name=f"Tool {n}") for n in range(3)]
    for tool in tools:
        PlatformSettingFactory(platform=tool, key="training", values=["on", "off"], safe_value="off")
        PlatformSettingFactory(platform=tool, key="history", values=["on", "off"], safe_value="off")
    version = PolicyVersionFactory(policy=PolicyFactory(), number=1)
    for tool in tools:
        policies.add_rule(
            version=version,
            platform=tool,
            stance="approved",
            required=[(tool.settings.get(key="training"), None)],
            actor=None,
        )
    publishing.publish_policy_version(version=version, actor=None)
    # Everyone has done the tools whose terms change, so that the publish moves their person
    # rows (every obligation pending before and after would leave them as they are).
    Obligation.objects.filter(platform__in=tools[:2]).update(status=ObligationStatus.COMPLIANT)
    assert_maintained(TODAY, "published")
    draft = policies.create_draft(policy=version.policy, actor=None)
    for rule in draft.rules.filter(platform__in=tools[:2]):  # two tools changed, one carried
        policies.set_required_setting(rule=rule, setting=rule.platform.settings.get(key="history"), actor=None)
    ended = {"platform_id__in": [tool.pk for tool in tools[:2]], "policy_version_id": version.pk}
    held_at_the_end = {
        model._meta.db_table: list(model.objects.filter(**ended).values_list("pk", flat=True))
        for model in (ObligationCount, ObligationFacetCount, ManagerObligationCount)
    }
    held_at_the_end[PersonObligationCount._meta.db_table] = list(
        PersonObligationCount.objects.filter(platform_id=0, open_count__gt=0).values_list("pk", flat=True)
    )
    assert all(held_at_the_end.values())
    return draft, held_at_the_end, ended


@pytest.mark.django_db(transaction=True)
def test_a_publish_holds_the_count_rows_only_at_its_end(make_user):
    """Every signature updates its person's count row over all tools (platform 0) and the count
    rows of its tool and version. A publish rewriting obligations leaves every count row alone
    until its last statement, the person rows and those of the terms it ends alike: a second
    connection locks them, without waiting, between its rules; and every aggregate equals a
    recount after it (the ended terms' rows deleted whole, the new rules' counted once)."""
    from attestations.services import publishing

    draft, held_at_the_end, ended = _a_version_with_two_tools_changed()
    locked_between_rules = []
    with another_connection() as signature:

        def progress(done, total=100, step=""):
            if done:  # a rule's obligations are rewritten: the first is done
                for table, rows in held_at_the_end.items():
                    signature.execute(f"SELECT id FROM {table} WHERE id = ANY (%s) FOR UPDATE NOWAIT", [rows])
                locked_between_rules.append(done)
                signature.rollback()

        counts = publishing.publish_policy_version(version=draft, actor=None, progress=progress)
    assert counts["obligations_superseded"] == 8 and counts["obligations_created"] == 8
    assert locked_between_rules
    assert_maintained(TODAY, "republished with two tools changed")
    assert not ObligationFacetCount.objects.filter(**ended).exists()  # deleted, not left at zero
    assert PersonObligationCount.objects.filter(platform_id=0, to_do_count__gt=0).exists()


@pytest.mark.django_db(transaction=True)
def test_the_end_of_a_publish_takes_the_rows_every_signature_writes_last():
    """Of its end's statements, a publish writes the person rows and PeopleCount (which every
    signature, on any tool, writes too) last, so that signatures wait for it from then to its
    commit only: while its end waits on an ended terms' count row (held here by a second
    connection), a third one locks every person and PeopleCount row without waiting."""
    import threading

    from attestations.services import publishing

    draft, held_at_the_end, _ = _a_version_with_two_tools_changed()
    counts_table = ObligationCount._meta.db_table
    people_rows = list(PeopleCount.objects.values_list("pk", flat=True))
    person_rows = held_at_the_end[PersonObligationCount._meta.db_table]
    outcome = {}

    def publish():
        try:
            outcome["counts"] = publishing.publish_policy_version(version=draft, actor=None)
        except Exception as error:  # reported by the assertion below
            outcome["error"] = error
        finally:
            connection.close()

    with another_connection() as holder, another_connection() as signature:
        holder.execute(f"SELECT id FROM {counts_table} WHERE id = ANY (%s) FOR UPDATE", [held_at_the_end[counts_table]])
        publisher = threading.Thread(target=publish)
        publisher.start()
        waiting = False
        for _ in range(200):  # at most 10 s for the publish to reach its end and wait there
            waiting = signature.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE 'SELECT governance_apply_deferred_publish_counts%%')"
            ).fetchone()[0]
            signature.rollback()
            if waiting or not publisher.is_alive():
                break
            time.sleep(0.05)
        try:
            assert waiting, "the publish's end never waited on the held count row"
            signature.execute(
                "SELECT id FROM compliance_personobligationcount WHERE id = ANY (%s) FOR UPDATE NOWAIT", [person_rows]
            )
            signature.execute(
                "SELECT id FROM compliance_peoplecount WHERE id = ANY (%s) FOR UPDATE NOWAIT", [people_rows]
            )
        finally:
            signature.rollback()
            holder.rollback()
            publisher.join(timeout=30)
    assert "error" not in outcome, outcome
    assert outcome["counts"]["obligations_created"] == 8
    assert_maintained(TODAY, "republished while a signature held a count row")
