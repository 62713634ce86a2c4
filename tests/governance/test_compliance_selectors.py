import datetime

import pytest
from django.utils import timezone

from governance.models import Attestation, AttestationAnswer, ObligationStatus
from governance.selectors import compliance
from governance.selectors.compliance import ComplianceFilters
from tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    ObligationFactory,
    PlatformSettingFactory,
    ToolRuleFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 29)


@pytest.fixture
def org():
    """Two departments (one with a sub-department), two tools, obligations in every state."""
    root_a, root_b = DepartmentFactory(name="A"), DepartmentFactory(name="B")
    sub_a = DepartmentFactory(name="A-sub", parent=root_a)
    rule_x, rule_y = ToolRuleFactory(), ToolRuleFactory()
    people = {
        "a1": EmployeeFactory(department=root_a, country="DE", handles_customer_data=True),
        "a2": EmployeeFactory(department=sub_a, country="FR", handles_customer_data=True),
        "b1": EmployeeFactory(department=root_b, country="DE"),
    }
    past, future = TODAY - datetime.timedelta(days=3), TODAY + datetime.timedelta(days=30)
    plan = [
        ("a1", rule_x, ObligationStatus.COMPLIANT, future),
        ("a1", rule_y, ObligationStatus.NOT_USED, future),
        ("a2", rule_x, ObligationStatus.PENDING, past),  # overdue
        ("a2", rule_y, ObligationStatus.EXCEPTED, future),
        ("b1", rule_x, ObligationStatus.NONCOMPLIANT, past),  # overdue
        ("b1", rule_y, ObligationStatus.PENDING, future),
    ]
    for person, rule, status, due in plan:
        ObligationFactory(employee=people[person], rule=rule, status=status, due_on=due)
    # A closed obligation never counts.
    ObligationFactory(
        employee=EmployeeFactory(department=root_a),
        rule=rule_x,
        closed_at=timezone.now(),
        close_reason="terminated",
    )
    return {"root_a": root_a, "root_b": root_b, "sub_a": sub_a, "x": rule_x, "y": rule_y, **people}


def test_summary_counts_every_open_obligation_by_status(org):
    figures = compliance.summary(ComplianceFilters(), today=TODAY)
    assert (figures.total, figures.compliant, figures.not_used, figures.excepted) == (6, 1, 1, 1)
    assert (figures.pending, figures.noncompliant, figures.overdue) == (2, 1, 2)
    assert figures.satisfied == 3
    assert figures.rate == 50.0


def test_department_filter_includes_sub_departments(org):
    figures = compliance.summary(ComplianceFilters(department=org["root_a"]), today=TODAY)
    assert figures.total == 4
    assert figures.overdue == 1


@pytest.mark.parametrize(
    ("filters", "expected_total"),
    [
        ({"country": "DE"}, 4),
        ({"customer_data_only": True}, 4),
        ({"country": "FR", "customer_data_only": True}, 2),
    ],
)
def test_filters_narrow_the_figures(org, filters, expected_total):
    assert compliance.summary(ComplianceFilters(**filters), today=TODAY).total == expected_total


def test_platform_filter(org):
    filters = ComplianceFilters(platform_id=org["x"].platform_id)
    assert compliance.summary(filters, today=TODAY).total == 3


def test_manager_filter_limits_to_the_subtree(org):
    boss = EmployeeFactory()
    report = EmployeeFactory(manager=boss, department=org["root_b"])
    ObligationFactory(employee=report, rule=org["x"], status=ObligationStatus.COMPLIANT)
    figures = compliance.summary(ComplianceFilters(manager=boss), today=TODAY)
    assert (figures.total, figures.compliant) == (1, 1)


