"""The usage signals' retention: the daily job deletes signals of days more than
EXTENSION_SIGNAL_RETENTION_DAYS before the application's today, in bounded batches, and a
retention shorter than the officers' longest window is refused."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from browser_extension import checks, services, tasks
from browser_extension.models import UsageSignal
from governance.models import AuditEvent
from tests.clock import noon_on
from tests.factories import EmployeeFactory, PlatformFactory

TODAY = datetime.date(2027, 3, 10)
NOW = noon_on(TODAY)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]


@pytest.fixture
def signal():
    platform = PlatformFactory(slug="chat")
    people = iter(EmployeeFactory.create_batch(10))

    def make(days_ago):
        return UsageSignal.objects.create(
            employee=next(people),
            platform=platform,
            day=TODAY - datetime.timedelta(days=days_ago),
            first_reported_at=NOW,
            last_reported_at=NOW,
        )

    return make


def _days_ago():
    return sorted((TODAY - day).days for day in UsageSignal.objects.values_list("day", flat=True))


def test_the_daily_task_deletes_signals_older_than_the_retention_from_todays_date(settings, signal):
    settings.EXTENSION_SIGNAL_RETENTION_DAYS = 400
    for days in (0, 365, 400, 401, 900):
        signal(days)

    totals = tasks.purge_old_usage_signals.apply().get()  # no day: the application's today

    assert totals == {"deleted": 2, "batches": 1, "more": False, "kept_from": "2026-02-03"}
    assert _days_ago() == [0, 365, 400]  # a signal exactly 400 days old is kept
    event = AuditEvent.objects.get(action="extension.usage_signals_purged")
    assert event.actor_label == services.PURGE_LABEL
    assert event.after["retention_days"] == 400 and event.after["today"] == TODAY.isoformat()


def test_a_day_given_to_the_task_counts_from_that_day(settings, signal):
    settings.EXTENSION_SIGNAL_RETENTION_DAYS = 400
    signal(401)
    signal(402)
    later = (TODAY + datetime.timedelta(days=1)).isoformat()
    assert tasks.purge_old_usage_signals.apply(kwargs={"day": later}).get()["deleted"] == 2


def test_a_run_deletes_at_most_its_batches_and_the_next_run_the_rest(settings, signal):
    settings.EXTENSION_SIGNAL_RETENTION_DAYS = 365
    for days in range(500, 505):
        signal(days)
    signal(3)

    first = services.purge_usage_signals(today=TODAY, batch_size=2, max_batches=2)
    assert (first["deleted"], first["batches"], first["more"]) == (4, 2, True)
    second = services.purge_usage_signals(today=TODAY, batch_size=2, max_batches=2)
    assert (second["deleted"], second["more"]) == (1, False)
    assert _days_ago() == [3]


def test_a_second_run_on_the_same_day_deletes_nothing_and_logs_nothing(signal):
    signal(1000)
    assert services.purge_usage_signals(today=TODAY)["deleted"] == 1
    assert services.purge_usage_signals(today=TODAY)["deleted"] == 0
    assert AuditEvent.objects.filter(action="extension.usage_signals_purged").count() == 1


def test_a_run_reads_a_fixed_number_of_queries_per_batch(signal, django_assert_max_num_queries):
    for days in range(800, 806):
        signal(days)
    with django_assert_max_num_queries(3 * 2 + 1 + 3):  # per batch: ids, delete (+ savepoints); the audit
        assert services.purge_usage_signals(today=TODAY, batch_size=3)["deleted"] == 6


@pytest.mark.parametrize("days", [364, 0, -1, "400"])
def test_a_retention_shorter_than_the_officers_longest_window_is_refused(settings, signal, days):
    settings.EXTENSION_SIGNAL_RETENTION_DAYS = days
    signal(1000)
    with pytest.raises(ImproperlyConfigured, match="at least EXTENSION_USAGE_WINDOW_MAX_DAYS \\(365\\)"):
        services.purge_usage_signals(today=TODAY)
    assert UsageSignal.objects.count() == 1
    [error] = checks.signal_retention()
    assert error.id == "browser_extension.E001"


def test_the_default_retention_passes_the_check(settings):
    assert settings.EXTENSION_SIGNAL_RETENTION_DAYS == 400
    assert checks.signal_retention() == []


def test_the_command_runs_the_job_and_refuses_a_bad_date(signal, capsys):
    signal(401)
    call_command("purge_usage_signals")
    assert "Deleted 1 usage signal(s) of days before 2026-02-03 in 1 batch(es)." in capsys.readouterr().out
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("purge_usage_signals", "--date", "10/03/2027")
