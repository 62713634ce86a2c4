import datetime
import os
import re
import signal
import smtplib
import threading

import pytest
from django.conf import settings
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import strip_tags

from attestations.models import ObligationStatus
from governance.roles import Role
from notifications import delivery
from notifications import digests as reminders
from notifications.models import NotificationLog
from people.models import Employee
from tests import scenario
from tests.clock import noon_on
from tests.factories import EmployeeFactory, ObligationFactory, PolicyVersionFactory, ToolRuleFactory

# Where every one-click sign-in link points (notifications.magic_links.make_login_link).
LOGIN_LINK_PREFIX = settings.SITE_URL + reverse("magic-login", args=["T"]).removesuffix("T/")

TODAY = datetime.date(2026, 11, 29)
NOW = noon_on(TODAY)  # the clock the module's tests run at (frozen below), passed down where they read it

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def version():
    return PolicyVersionFactory(reminder_offsets=[-7, -1, 0, 3, 7], escalation_after_days=14)


@pytest.fixture
def rules(version):
    return ToolRuleFactory(version=version, platform__name="ChatGPT"), ToolRuleFactory(
        version=version, platform__name="Claude"
    )


@pytest.fixture
def org(rules):
    chatgpt, claude = rules
    terminated = {"status": Employee.Status.TERMINATED, "terminated_on": TODAY}
    return scenario.build(
        today=TODAY,
        rules={"chatgpt": chatgpt, "claude": claude},
        people={
            "dave": {"full_name": "Dave Manager"},
            "alice": {"full_name": "Alice Due Soon"},
            "bob": {"full_name": "Bob Not Yet"},
            "carol": {"full_name": "Carol Overdue", "manager": "dave"},
            "erin": {"full_name": "Erin Done"},
            "frank": {"full_name": "Frank Gone", **terminated},
            "gina": {"full_name": "Gina Due Today", "manager": "dave"},
        },
        obligations=[
            ("alice", "chatgpt", ObligationStatus.PENDING, 7),  # reminder offset -7
            ("alice", "claude", ObligationStatus.PENDING, 30),  # listed in the digest too
            ("bob", "chatgpt", ObligationStatus.PENDING, 5),  # no offset: no reminder
            ("carol", "chatgpt", ObligationStatus.PENDING, -20),  # overdue past escalation
            ("carol", "claude", ObligationStatus.PENDING, -2),  # overdue, not escalated
            ("erin", "chatgpt", ObligationStatus.COMPLIANT, -20),
            ("frank", "chatgpt", ObligationStatus.PENDING, -20),
            ("gina", "chatgpt", ObligationStatus.PENDING, 0),
        ],
    ).people


def recipients(outbox):
    return sorted(address for message in outbox for address in message.to)


def test_digest_goes_to_everyone_due_and_lists_every_tool_in_one_mail(org, mailoutbox):
    result = reminders.send_reminder_digests(today=TODAY)

    assert recipients(mailoutbox) == sorted(org[name].email for name in ("alice", "carol", "gina"))
    assert result.sent == 3
    alice_mail = next(m for m in mailoutbox if m.to == [org["alice"].email])
    assert "ChatGPT" in alice_mail.body and "Claude" in alice_mail.body
    assert "Due on Sunday 6 December 2026 (in 7 days)" in alice_mail.body
    assert "Due on Tuesday 29 December 2026 (in 30 days)" in alice_mail.body
    assert LOGIN_LINK_PREFIX in alice_mail.body
    html, mimetype = alice_mail.alternatives[0]
    assert mimetype == "text/html" and "Claude" in html and LOGIN_LINK_PREFIX in html
    carol_mail = next(m for m in mailoutbox if m.to == [org["carol"].email])
    assert "overdue" in carol_mail.subject


def test_digest_rows_are_escaped_in_html_and_plain_in_text(version, mailoutbox):
    odd = ToolRuleFactory(version=version, platform__name="<Bard & Co>")
    person = EmployeeFactory()
    ObligationFactory(employee=person, rule=odd, due_on=TODAY)
    ObligationFactory(employee=EmployeeFactory(), rule=odd, due_on=TODAY)  # the same row, rendered once

    reminders.send_reminder_digests(today=TODAY)

    assert len(mailoutbox) == 2
    for mail in mailoutbox:
        html, _ = mail.alternatives[0]
        assert re.search(r"<h2[^>]*>&lt;Bard &amp; Co&gt;</h2>", html)
        assert "<Bard" not in html
        assert "- <Bard & Co>: Due today, Sunday 29 November 2026" in mail.body


