"""The outbox (issue 17): work and events commit with the change that causes them, reach the
workers after the commit, and survive a broker that is down or loses its messages.

The outage tests use a real Redis of their own (a ``redis-server`` process on a free loopback
port) and a real Celery worker: a closed port at the moment of the request, and Redis stopped
in the middle of a run (Redis keeps nothing on disk, so what it held is lost)."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery import shared_task
from django.db import transaction
from django.test import Client
from django.urls import reverse

from attestations.models import ObligationStatus
from compliance.models import ComplianceReport
from governance import outbox
from governance.models import OutboxMessage
from integrations.models import WebhookDelivery, WebhookEndpoint
from tests.attestations.builders import published_obligations, safe_answers
from tests.brokers import broker, free_port, wait_for, worker
from tests.integrations.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
RUNS: list = []
FAILURES: dict = {}


@shared_task(name="tests.outbox.record")
def record(value):
    RUNS.append(value)


@shared_task(name="tests.outbox.fail")
def fail(key):
    FAILURES[key] = FAILURES.get(key, 0) + 1
    raise RuntimeError(f"boom {FAILURES[key]}")


@pytest.fixture(autouse=True)
def _clean():
    RUNS.clear()
    FAILURES.clear()


# --- In-process (the embedded default) ----------------------------------------------------


def test_a_message_runs_once_its_change_commits_and_never_when_it_rolls_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.send("tests.outbox.record", "rolled back")
        raise RuntimeError("the change fails")
    assert not OutboxMessage.objects.exists() and RUNS == []

    with transaction.atomic():
        message = outbox.send("tests.outbox.record", "kept")
        assert RUNS == []  # nothing runs before the commit
    assert RUNS == ["kept"]
    message.refresh_from_db()
    assert message.state == "done" and message.runs == 1


def test_an_unknown_task_is_refused_when_written():
    with pytest.raises(ValueError, match="No Celery task"):
        outbox.send("tests.outbox.nothing")


def test_a_message_handed_over_twice_runs_once():
    message = outbox.send("tests.outbox.record", "once")
    assert outbox.run_message(message.pk) == "skipped"
    outbox.hand_over([message.pk])
    assert RUNS == ["once"]


def test_a_failing_task_waits_its_backoff_then_is_given_up(time_machine):
    time_machine.move_to("2026-06-01T09:00:00Z", tick=False)
    message = outbox.send("tests.outbox.fail", "k")
    message.refresh_from_db()
    assert (message.state, message.runs, message.last_error) == ("waiting", 1, "RuntimeError: boom 1")
    assert message.available_at == message.created_at + timedelta(seconds=30)
    assert outbox.sweep() == 0  # not due yet

    for run in range(2, outbox.MAX_RUNS + 1):
        message.refresh_from_db()
        time_machine.move_to(message.available_at + timedelta(seconds=1), tick=False)
        outbox.sweep()
        assert FAILURES["k"] == run
    message.refresh_from_db()
    assert message.state == "given up" and message.runs == outbox.MAX_RUNS
    time_machine.move_to(message.available_at + timedelta(days=1), tick=False)
    assert outbox.sweep() == 0 and FAILURES["k"] == outbox.MAX_RUNS


# --- A real broker that goes away ------------------------------------------------------------


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOWED_INTERNAL_HOSTS = ["127.0.0.1"]
    receiver = Receiver()
    WebhookEndpoint.objects.create(url=receiver.url, secret="s" * 32, events=["employee.compliant"])
    yield receiver
    receiver.close()


@pytest.fixture
def sweep_at_once(monkeypatch):
    """The sweep's patience set to nothing, so a test need not wait its minutes."""
    monkeypatch.setattr(outbox, "HAND_OVER_GRACE", timedelta(0))
    monkeypatch.setattr(outbox, "START_TIMEOUT", timedelta(0))


def attest_fully(employee_user):
    """An employee's attestation through the page (their own browser), the one that makes them
    fully compliant."""
    (obligation,) = published_obligations(employee_user.employee, tools=1)[1]
    client = Client()
    client.force_login(employee_user)
    page = client.get(reverse("me-tool", args=[obligation.pk]))
    data = {
        "state": page.context["form"].initial["state"],
        "tool_used": "yes",
        "confirm": "on",
        "signature": employee_user.employee.full_name,
    }
    data.update({f"setting_{key}": value for key, value in safe_answers(obligation).items()})
    response = client.post(reverse("me-tool", args=[obligation.pk]), data)
    obligation.refresh_from_db()
    return response, obligation


