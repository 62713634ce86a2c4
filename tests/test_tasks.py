import datetime
import os
import time

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from attestations import tasks as attestation_tasks
from attestations.models import Obligation, ObligationStatus
from browser_extension import tasks as extension_tasks
from compliance import tasks as compliance_tasks
from compliance.models import ComplianceReport, ComplianceSnapshot
from governance.celery import app
from notifications import tasks as notification_tasks
from notifications.models import NotificationLog
from tests.clock import noon_on
from tests.factories import EmployeeFactory, ObligationFactory, PolicyVersionFactory, ToolRuleFactory

TODAY = datetime.date(2026, 11, 29)
NOW = noon_on(TODAY)  # the clock the module's tests run at (frozen below), passed down where they read it

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]


def _broker_url():
    """CELERY_TEST_BROKER_URL, on a Redis database of its own for each pytest-xdist process
    (gw0: the given number, gw1: one less, ...), so parallel runs never flush each other's queue."""
    base, number = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/14").rsplit("/", 1)
    process = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    return f"{base}/{int(number) - process}"


BROKER_URL = _broker_url()


@pytest.fixture
def due_org():
    rule = ToolRuleFactory(version=PolicyVersionFactory(reminder_offsets=[-7, 0], escalation_after_days=3))
    manager = EmployeeFactory()
    people = [EmployeeFactory(manager=manager, department=manager.department) for _ in range(3)]
    for person in people:
        ObligationFactory(employee=person, rule=rule, due_on=TODAY - datetime.timedelta(days=5))
    return {"rule": rule, "manager": manager, "people": people}


def test_beat_schedules_are_installed_and_point_at_registered_tasks():
    scheduled = dict(PeriodicTask.objects.filter(task__startswith="governance.").values_list("task", "crontab__hour"))

    assert set(scheduled) == {
        "governance.send_reminders",
        "governance.send_officer_summary",
        "governance.scheduled_report",
        "governance.snapshot_compliance",
        "governance.daily_maintenance",
        "governance.webhooks.retry_due",
        "governance.integrations.purge_idempotency_records",
        "governance.rebuild_obligation_counts",
        "governance.outbox.sweep",
        "governance.ledger_checkpoint",
        "governance.erase_expired_personal_data",
        "governance.purge_usage_signals",
    }
    assert extension_tasks.purge_old_usage_signals.name in scheduled
    assert all(name in app.tasks for name in scheduled)
    weekly = PeriodicTask.objects.filter(task__in=["governance.send_officer_summary", "governance.scheduled_report"])
    assert {task.crontab.day_of_week for task in weekly} == {"1"}


def test_tasks_retry_transient_errors_with_backoff_and_are_acknowledged_late(settings):
    from django.db import OperationalError

    for task in (
        notification_tasks.send_reminders,
        compliance_tasks.build_report_task,
        compliance_tasks.snapshot_compliance,
        attestation_tasks.daily_maintenance,
        attestation_tasks.erase_personal_data,
    ):
        assert OperationalError in task.autoretry_for and task.retry_backoff and task.max_retries == 5
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_ACCEPT_CONTENT == ["json"]


def test_send_reminders_task_sends_digests_and_escalations_once_per_day(due_org, mailoutbox):
    first = notification_tasks.send_reminders.delay(TODAY.isoformat()).get()
    second = notification_tasks.send_reminders.delay(TODAY.isoformat()).get()

    assert [(r["kind"], r["sent"]) for r in first] == [("reminder", 3), ("escalation", 1)]
    assert [r["sent"] for r in second] == [0, 0]
    assert len(mailoutbox) == 4


def test_daily_maintenance_sets_expired_exceptions_back_to_pending(due_org):
    person = due_org["people"][0]
    Obligation.objects.filter(employee=person).update(
        status=ObligationStatus.EXCEPTED, valid_until=TODAY - datetime.timedelta(days=1)
    )

    done = attestation_tasks.daily_maintenance.delay(TODAY.isoformat()).get()

    assert done["expire_exceptions"] == 1
    obligation = Obligation.objects.get(employee=person)
    assert (obligation.status, obligation.due_on) == (ObligationStatus.PENDING, TODAY)


def test_snapshot_task_writes_the_days_rows(due_org):
    assert compliance_tasks.snapshot_compliance.delay(TODAY.isoformat()).get() == {"rows": 1}
    assert ComplianceSnapshot.objects.get(day=TODAY).total == 3


def test_scheduled_report_task_starts_a_report_job_that_builds_it(due_org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = compliance_tasks.scheduled_report.delay().get()

    report = ComplianceReport.objects.select_related("job").get(pk=result["report"])
    assert result["job"] == report.job.pk and report.job.kind == "compliance.report"
    assert (report.status, report.trigger, report.requested_by_label) == ("done", "schedule", "Weekly schedule")


def test_the_old_build_report_task_still_builds_a_queued_report(due_org):
    from compliance.services.reports import create_report

    report = create_report(trigger=ComplianceReport.Trigger.MANUAL, requested_by_label="queued before jobs")

    result = compliance_tasks.build_report_task.delay(report.pk).get()
    again = compliance_tasks.build_report_task.delay(report.pk).get()

    report.refresh_from_db()
    assert result == again == {"report": report.pk, "job": report.job_id, "status": "done"}
    assert report.summary["csv_rows"] == 3


def test_send_reminders_command_runs_the_job_synchronously_and_is_idempotent(due_org, mailoutbox, capsys):
    call_command("send_reminders", date=TODAY.isoformat())
    call_command("send_reminders", date=TODAY.isoformat())

    out = capsys.readouterr().out
    assert "reminders: 3 due, 3 sent" in out and "reminders: 3 due, 0 sent" in out
    assert NotificationLog.objects.filter(state="sent").count() == 4
    assert len(mailoutbox) == 4


def test_send_reminders_command_rejects_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--date"):
        call_command("send_reminders", date="29/11/2026")


def test_build_report_command_builds_a_report_in_process(due_org, capsys):
    call_command("build_report")

    report = ComplianceReport.objects.get()
    assert report.status == "done" and report.summary["csv_rows"] == 3
    assert report.csv_sha256 in capsys.readouterr().out


def test_snapshot_command_writes_the_given_day(due_org, capsys):
    call_command("snapshot_compliance", date=TODAY.isoformat())

    assert ComplianceSnapshot.objects.filter(day=TODAY).count() == 1
    assert "1 snapshot rows written" in capsys.readouterr().out


# --- A real worker -------------------------------------------------------------------------


@pytest.fixture
def celery_worker():
    """A real Celery worker (solo pool, in a thread) consuming from Redis, with tasks sent
    through the broker instead of run in-process."""
    import redis
    from celery.contrib.testing.worker import start_worker

    redis.Redis.from_url(BROKER_URL).flushdb()
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "result_backend")}
    app.conf.update(broker_url=BROKER_URL, task_always_eager=False, result_backend=None)
    _forget_connections()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
            yield
    finally:
        app.conf.update(saved)
        _forget_connections()


def _forget_connections():
    """Drop broker connections and producers made with the previous broker URL."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.celery_worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_real_worker_on_redis_builds_a_requested_report_end_to_end(due_org, celery_worker):
    from compliance.services.reports import request_report

    report = request_report(trigger=ComplianceReport.Trigger.MANUAL, requested_by_label="worker test")

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in ("done", "failed"):
            break
        time.sleep(0.2)
    assert report.status == "done", report.error
    assert report.summary["overall"]["total"] == 3 and report.summary["csv_rows"] == 3
    assert report.csv_sha256 and report.pdf_sha256