def test_second_run_on_same_day_sends_nothing(org, mailoutbox):
    reminders.send_reminder_digests(today=TODAY)
    first = len(mailoutbox)

    result = reminders.send_reminder_digests(today=TODAY)

    assert len(mailoutbox) == first
    assert result.sent == 0 and result.skipped == 3
    assert NotificationLog.objects.filter(kind="reminder", state="sent").count() == 3


def test_overdue_people_are_reminded_again_the_next_day_but_due_soon_people_are_not(org, mailoutbox):
    reminders.send_reminder_digests(today=TODAY)
    mailoutbox.clear()

    reminders.send_reminder_digests(today=days(1))

    assert recipients(mailoutbox) == sorted([org["carol"].email, org["gina"].email])


def test_log_records_what_each_digest_listed(org, mailoutbox):
    reminders.send_reminder_digests(today=TODAY)

    log = NotificationLog.objects.get(recipient=org["alice"], kind="reminder", day=TODAY)
    assert log.state == "sent" and log.attempts == 1 and log.sent_at is not None
    assert sorted(log.payload["obligations"]) == sorted(org["alice"].obligations.values_list("id", flat=True))


class WorkerDied(BaseException):
    """Stands for the process being killed: not an Exception, so nothing catches it."""


class DyingBackend(EmailBackend):
    """Delivers ``survive`` mails, then the worker dies while sending the next one."""

    survive = 2

    def send_messages(self, messages):
        from django.core import mail

        if len(mail.outbox) >= self.survive:
            raise WorkerDied
        return super().send_messages(messages)


@pytest.fixture
def many_due(rules):
    chatgpt, _ = rules
    people = [EmployeeFactory() for _ in range(6)]
    for person in people:
        ObligationFactory(employee=person, rule=chatgpt, due_on=days(-1))
    return people


def test_worker_dying_mid_batch_then_the_retried_task_sends_the_rest_and_none_twice(many_due, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_reminders.DyingBackend"
    with pytest.raises(WorkerDied):
        reminders.send_reminder_digests(today=TODAY, run_id="task-1")
    assert len(mailoutbox) == 2

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    result = reminders.send_reminder_digests(today=TODAY, run_id="task-1")  # Celery keeps the id on retry

    assert result.sent == 4
    assert recipients(mailoutbox) == sorted(person.email for person in many_due)
    assert NotificationLog.objects.filter(kind="reminder", state="sent").count() == 6


def test_another_run_takes_over_a_dead_runs_claims_only_after_the_timeout(many_due, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_reminders.DyingBackend"
    with pytest.raises(WorkerDied):
        reminders.send_reminder_digests(today=TODAY, run_id="task-1")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    early = reminders.send_reminder_digests(today=TODAY, run_id="task-2")
    assert early.sent == 0 and len(mailoutbox) == 2

    NotificationLog.objects.filter(state="claimed").update(
        claimed_at=NotificationLog.objects.first().claimed_at - delivery.CLAIM_TIMEOUT * 2
    )
    late = reminders.send_reminder_digests(today=TODAY, run_id="task-3")

    assert late.sent == 4
    assert recipients(mailoutbox) == sorted(person.email for person in many_due)


class RefusingBackend(EmailBackend):
    refuse = set()

    def send_messages(self, messages):
        for message in messages:
            if set(message.to) & self.refuse:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"mailbox unavailable")})
        return super().send_messages(messages)


def test_smtp_error_for_one_recipient_is_logged_the_rest_goes_on_and_it_is_retried_next_run(
    many_due, mailoutbox, settings
):
    refused = many_due[2]
    RefusingBackend.refuse = {refused.email}
    settings.EMAIL_BACKEND = "tests.notifications.test_reminders.RefusingBackend"

    result = reminders.send_reminder_digests(today=TODAY)

    assert result.sent == 5 and result.failed == 1
    log = NotificationLog.objects.get(recipient=refused)
    assert log.state == "failed" and log.attempts == 1 and "SMTPRecipientsRefused" in log.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retry = reminders.send_reminder_digests(today=TODAY)

    assert retry.sent == 1
    assert recipients(mailoutbox).count(refused.email) == 1
    log.refresh_from_db()
    assert log.state == "sent" and log.attempts == 2 and log.last_error == ""


