"""Jobs (issue 17): an operation that grows with the organization runs in a worker, all or
nothing, and the person who started it watches its progress on a page of its own."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection
from django.urls import reverse

from governance import audit, jobs, outbox
from governance.jobs import JobOutcome
from governance.models import AuditEvent, Job, OutboxMessage
from governance.roles import Role, is_governance_admin
from tests.brokers import broker, wait_for, worker
from tests.connections import another_connection

pytestmark = pytest.mark.django_db(transaction=True)

SEEN: dict = {}


@jobs.register("tests.write_then", can_view=is_governance_admin)
def write_then(*, job, progress, actor, outcome):
    """Writes an audit event, reports progress, then ends as the test asks."""
    audit.record(actor=actor, action="tests.job.wrote", obj=job)
    progress(1, 2, "Half way")
    SEEN["progress_from_outside"] = _progress_seen_by_another_connection(job.pk)
    if outcome == "invalid":
        raise ValidationError("The version is not a draft any more.")
    if outcome == "crash":
        raise RuntimeError("disk on fire")
    if outcome == "transient" and SEEN.setdefault("transient", 0) < 1:
        SEEN["transient"] += 1
        raise OperationalError("the database went away")
    return JobOutcome(message="Wrote one event.", result={"events": 1})


@jobs.register("tests.then", can_view=is_governance_admin)
def then_job(*, job, progress, actor, fail_after):
    def after():
        SEEN["status_seen_after"] = Job.objects.get(pk=job.pk).status
        if fail_after:
            raise RuntimeError("the mail server is down")

    return JobOutcome(message="Done, then something.", then=after)


@pytest.mark.parametrize("fail_after", [False, True])
def test_what_follows_a_job_sees_it_done_and_its_failure_leaves_it_done(fail_after, caplog):
    job, _ = jobs.start(kind="tests.then", key="t", title="Then", params={"fail_after": fail_after})

    job.refresh_from_db()
    assert SEEN["status_seen_after"] == "done" and job.status == "done" and job.message == "Done, then something."
    assert ("what follows it failed" in caplog.text) is fail_after


def _progress_seen_by_another_connection(job_id):
    if connection.vendor != "postgresql":
        return None
    with another_connection() as other:
        row = other.execute("SELECT progress, step FROM governance_job WHERE id = %s", [job_id]).fetchone()
    return tuple(row)


@pytest.fixture(autouse=True)
def _clean():
    SEEN.clear()


def start(outcome, *, actor=None, key="k"):
    return jobs.start(
        kind="tests.write_then", key=key, title="A test job", params={"outcome": outcome}, actor=actor, return_url="/x/"
    )


def test_a_job_runs_after_its_start_commits_and_reports_what_it_did():
    job, created = start("ok")
    job.refresh_from_db()
    assert created and (job.status, job.progress, job.message, job.result) == (
        "done",
        100,
        "Wrote one event.",
        {"events": 1},
    )
    assert AuditEvent.objects.filter(action="tests.job.wrote").count() == 1
    assert OutboxMessage.objects.get().state == "done"


@pytest.mark.postgres
def test_its_progress_is_visible_to_the_watching_page_while_its_transaction_is_open():
    start("ok")
    assert SEEN["progress_from_outside"] == (50, "Half way")


def test_a_second_start_while_one_is_active_returns_it():
    with broker("redis://127.0.0.1:1/0"):  # nothing listens: the first job stays queued
        first, created = start("ok")
        again, created_again = start("ok")
        other, _ = start("ok", key="other")
    assert created and not created_again and again.pk == first.pk and other.pk != first.pk
    assert Job.objects.filter(status="queued").count() == 2


def test_a_refused_job_fails_with_the_reason_and_changes_nothing():
    job, _ = start("invalid")
    job.refresh_from_db()
    assert (job.status, job.message, job.error) == ("failed", "The version is not a draft any more.", "")
    assert not AuditEvent.objects.filter(action="tests.job.wrote").exists()  # rolled back


def test_a_crashed_job_fails_in_words_keeps_the_error_for_the_admin_and_changes_nothing(caplog):
    job, _ = start("crash")
    job.refresh_from_db()
    assert job.status == "failed" and "changed nothing" in job.message and "disk on fire" not in job.message
    assert job.error == "RuntimeError: disk on fire"
    assert not AuditEvent.objects.filter(action="tests.job.wrote").exists()
    assert any("failed" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)


def test_a_transient_error_puts_the_job_back_and_the_outbox_runs_it_again(time_machine):
    job, _ = start("transient")
    job.refresh_from_db()
    message = OutboxMessage.objects.get()
    assert job.status == "queued" and job.attempts == 1 and message.state == "waiting"
    time_machine.move_to(message.available_at + timedelta(seconds=1))
    outbox.sweep()
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)
    assert AuditEvent.objects.filter(action="tests.job.wrote").count() == 1


def test_a_message_delivered_twice_runs_the_job_once():
    job, _ = start("ok")
    assert jobs.run_job(job.pk) == "skipped"
    assert AuditEvent.objects.filter(action="tests.job.wrote").count() == 1


def test_the_job_page_is_for_who_started_it_and_the_kinds_viewers(client, make_user):
    starter = make_user()
    admin = make_user(Role.GOVERNANCE_ADMIN)
    stranger = make_user()
    job, _ = start("ok", actor=starter)
    url = reverse("job", args=[job.pk])
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(stranger)
    assert client.get(url).status_code == 403
    assert client.get(reverse("job-progress", args=[job.pk])).status_code == 403
    for user in (starter, admin):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert "A test job" in page and "Wrote one event." in page and 'href="/x/"' in page


def test_a_running_job_page_polls_and_says_what_it_is_doing(client, make_user):
    admin = make_user(Role.GOVERNANCE_ADMIN)
    job = Job.objects.create(kind="tests.write_then", key="k", title="Publishing", status="running", progress=40)
    Job.objects.filter(pk=job.pk).update(step="Opening obligations for ChatGPT (rule 3 of 7)")
    client.force_login(admin)
    page = client.get(reverse("job", args=[job.pk])).content.decode()
    assert f'hx-get="{reverse("job-progress", args=[job.pk])}"' in page
    assert 'value="40"' in page and "Opening obligations for ChatGPT (rule 3 of 7)" in page
    assert '<meta http-equiv="refresh"' in page  # without JavaScript the page reloads itself


# --- With a real worker ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.celery_worker
def test_publishing_through_the_page_runs_in_a_real_worker(client, make_user, redis_server):
    from attestations.models import Obligation
    from people.models import Employee
    from tests.attestations.builders import new_version, tool_rules
    from tests.factories import EmployeeFactory

    admin = make_user(Role.GOVERNANCE_ADMIN)
    EmployeeFactory.create_batch(5)
    version, _ = tool_rules(tools=2, version=new_version())
    redis_server.start()
    client.force_login(admin)
    with broker(redis_server.url), worker():
        response = client.post(reverse("attestations:version-publish", args=[version.pk]))
        job = Job.objects.get()
        assert response["Location"] == reverse("job", args=[job.pk])
        wait_for(lambda: Job.objects.get(pk=job.pk).finished)
    job.refresh_from_db()
    version.refresh_from_db()
    assert job.status == "done" and version.status == "published", job.error
    people = Employee.objects.count()
    assert job.result["obligations_created"] == Obligation.objects.open().count() == 2 * people