def done(*tasks):
    messages = OutboxMessage.objects.filter(task__in=tasks)
    return messages.exists() and all(m.state == "done" for m in messages)


@pytest.mark.postgres
@pytest.mark.celery_worker
def test_with_the_broker_down_requests_answer_and_the_work_happens_once_it_is_back(
    client, officer, employee_user, receiver, redis_server, sweep_at_once
):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    with broker(closed):
        client.force_login(officer)
        started = time.monotonic()
        response = client.post(reverse("reports:list"), {"department": "", "platform": "", "customer_data": ""})
        assert response.status_code == 302 and time.monotonic() - started < 5
        report = ComplianceReport.objects.get()
        assert report.status == ComplianceReport.Status.QUEUED

        response, obligation = attest_fully(employee_user)
        assert response.status_code == 302
        assert obligation.status == ObligationStatus.COMPLIANT  # written, and the answer says so
        assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.PENDING  # the event is kept
        waiting = list(OutboxMessage.objects.all())
        assert {m.task for m in waiting} == {"governance.jobs.run", "governance.webhooks.deliver"}
        assert all(m.state == "waiting" and m.last_error.startswith("Hand-over failed") for m in waiting)
        assert outbox.sweep() == 0  # still down: the sweep keeps them
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["outbox"]["waiting"] == 2

    redis_server.start()
    with broker(redis_server.url), worker():
        assert outbox.sweep() == 2
        wait_for(lambda: done("governance.jobs.run", "governance.webhooks.deliver"))
        assert outbox.sweep() == 0
    report.refresh_from_db()
    assert report.status == ComplianceReport.Status.DONE
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.DELIVERED


@pytest.mark.postgres
@pytest.mark.celery_worker
def test_redis_stopped_in_the_middle_of_a_run_delays_work_and_loses_none(
    client, officer, employee_user, receiver, redis_server, sweep_at_once
):
    redis_server.start()
    client.force_login(officer)
    with broker(redis_server.url):
        # Handed over, then lost: Redis goes down before any worker took the message.
        first = client.post(reverse("reports:list"), {"department": "", "platform": "", "customer_data": ""})
        assert first.status_code == 302
        lost = OutboxMessage.objects.get()
        assert lost.state == "handed over"
        redis_server.stop()
        redis_server.start()

        with worker():
            # Redis stops while the worker runs: the employee's request answers as usual.
            redis_server.stop()
            response, obligation = attest_fully(employee_user)
            assert response.status_code == 302 and obligation.status == ObligationStatus.COMPLIANT
            second = client.post(reverse("reports:list"), {"department": "", "platform": "", "customer_data": ""})
            assert second.status_code == 302
            assert OutboxMessage.objects.filter(handed_over_at=None).count() == 2

            redis_server.start()
            wait_for(lambda: outbox.sweep() == 0 and done("governance.jobs.run", "governance.webhooks.deliver"))

    assert list(ComplianceReport.objects.values_list("job__status", flat=True)) == ["done", "done"]
    assert all(m.runs == 1 for m in OutboxMessage.objects.all())  # each ran once
    assert len(receiver.requests) == 1


FRESH_WEB_PROCESS = """
import logging, django
from django.core import checks

django.setup()
ran = []
checks.run_checks = lambda *args, **kwargs: ran.append(1) or []
handlers = list(logging.root.handlers)
from celery import current_app
from governance import outbox

task = "governance.send_reminders"  # in notifications.tasks, which nothing here imported
assert task not in current_app.tasks
outbox.ensure_registered(task)  # what every message sent does first
assert task in current_app.tasks, "the task is registered"
assert not ran, "the system checks ran"
assert logging.root.handlers == handlers, "logging was configured anew"
print("ok")
"""


def test_the_first_message_of_a_web_process_imports_the_tasks_without_setting_django_up_again():
    """A web process imports no tasks module: its first message for a task registers the task by
    importing the apps' tasks modules. Not through the worker's start-up signal, which runs
    django.setup() again (logging configured anew, dropping handlers) and every system check
    inside the request."""
    environment = {key: value for key, value in os.environ.items() if key != "CELERY_SKIP_CHECKS"}
    environment.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
    result = subprocess.run(
        [sys.executable, "-c", FRESH_WEB_PROCESS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stdout + result.stderr


def test_a_message_for_a_task_celery_does_not_know_is_refused_and_nothing_is_written():
    with pytest.raises(ValueError, match="No Celery task is registered as 'governance.no_such_task'"):
        outbox.send("governance.no_such_task", 1)
    assert not OutboxMessage.objects.exists()