def test_recipient_without_email_is_logged_as_failed_and_others_still_get_theirs(many_due, mailoutbox):
    Employee.objects.filter(pk=many_due[0].pk).update(email="")

    result = reminders.send_reminder_digests(today=TODAY)

    assert result.sent == 5 and result.failed == 1
    log = NotificationLog.objects.get(recipient=many_due[0])
    assert log.state == "failed" and "no e-mail address" in log.last_error


def test_failed_recipient_is_given_up_after_max_attempts(many_due, mailoutbox):
    Employee.objects.filter(pk=many_due[0].pk).update(email="")
    for _ in range(delivery.MAX_ATTEMPTS + 2):
        reminders.send_reminder_digests(today=TODAY)

    assert NotificationLog.objects.get(recipient=many_due[0]).attempts == delivery.MAX_ATTEMPTS


def test_manager_gets_one_digest_of_reports_overdue_past_the_escalation_delay(org, mailoutbox):
    result = reminders.send_escalations(today=TODAY)

    assert result.sent == 1
    (mail,) = mailoutbox
    assert mail.to == [org["dave"].email]
    assert "Carol Overdue" in mail.body and "ChatGPT" in mail.body
    assert "Gina Due Today" not in mail.body  # due today is not overdue
    assert "Claude" not in mail.body  # Carol's Claude is only two days overdue

    reminders.send_escalations(today=TODAY)
    assert len(mailoutbox) == 1


def test_daily_notifications_send_reminders_and_escalations_together(org, mailoutbox):
    results = reminders.send_daily_notifications(today=TODAY)

    assert [r.kind for r in results] == ["reminder", "escalation"]
    assert recipients(mailoutbox) == sorted(
        [org["alice"].email, org["carol"].email, org["gina"].email, org["dave"].email]
    )


def test_weekly_summary_goes_to_officers_with_headline_figures_and_dashboard_link(org, make_user, mailoutbox, settings):
    officer = make_user(Role.COMPLIANCE_OFFICER)
    admin = make_user(Role.GOVERNANCE_ADMIN)
    make_user()  # a plain employee gets nothing

    result = reminders.send_officer_summary(today=TODAY)

    assert result.sent == 2
    assert recipients(mailoutbox) == sorted([officer.email, admin.email])
    figures = reminders.officer_summary_figures(TODAY)["summary"]
    body = mailoutbox[0].body
    assert f"{figures.satisfied} of {figures.total} ({figures.rate}%)" in body
    assert f"{settings.SITE_URL}/dashboard/" in body
    assert reminders.send_officer_summary(today=TODAY).sent == 0


def test_weekly_summary_says_so_when_nobody_has_an_open_obligation(make_user, mailoutbox):
    make_user(Role.COMPLIANCE_OFFICER)  # no policy published yet: no obligations at all

    assert reminders.send_officer_summary(today=TODAY).sent == 1

    message = mailoutbox[0]
    html = message.alternatives[0][0]
    assert message.subject == "Weekly AI tool compliance: no open obligations"
    for body in (message.body, " ".join(strip_tags(html).split())):
        assert re.search(r"Obligations satisfied:? ?no open obligations", body)
        assert re.search(r"People compliant on every tool:? ?nobody has an open obligation", body)
        assert re.search(r"handlers compliant on every tool:? ?no customer-data handler has an open obligation", body)
        assert "0 of 0" not in body and "(-)" not in body


def _due_people(rule, count):
    for _ in range(count):
        ObligationFactory(employee=EmployeeFactory(), rule=rule, due_on=days(-1))


def _queries_for_run(day, **options):
    with CaptureQueriesContext(connection) as queries:
        result = reminders.send_reminder_digests(today=day, **options)
    return queries.captured_queries, result.sent