def test_by_department_rolls_sub_departments_up(org):
    rows = {f.extra["name"]: f for f in compliance.by_department(ComplianceFilters(), today=TODAY)}
    assert set(rows) == {"A", "B"}
    assert rows["A"].total == 4
    assert rows["A"].satisfied == 3
    assert rows["B"].total == 2
    children = compliance.by_department(ComplianceFilters(department=org["root_a"]), today=TODAY)
    assert [(f.extra["name"], f.total) for f in children] == [("A-sub", 2)]


def test_by_platform_and_heat_map_agree_with_the_summary(org):
    platforms = compliance.by_platform(ComplianceFilters(), today=TODAY)
    assert sum(f.total for f in platforms) == 6
    heat = compliance.heat_map(ComplianceFilters(), today=TODAY)
    assert sum(cell.total for cell in heat["cells"].values()) == 6
    cell = heat["cells"][(org["x"].platform_id, org["root_a"].pk)]
    assert (cell.total, cell.compliant, cell.overdue) == (2, 1, 1)


def test_drill_down_lists_exactly_the_people_behind_a_figure(org):
    filters = ComplianceFilters()
    figures = compliance.summary(filters, today=TODAY)
    for bucket in ("compliant", "not_used", "excepted", "pending", "noncompliant", "overdue", "satisfied"):
        listed = compliance.obligations_in_bucket(filters, bucket=bucket, today=TODAY)
        assert listed.count() == getattr(figures, bucket)
    overdue_people = compliance.overdue_people(filters, today=TODAY)
    assert {p.pk for p in overdue_people} == {org["a2"].pk, org["b1"].pk}


def test_customer_data_coverage_counts_handlers_with_everything_done(org):
    coverage = compliance.customer_data_coverage(ComplianceFilters(), today=TODAY)
    # a1: compliant + not used (done); a2: pending + excepted (not done).
    assert coverage == {"handlers": 2, "fully_compliant": 1, "rate": 50.0}


def test_noncompliant_settings_counts_failing_answers(org):
    setting = PlatformSettingFactory(platform=org["x"].platform)
    obligation = org["b1"].obligations.get(rule=org["x"])
    record = Attestation.objects.create(
        employee=org["b1"],
        obligation=obligation,
        policy_version=obligation.policy_version,
        platform=obligation.platform,
        compliant=False,
        tool_used=True,
        statement="s",
        created_at=timezone.now(),
        prev_hash="0" * 64,
        hash="a" * 64,
    )
    AttestationAnswer.objects.create(
        attestation=record, setting=setting, revision=1, required_value="off", value="on", compliant=False
    )
    type(obligation).objects.filter(pk=obligation.pk).update(satisfied_by=record)
    rows = compliance.noncompliant_settings(ComplianceFilters())
    assert [(r["setting_id"], r["count"]) for r in rows] == [(setting.pk, 1)]


def test_filters_parse_from_url_params_and_back(org):
    filters = ComplianceFilters.from_params(
        {"department": str(org["root_a"].pk), "country": "de", "customer_data": "1"}
    )
    assert filters.department == org["root_a"]
    assert filters.country == "DE"
    assert filters.customer_data_only is True
    assert filters.as_params() == {"department": org["root_a"].pk, "country": "DE", "customer_data": "1"}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"department": "999999"}, "department"), ({"platform": "x"}, "platform"), ({"country": "Germany"}, "country")],
)
def test_bad_filter_params_are_refused_naming_the_field(params, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        ComplianceFilters.from_params(params)
    assert field in error.value.message_dict


def test_query_counts_do_not_grow_with_people(org, django_assert_num_queries):
    def run():
        filters = ComplianceFilters()
        compliance.summary(filters, today=TODAY)
        compliance.by_department(filters, today=TODAY)
        compliance.heat_map(filters, today=TODAY)
        compliance.customer_data_coverage(filters, today=TODAY)
        compliance.by_platform(filters, today=TODAY)

    with django_assert_num_queries(9):
        run()
    for _ in range(20):
        ObligationFactory(employee=EmployeeFactory(department=org["sub_a"]), rule=org["y"])
    with django_assert_num_queries(9):
        run()
