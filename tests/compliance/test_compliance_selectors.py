import datetime

import pytest

from attestations.models import ObligationStatus
from compliance import selectors as compliance
from compliance.selectors import ComplianceFilters
from tests import scenario
from tests.clock import noon_on
from tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    ObligationFactory,
    PlatformSettingFactory,
    ToolRuleFactory,
    failing_answer,
)

TODAY = datetime.date(2026, 11, 29)
NOW = noon_on(TODAY)  # the clock the module's tests run at (frozen below), passed down where they read it

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(NOW, tick=True),
    pytest.mark.usefixtures("counts_dated_today"),
]


def build_org():
    """Two departments (one with a sub-department), two tools, obligations in every state."""
    past, future = -3, 30
    return scenario.build(
        today=TODAY,
        departments=[("root_a", "A", None), ("root_b", "B", None), ("sub_a", "A-sub", "root_a")],
        rules={"x": {}, "y": {}},
        people={
            "a1": {"department": "root_a", "country": "DE", "handles_customer_data": True},
            "a2": {"department": "sub_a", "country": "FR", "handles_customer_data": True},
            "b1": {"department": "root_b", "country": "DE"},
        },
        obligations=[
            ("a1", "x", ObligationStatus.COMPLIANT, future),
            ("a1", "y", ObligationStatus.NOT_USED, future),
            ("a2", "x", ObligationStatus.PENDING, past),  # overdue
            ("a2", "y", ObligationStatus.EXCEPTED, future),
            ("b1", "x", ObligationStatus.NONCOMPLIANT, past),  # overdue
            ("b1", "y", ObligationStatus.PENDING, future),
        ],
        closed=[({"department": "root_a"}, "x", "terminated")],  # a closed obligation never counts
    ).as_dict()


# Read-only: built once for the module; each test gets the rows re-read.
module_org = scenario.once_per_module(build_org, today=TODAY)


@pytest.fixture
def org(module_org):
    return scenario.fresh(module_org)


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
    filters = ComplianceFilters(department=org["root_a"])
    children = compliance.by_department(filters, today=TODAY)
    assert [(f.extra["name"], f.total) for f in children] == [("A-sub", 2), ("A (direct members)", 2)]
    assert sum(f.total for f in children) == compliance.summary(filters, today=TODAY).total


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
    failing_answer(obligation, setting, at=NOW)
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
        compliance.people_coverage(filters, today=TODAY)
        compliance.by_platform(filters, today=TODAY)

    with django_assert_num_queries(8):
        run()
    for _ in range(20):
        ObligationFactory(employee=EmployeeFactory(department=org["sub_a"]), rule=org["y"])
    with django_assert_num_queries(8):
        run()


def test_overdue_people_top_list_ranks_by_oldest_overdue_obligation(org):
    # b1 gets an older overdue obligation: the oldest overdue obligation ranks first, and a
    # person with more but newer overdue obligations comes after.
    ObligationFactory(
        employee=org["b1"],
        rule=ToolRuleFactory(),
        status=ObligationStatus.PENDING,
        due_on=TODAY - datetime.timedelta(days=5),
    )
    late = EmployeeFactory(department=org["root_b"])
    for _ in range(3):
        ObligationFactory(
            employee=late,
            rule=ToolRuleFactory(),
            status=ObligationStatus.PENDING,
            due_on=TODAY - datetime.timedelta(days=1),
        )
    top = list(compliance.overdue_people(ComplianceFilters(), today=TODAY, limit=1))
    assert [(p.pk, p.overdue_count) for p in top] == [(org["b1"].pk, 2)]
    top_two = list(compliance.overdue_people(ComplianceFilters(), today=TODAY, limit=2))
    assert [p.pk for p in top_two] == [org["b1"].pk, org["a2"].pk]
    everyone = compliance.overdue_people(ComplianceFilters(), today=TODAY)
    assert [(p.pk, p.overdue_count) for p in everyone] == [(org["b1"].pk, 2), (org["a2"].pk, 1), (late.pk, 3)]
    narrowed = compliance.overdue_people(ComplianceFilters(department=org["root_b"]), today=TODAY, limit=5)
    assert [p.pk for p in narrowed] == [org["b1"].pk, late.pk]


