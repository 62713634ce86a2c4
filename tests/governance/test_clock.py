"""One clock: the application decides today and now (``timezone.localdate()``/``now()`` in
settings.TIME_ZONE) and passes them down; nothing in the database dates a business fact by the
server's calendar, and an organization far from UTC gets the maintained counts' fast path and
the same figures at every hour, including those when its date is not UTC's."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.utils import timezone

from attestations.models import ObligationStatus
from compliance import selectors as compliance
from compliance.models import ObligationCount, ObligationCountState
from compliance.selectors import ComplianceFilters
from compliance.selectors.figures import _figures
from compliance.services.rollups import advance_obligation_counts
from governance.schedules import align_with_time_zone
from tests.clock import noon_on
from tests.factories import EmployeeFactory, ObligationFactory, ToolRuleFactory

pytestmark = pytest.mark.django_db

SERVER_CLOCK = (
    "current_date",
    "current_time",
    "current_timestamp",
    "localtime",
    "now()",
    "statement_timestamp",
    "transaction_timestamp",
    "clock_timestamp",
    "timeofday",
)


@pytest.mark.postgres
def test_no_database_function_reads_the_servers_calendar():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.proname, lower(p.prosrc) FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
            WHERE n.nspname = current_schema() AND p.prolang IN (SELECT oid FROM pg_language WHERE lanname IN ('plpgsql', 'sql'))
            """
        )
        functions = dict(cursor.fetchall())
    assert "governance_obligation_count_apply" in functions and "governance_employee_count_facets" in functions
    reading = {name: [word for word in SERVER_CLOCK if word in source] for name, source in functions.items()}
    assert {name: words for name, words in reading.items() if words} == {}


@pytest.mark.postgres
def test_a_write_before_the_application_dated_the_counts_is_not_dated_by_the_server(time_machine):
    time_machine.move_to(noon_on(datetime.date(2031, 3, 3)), tick=False)
    ObligationCountState.objects.all().delete()
    obligation = ObligationFactory(status=ObligationStatus.PENDING, due_on=datetime.date(2031, 3, 1))
    assert not ObligationCount.objects.exists()  # nothing dated, nothing maintained

    advance_obligation_counts()  # the nightly job: no state yet, so a rebuild for the app's day

    assert ObligationCountState.objects.get().as_of == datetime.date(2031, 3, 3)
    counted = ObligationCount.objects.get(subtree=False, department_id=obligation.department_id)
    assert (counted.count, counted.overdue) == (1, True)


# (zone, local wall-clock instant where the local date differs from UTC's)
FAR_FROM_UTC = [
    ("America/Los_Angeles", datetime.datetime(2027, 2, 10, 20, 30)),  # 04:30 UTC on the 11th
    ("Pacific/Auckland", datetime.datetime(2027, 2, 11, 8, 15)),  # 19:15 UTC on the 10th
]


@pytest.fixture(params=FAR_FROM_UTC, ids=[zone for zone, _ in FAR_FROM_UTC])
def far_zone(request, settings, time_machine):
    zone, wall_clock = request.param
    settings.TIME_ZONE = zone
    instant = wall_clock.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    assert instant.astimezone(datetime.UTC).date() != wall_clock.date()
    time_machine.move_to(instant, tick=False)
    return wall_clock.date()


def test_today_is_the_organizations_date_not_utcs(far_zone):
    assert timezone.localdate() == far_zone
    assert timezone.now().date() != far_zone


@pytest.mark.postgres
def test_far_zones_get_the_fast_path_and_the_same_figures(far_zone, django_assert_num_queries):
    today = far_zone
    rule = ToolRuleFactory()
    people = EmployeeFactory.create_batch(3)
    ObligationFactory(employee=people[0], rule=rule, status=ObligationStatus.PENDING, due_on=today)
    ObligationFactory(
        employee=people[1], rule=rule, status=ObligationStatus.PENDING, due_on=today - datetime.timedelta(days=1)
    )
    ObligationFactory(
        employee=people[2], rule=rule, status=ObligationStatus.COMPLIANT, due_on=today + datetime.timedelta(days=90)
    )

    advance_obligation_counts()  # the nightly job at 00:05 in the organization's zone

    assert ObligationCountState.objects.get().as_of == today
    with django_assert_num_queries(1):  # the maintained counts answer: no live aggregate
        kept = compliance.summary(ComplianceFilters(), today=timezone.localdate())
    live = _figures(compliance.open_obligations(ComplianceFilters()).aggregate(**compliance.figure_aggregates(today)))
    assert kept.as_dict() == live.as_dict()
    assert (kept.total, kept.overdue, kept.compliant) == (3, 1, 1)


def test_the_jobs_fire_on_the_organizations_clock(settings):
    from django_celery_beat.models import PeriodicTask

    settings.TIME_ZONE = "Pacific/Auckland"
    align_with_time_zone()

    nightly = PeriodicTask.objects.get(task="governance.rebuild_obligation_counts")
    assert (str(nightly.crontab.timezone), nightly.crontab.hour, nightly.crontab.minute) == (
        "Pacific/Auckland",
        "0",
        "5",
    )
    zones = {
        str(task.crontab.timezone)
        for task in PeriodicTask.objects.filter(task__startswith="governance.", crontab__isnull=False)
    }
    assert zones == {"Pacific/Auckland"}