def test_queries_are_a_fixed_number_per_batch_never_one_per_mail(rules, mailoutbox):
    chatgpt, _ = rules
    no_batch, _ = _queries_for_run(days(-30))  # nobody due: the plan only
    _due_people(chatgpt, 5)
    one_small_batch, small_sent = _queries_for_run(TODAY)
    _due_people(chatgpt, 25)
    one_large_batch, large_sent = _queries_for_run(days(1))
    three_batches, batched_sent = _queries_for_run(days(2), batch_size=10)

    assert (small_sent, large_sent, batched_sent) == (5, 30, 30)
    assert len(one_large_batch) == len(one_small_batch)
    per_batch = len(one_small_batch) - len(no_batch)
    # The claim (one statement on PostgreSQL; insert, take over, read back elsewhere), the
    # listed obligations, and one "sent" mark per MARK_EVERY mails.
    assert per_batch == (3 if connection.vendor == "postgresql" else 5)
    assert len(three_batches) == len(no_batch) + 3 * per_batch


def _sent_marks(queries):
    return [q for q in queries if q["sql"].startswith("UPDATE") and "sent_at" in q["sql"]]


def test_sent_marks_are_written_every_mark_every_mails_and_at_the_end_of_the_batch(rules, mailoutbox, monkeypatch):
    chatgpt, _ = rules
    _due_people(chatgpt, 10)
    monkeypatch.setattr(delivery, "MARK_EVERY", 4)

    queries, sent = _queries_for_run(TODAY)

    assert sent == 10
    assert len(_sent_marks(queries)) == 3  # after mails 4 and 8, then the last two
    assert NotificationLog.objects.filter(state="sent", attempts=1, last_error="").count() == 10


class KilledBackend(EmailBackend):
    """Records each delivered address in the file ``delivered`` (it outlives the process);
    the worker is then killed outright (SIGKILL: no ``finally``, no exit handler) when it
    sends mail number ``survive + 1``."""

    delivered = None
    survive = 0

    def send_messages(self, messages):
        if len(self.delivered.read_text().split()) >= self.survive:
            os.kill(os.getpid(), signal.SIGKILL)
        with self.delivered.open("a") as log:
            log.writelines(f"{address}\n" for message in messages for address in message.to)
        return len(messages)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_killed_outright_resends_only_the_mails_sent_since_the_last_mark(
    rules, mailoutbox, settings, monkeypatch, tmp_path
):
    """The crash window of batched "sent" marks (module docstring): what is resent after a
    SIGKILL is exactly what was sent since the last mark, fewer than MARK_EVERY mails."""
    chatgpt, _ = rules
    people = [EmployeeFactory() for _ in range(12)]
    for person in people:
        ObligationFactory(employee=person, rule=chatgpt, due_on=days(-1))
    monkeypatch.setattr(delivery, "MARK_EVERY", 5)
    KilledBackend.delivered = tmp_path / "delivered.txt"
    KilledBackend.delivered.write_text("")
    KilledBackend.survive = 7
    settings.EMAIL_BACKEND = "tests.notifications.test_reminders.KilledBackend"
    connections.close_all()  # the worker process opens its own database connection

    worker = os.fork()
    if worker == 0:
        try:
            reminders.send_reminder_digests(today=TODAY, run_id="task-1")
        finally:
            os._exit(1)  # not reached when the worker is killed as intended
    _, status = os.waitpid(worker, 0)

    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    before_kill = KilledBackend.delivered.read_text().split()
    assert len(before_kill) == 7
    assert NotificationLog.objects.filter(state="sent").count() == 5  # the 6th and 7th were never marked

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retry = reminders.send_reminder_digests(today=TODAY, run_id="task-1")  # Celery keeps the id on retry

    assert retry.sent == 7
    after_kill = recipients(mailoutbox)
    assert sorted(set(before_kill) | set(after_kill)) == sorted(person.email for person in people)
    assert set(before_kill) & set(after_kill) == set(before_kill[5:])
    assert NotificationLog.objects.filter(state="sent").count() == 12


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_mail_once(rules, mailoutbox):
    chatgpt, _ = rules
    people = [EmployeeFactory() for _ in range(40)]
    for person in people:
        ObligationFactory(employee=person, rule=chatgpt, due_on=days(-1))
    start = threading.Barrier(2)
    results, errors = [], []

    def worker(name):
        try:
            start.wait()
            results.append(reminders.send_reminder_digests(today=TODAY, run_id=name, batch_size=7))
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f"worker-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert recipients(mailoutbox) == sorted(person.email for person in people)
    assert sum(result.sent for result in results) == 40
    assert NotificationLog.objects.filter(state="sent").count() == 40