def test_overview_answers_everything_from_one_group_by(org, django_assert_num_queries):
    with django_assert_num_queries(2):
        overview = compliance.overview(ComplianceFilters(), today=TODAY)
    assert overview.summary.as_dict() == compliance.summary(ComplianceFilters(), today=TODAY).as_dict()
    assert {f.extra["name"]: f.total for f in overview.departments} == {"A": 4, "B": 2}
    tree = compliance.department_tree()
    with django_assert_num_queries(1):
        compliance.overview(ComplianceFilters(), today=TODAY, tree=tree)


def test_overview_of_a_department_adds_its_direct_members_so_rows_add_up(org):
    overview = compliance.overview(ComplianceFilters(department=org["root_a"]), today=TODAY)
    rows = {f.extra["name"]: f for f in overview.departments}
    assert {name: f.total for name, f in rows.items()} == {"A-sub": 2, "A (direct members)": 2}
    assert sum(f.total for f in rows.values()) == overview.summary.total
    direct = rows["A (direct members)"].extra["params"]
    assert direct == {"department": org["root_a"].pk, "direct": "1"}
    narrowed = ComplianceFilters.from_params(direct)
    assert compliance.summary(narrowed, today=TODAY).total == 2
    assert {o.employee_id for o in compliance.obligations_in_bucket(narrowed, bucket="all", today=TODAY)} == {
        org["a1"].pk
    }


def test_people_without_a_department_get_their_own_row_and_filter(org):
    ObligationFactory(employee=EmployeeFactory(department=None), rule=org["x"], department=None)
    overview = compliance.overview(ComplianceFilters(), today=TODAY)
    rows = {f.extra["name"]: f for f in overview.departments}
    assert rows["No department"].total == 1
    assert sum(f.total for f in rows.values()) == overview.summary.total == 7
    filters = ComplianceFilters.from_params(rows["No department"].extra["params"])
    assert filters.no_department
    assert compliance.summary(filters, today=TODAY).total == 1


def test_a_single_root_with_every_obligation_shows_its_children(org):
    corp = DepartmentFactory(name="Corp")
    for department in (org["root_a"], org["root_b"]):
        department.parent = corp
        department.save()
    from people.services.paths import recompute_department_paths

    recompute_department_paths()
    overview = compliance.overview(ComplianceFilters(), today=TODAY)
    assert overview.focus["name"] == "Corp"
    assert [f.extra["name"] for f in overview.departments] == ["A", "B"]


def test_trend_sums_snapshots_per_day_and_honours_department_and_tool(org):
    from compliance.models import ComplianceSnapshot

    day1, day2 = TODAY - datetime.timedelta(days=2), TODAY - datetime.timedelta(days=1)
    x, y = org["x"].platform, org["y"].platform
    for day, department, platform, total, compliant in [
        (day1, org["sub_a"], x, 4, 1),
        (day1, org["root_b"], x, 6, 3),
        (day2, org["sub_a"], y, 5, 5),
        (TODAY - datetime.timedelta(days=40), org["root_b"], x, 9, 9),
    ]:
        ComplianceSnapshot.objects.create(
            day=day, department=department, platform=platform, total=total, compliant=compliant
        )
    points = compliance.trend(ComplianceFilters(), days=30, today=TODAY)
    assert [(p.extra["day"], p.total, p.compliant) for p in points] == [(day1, 10, 4), (day2, 5, 5)]
    in_a = compliance.trend(ComplianceFilters(department=org["root_a"]), days=30, today=TODAY)
    assert [p.total for p in in_a] == [4, 5]
    on_x = compliance.trend(ComplianceFilters(platform_id=x.pk), days=30, today=TODAY)
    assert [p.total for p in on_x] == [10]
    assert compliance.figures_on(points, day2).total == 5
    assert compliance.figures_on(points, TODAY) is None
    assert compliance.trend(ComplianceFilters(country="DE"), days=30, today=TODAY) is None


def test_open_exceptions_now_and_30_days_ago_are_reconstructed_from_dates(org):
    from django.utils import timezone as tz

    from attestations.models import PolicyException

    then = TODAY - datetime.timedelta(days=30)
    long_ago = tz.make_aware(datetime.datetime(2026, 9, 1))
    recently = tz.make_aware(datetime.datetime(2026, 11, 20))

    def exception(requested=long_ago, **fields):
        record = PolicyException.objects.create(employee=org["a1"], rule=ToolRuleFactory(), reason="r", **fields)
        PolicyException.objects.filter(pk=record.pk).update(requested_at=requested)
        return record

    exception(status="requested")  # open then and now
    exception(status="requested", requested=recently)  # open now only
    exception(status="approved", decided_at=long_ago, expires_on=TODAY + datetime.timedelta(days=5))  # both
    exception(status="approved", decided_at=long_ago, expires_on=TODAY - datetime.timedelta(days=5))  # then only
    exception(status="denied", decided_at=recently)  # was awaiting a decision then
    exception(status="denied", decided_at=long_ago)  # never
    counts = compliance.open_exception_counts(ComplianceFilters(), today=TODAY, then=then)
    assert counts == {"now": 3, "then": 4}
    overview = compliance.open_exceptions_overview(ComplianceFilters(), today=TODAY, then=then, limit=10)
    assert (overview["now"], overview["then"]) == (3, 4)
    assert len(overview["rows"]) == 3
    assert [row.status for row in overview["rows"]] == ["requested", "requested", "approved"]
    assert compliance.open_exception_count(ComplianceFilters(), today=TODAY) == 3
    empty = compliance.open_exceptions_overview(ComplianceFilters(country="JP"), today=TODAY, then=then)
    assert empty == {"now": 0, "then": 0, "rows": []}


def test_catalog_freshness_counts_stale_platforms_and_settings(org, settings):
    settings.CATALOG_STALE_AFTER_DAYS = 100
    platform = org["x"].platform
    platform.last_verified_on = TODAY - datetime.timedelta(days=101)
    platform.save()
    PlatformSettingFactory(platform=platform, last_verified_on=None)
    PlatformSettingFactory(platform=platform, last_verified_on=TODAY - datetime.timedelta(days=80))  # soon
    PlatformSettingFactory(platform=platform, last_verified_on=TODAY)
    freshness = compliance.catalog_freshness(today=TODAY)
    assert freshness["stale"] == 2
    assert freshness["stale_within_30_days"] == 1
    assert compliance.stale_catalog_count(today=TODAY) == 2
    from platforms.selectors import stale_catalog_count

    assert stale_catalog_count(TODAY) == 2  # the catalog's own figure agrees


def test_customer_data_handlers_lists_the_people_behind_the_coverage(org):
    def listed(**kwargs):
        return [p.pk for p in compliance.people_by_coverage(ComplianceFilters(), today=TODAY, **kwargs)]

    assert listed(fully_compliant=True, handlers_only=True) == [org["a1"].pk]
    assert listed(fully_compliant=False, handlers_only=True) == [org["a2"].pk]
    everyone = compliance.people_coverage(ComplianceFilters(), today=TODAY)
    assert everyone["people"] == len(listed(fully_compliant=True)) + len(listed(fully_compliant=False)) > 2
    assert everyone["fully_compliant"] == len(listed(fully_compliant=True))


def test_overdue_people_top_list_is_exact_when_the_scan_holds_too_few_people(org, monkeypatch):
    # With a scan of one row per listed person, b1's two oldest overdue obligations fill the
    # scan: the list must still find the second person (a2) through the full grouping.
    monkeypatch.setattr(compliance.breakdowns, "OVERDUE_SCAN_PER_PERSON", 1)
    for days in (6, 5):
        ObligationFactory(
            employee=org["b1"],
            rule=ToolRuleFactory(),
            status=ObligationStatus.PENDING,
            due_on=TODAY - datetime.timedelta(days=days),
        )
    top = list(compliance.overdue_people(ComplianceFilters(), today=TODAY, limit=2))
    assert [(p.pk, p.overdue_count) for p in top] == [(org["b1"].pk, 3), (org["a2"].pk, 1)]
