"""Reminder digests, manager escalations and the officers' weekly summary.

Delivery follows healthchecks' claim-then-send model, in batches: for each batch of
recipients the job claims one NotificationLog row per (recipient, kind, day) in one statement
(``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` on PostgreSQL): missing rows are inserted,
rows that a crashed run left claimed past ``CLAIM_TIMEOUT`` (or that failed on an earlier run)
are taken over, and only the rows claimed by this run are sent. Sent mails are marked in one
UPDATE per ``MARK_EVERY`` mails, and whatever was sent is marked before an error or an
interruption leaves the batch (``finally``). So a second run on the same day sends nothing,
two workers at once send each mail once, and the retry of a task that died mid-batch (same
run id) sends the rest and none twice: an SMTP or database error, Celery's soft time limit or
a shutdown all pass through that ``finally``.

The crash window, stated: a worker killed outright (SIGKILL, out of memory, a lost machine)
runs no ``finally``, so its retry sends again the mails sent since the last mark, fewer than
``MARK_EVERY``. Marking each mail on its own would narrow that to one mail, at the price of
one UPDATE and one commit per mail, which were most of the run's time at 100,000 recipients.

The plan (who gets what) is set-based: one query finds the recipients, then each batch takes
a fixed number of queries (on PostgreSQL: the claim, every listed obligation at once with the
linked account that each sign-in link is bound to, and the marks). Per mail, the job renders
two pre-loaded templates from a small context (the digest's rows are rendered once per run
for each distinct tool and date) and signs one link.
"""

import datetime
import json
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db.models import Case, F, JSONField, Q, Value, When
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from governance import db
from governance.magic_links import Binding, login_link_maker
from governance.models import OPEN_ACTION_STATUSES, Employee, NotificationLog, Obligation, ObligationStatus
from governance.roles import Role
from policies.models import PolicyVersion

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
MARK_EVERY = 100  # sent mails marked per UPDATE: the most a worker killed outright resends
CLAIM_TIMEOUT = datetime.timedelta(minutes=30)
MAX_ATTEMPTS = 5

Kind = NotificationLog.Kind
State = NotificationLog.State


@dataclass
class DeliveryResult:
    """What one run did for one kind of notification."""

    kind: str
    recipients: int = 0  # in the plan for the day
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # already sent or held by another worker
    errors: list = field(default_factory=list)

    def as_dict(self):
        return {
            "kind": self.kind,
            "recipients": self.recipients,
            "sent": self.sent,
            "failed": self.failed,
            "skipped": self.skipped,
        }


def new_run_id():
    return f"run-{uuid.uuid4()}"


# --- Claiming ------------------------------------------------------------------------------


# The fields of a claimed row and of its recipient that the job reads; the others are deferred.
CLAIMED_FIELDS = ("id", "recipient_id", "kind", "day", "state", "claimed_by", "attempts")
RECIPIENT_FIELDS = ("id", "full_name", "email")


def claim(*, kind, day, recipient_ids, run_id, now=None):
    """Claim the (recipient, kind, day) rows of a batch for this run; return the claimed rows
    (in recipient order, with their recipient's name and address loaded).

    Claimed are the rows missing so far (inserted), and the rows left claimed by this run (a
    retried task) or by a run that died more than CLAIM_TIMEOUT ago, or that failed before
    (up to MAX_ATTEMPTS), which are taken over. On PostgreSQL that is one statement, an
    ``INSERT ... ON CONFLICT DO UPDATE ... WHERE <take-over> RETURNING`` joined to the
    recipients; elsewhere three queries: insert, take over, read back.
    """
    now = now or timezone.now()
    takeover = {"run_id": run_id, "stale": now - CLAIM_TIMEOUT, "max_attempts": MAX_ATTEMPTS}
    if db.on_postgres(db_connection):
        return _claim_in_one_statement(kind=kind, day=day, recipient_ids=recipient_ids, now=now, **takeover)
    NotificationLog.objects.bulk_create(
        [
            NotificationLog(recipient_id=pk, kind=kind, day=day, claimed_at=now, claimed_by=run_id)
            for pk in recipient_ids
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    NotificationLog.objects.filter(
        Q(state=State.CLAIMED, claimed_by=run_id, claimed_at__lt=now)  # not the rows inserted just now
        | Q(state=State.CLAIMED, claimed_at__lt=takeover["stale"])
        | Q(state=State.FAILED, attempts__lt=MAX_ATTEMPTS),
        kind=kind,
        day=day,
        recipient_id__in=recipient_ids,
    ).update(state=State.CLAIMED, claimed_by=run_id, claimed_at=now)
    return list(
        NotificationLog.objects.filter(
            kind=kind, day=day, recipient_id__in=recipient_ids, claimed_by=run_id, state=State.CLAIMED
        )
        .select_related("recipient")
        .only(*CLAIMED_FIELDS, *(f"recipient__{name}" for name in RECIPIENT_FIELDS))
        .order_by("recipient_id")
    )


def _loaded(model, **values):
    """A ``model`` instance as read from the database with only ``values``; other fields are deferred."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(db_connection.alias, names, [values[name] for name in names])


def _claim_in_one_statement(*, kind, day, recipient_ids, now, run_id, stale, max_attempts):
    # An upsert: each (recipient, kind, day) is found through the unique index, whatever the
    # planner thinks of the day's rows (its statistics never know today's date, and the
    # day's dead "claimed" row versions would make any scan by day grow with the run). A row
    # another worker is inserting is waited for, and the take-over condition is checked on the
    # latest version of a row, so two workers never claim the same row.
    log, employees = NotificationLog._meta.db_table, Employee._meta.db_table
    sql = f"""
        WITH claimed AS (
            INSERT INTO {log} AS log
                (recipient_id, kind, day, state, claimed_at, claimed_by, attempts, last_error, payload)
            SELECT recipient_id, %(kind)s, %(day)s, %(claimed)s, %(now)s, %(run_id)s, 0, '', '{{}}'::jsonb
            FROM unnest(%(ids)s::bigint[]) AS recipient_id
            ON CONFLICT (recipient_id, kind, day) DO UPDATE
                SET state = %(claimed)s, claimed_by = %(run_id)s, claimed_at = %(now)s
                WHERE log.state = %(claimed)s AND (log.claimed_by = %(run_id)s OR log.claimed_at < %(stale)s)
                    OR log.state = %(failed)s AND log.attempts < %(max_attempts)s
            RETURNING id, recipient_id, state, attempts
        )
        SELECT claimed.id, claimed.recipient_id, claimed.state, claimed.attempts, recipient.full_name, recipient.email
        FROM claimed JOIN {employees} AS recipient ON recipient.id = claimed.recipient_id
        ORDER BY claimed.recipient_id
    """
    params = {
        "kind": kind,
        "day": day,
        "now": now,
        "run_id": run_id,
        "ids": list(recipient_ids),
        "claimed": State.CLAIMED,
        "failed": State.FAILED,
        "stale": stale,
        "max_attempts": max_attempts,
    }
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows = []
    for pk, recipient_id, state, attempts, full_name, email in fetched:
        row = _loaded(
            NotificationLog,
            id=pk,
            recipient_id=recipient_id,
            kind=kind,
            day=day,
            state=state,
            claimed_by=run_id,
            attempts=attempts,
        )
        row.recipient = _loaded(Employee, id=recipient_id, full_name=full_name, email=email)
        rows.append(row)
    return rows


def _mark_sent(payloads, *, run_id):
    """Mark sent, in one UPDATE, the rows this run still holds among ``payloads`` (log row id ->
    what the mail listed): one ``UPDATE ... FROM unnest()`` on PostgreSQL, a CASE elsewhere."""
    if not payloads:
        return
    now = timezone.now()
    if db.on_postgres(db_connection):
        with db_connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {NotificationLog._meta.db_table} AS log SET state = %s, sent_at = %s, "
                "attempts = log.attempts + 1, last_error = '', payload = sent.payload::jsonb "
                "FROM unnest(%s::bigint[], %s::text[]) AS sent(id, payload) "
                "WHERE log.id = sent.id AND log.claimed_by = %s AND log.state = %s",
                [State.SENT, now, list(payloads), [json.dumps(p) for p in payloads.values()], run_id, State.CLAIMED],
            )
        return
    NotificationLog.objects.filter(pk__in=list(payloads), claimed_by=run_id, state=State.CLAIMED).update(
        state=State.SENT,
        sent_at=now,
        attempts=F("attempts") + 1,
        last_error="",
        payload=Case(*(When(pk=pk, then=Value(payload, JSONField())) for pk, payload in payloads.items())),
    )


def _mark_failed(row, *, run_id, error, payload):
    NotificationLog.objects.filter(pk=row.pk, claimed_by=run_id, state=State.CLAIMED).update(
        state=State.FAILED, attempts=F("attempts") + 1, last_error=error[:2000], payload=payload
    )


def _deliver(*, kind, day, recipient_ids, run_id, build, batch_size, result, connection=None):
    """Claim, build and send in batches. ``build(rows)`` returns {recipient_id: (message, payload)}
    for the claimed rows with a bounded number of queries; a recipient it leaves out failed."""
    result.recipients += len(recipient_ids)
    connection = connection or get_connection()
    opened = False
    try:
        for start in range(0, len(recipient_ids), batch_size):
            opened = _send_batch(
                kind=kind,
                day=day,
                batch=recipient_ids[start : start + batch_size],
                run_id=run_id,
                build=build,
                result=result,
                connection=connection,
                opened=opened,
            )
    finally:
        if opened:
            connection.close()
    return result


def _send_batch(*, kind, day, batch, run_id, build, result, connection, opened):
    """Claim one batch and send what this run holds; returns whether the connection is open.

    Sent mails are marked every MARK_EVERY mails and, in ``finally``, before anything that
    interrupts the batch propagates (see the module docstring for the crash window)."""
    rows = claim(kind=kind, day=day, recipient_ids=batch, run_id=run_id)
    result.skipped += len(batch) - len(rows)
    if not rows:
        return opened
    messages = build(rows)
    if not opened:
        opened = bool(connection.open())
    unmarked = {}  # log row id -> payload of the mails sent since the last mark
    try:
        for row in rows:
            message, payload = messages.get(row.recipient_id, (None, {}))
            if message is None:
                _fail(row, run_id=run_id, error="Nothing to send.", payload=payload, result=result)
                continue
            if not row.recipient.email:
                _fail(row, run_id=run_id, error="The recipient has no e-mail address.", payload=payload, result=result)
                continue
            message.connection = connection
            try:
                message.send()
            except Exception as error:  # one recipient's SMTP error must not stop the batch
                _fail(row, run_id=run_id, error=f"{type(error).__name__}: {error}", payload=payload, result=result)
                if opened:  # the connection may be broken; the next send opens a fresh one
                    connection.close()
                    opened = False
                continue
            unmarked[row.pk] = payload
            result.sent += 1
            if len(unmarked) >= MARK_EVERY:
                _mark_sent(unmarked, run_id=run_id)
                unmarked = {}
    finally:
        _mark_sent(unmarked, run_id=run_id)
    return opened


def _fail(row, *, run_id, error, payload, result):
    logger.warning("%s to employee %s on %s failed: %s", row.kind, row.recipient_id, row.day, error)
    _mark_failed(row, run_id=run_id, error=error, payload=payload)
    result.failed += 1
    result.errors.append((row.recipient_id, error))


def _email(template):
    """A function (subject, to, context) -> the HTML and plain-text e-mail, with the two
    templates of ``governance/email/<template>`` loaded once for a whole run."""
    text = get_template(f"governance/email/{template}.txt")
    html = get_template(f"governance/email/{template}.html")

    def make(*, subject, to, context):
        message = EmailMultiAlternatives(subject=subject, body=text.render(context), to=[to])
        message.attach_alternative(html.render(context), "text/html")
        return message

    return make


def _rendered_once(template):
    """A function (key, context) -> (text, HTML) of ``governance/email/<template>``, rendered
    once per distinct key for a whole run: a digest's rows (a tool and its due date) repeat
    across thousands of people, and rendering them for every mail was most of its rendering."""
    text = get_template(f"governance/email/{template}.txt")
    html = get_template(f"governance/email/{template}.html")
    rendered = {}

    def render(key, context):
        if key not in rendered:
            rendered[key] = (text.render(context).strip(), html.render(context).strip())
        return rendered[key]

    return render


# --- Reminder digests ----------------------------------------------------------------------


def _versions():
    """Per policy in force: the reminder offsets and escalation delay of the version in force,
    with the ids of all the policy's versions, since an open obligation points at the version
    whose terms it follows, an earlier one when they carried over unchanged."""
    rows = list(PolicyVersion.objects.values("id", "policy_id", "status", "reminder_offsets", "escalation_after_days"))
    return [
        {
            "ids": [row["id"] for row in rows if row["policy_id"] == in_force["policy_id"]],
            "reminder_offsets": in_force["reminder_offsets"],
            "escalation_after_days": in_force["escalation_after_days"],
        }
        for in_force in rows
        if in_force["status"] == PolicyVersion.Status.PUBLISHED
    ]


def reminder_trigger(today, versions=None):
    """Open obligations that make their employee due a reminder today: overdue, due today, or
    due on one of their policy version's reminder offsets (days relative to the due date)."""
    condition = Q(due_on__lte=today)
    for version in versions if versions is not None else _versions():
        dates = sorted({today - datetime.timedelta(days=int(offset)) for offset in version["reminder_offsets"] or []})
        if dates:
            condition |= Q(policy_version_id__in=version["ids"], due_on__in=dates)
    return condition


def _actionable():
    return Obligation.objects.open().filter(status__in=OPEN_ACTION_STATUSES, employee__status=Employee.Status.ACTIVE)


def reminder_recipients(today):
    """Ids of the employees due a reminder digest today, in id order (one query)."""
    return list(
        _actionable()
        .filter(reminder_trigger(today))
        .order_by("employee_id")
        .values_list("employee_id", flat=True)
        .distinct()
    )


def _reminder_builder(today):
    email = _email("reminder")
    tool_row = _rendered_once("reminder_tool")
    login_link = login_link_maker()

    def build(rows):
        ids = [row.recipient_id for row in rows]
        tools = defaultdict(list)
        listed = (
            _actionable()
            .filter(employee_id__in=ids)
            .order_by("employee_id", "due_on", "platform__name")
            .values_list(
                "id",
                "employee_id",
                "due_on",
                "status",
                "platform__name",
                # What each sign-in link's fingerprint covers, read with the rows: no query more.
                "employee__email_changed_at",
                "employee__user_id",
                "employee__user__email",
                "employee__user__password",
            )
        )
        bindings = {}
        for pk, employee_id, due_on, status, name, changed_at, user_id, user_email, password in listed:
            bindings[employee_id] = Binding(
                email_changed_at=changed_at, user_id=user_id, user_email=user_email or "", password=password or ""
            )
            overdue = due_on < today
            when = (f"overdue since {due_on.isoformat()}" if overdue else f"due {due_on.isoformat()}") + (
                " (last answer not compliant)" if status == ObligationStatus.NONCOMPLIANT else ""
            )
            text, html = tool_row((name, when), {"tool": {"name": name, "when": when}})
            tools[employee_id].append({"id": pk, "overdue": overdue, "text": text, "html": html})
        messages = {}
        for row in rows:
            listed = tools.get(row.recipient_id)
            if not listed:
                continue
            employee = row.recipient
            overdue = sum(1 for tool in listed if tool["overdue"])
            context = {
                "employee": employee,
                "tool_lines": "\n".join(tool["text"] for tool in listed),
                # Each row was rendered (and escaped) by the reminder_tool.html template.
                "tool_rows": mark_safe("\n".join(tool["html"] for tool in listed)),
                "overdue": overdue,
                "today": today,
                "link": login_link(employee, bindings[employee.pk]),
                "site_url": settings.SITE_URL,
            }
            count = len(listed)
            subject = (
                f"{overdue} of your AI tools are overdue for attestation"
                if overdue
                else f"Reminder: {count} AI tool{'s' if count != 1 else ''} to attest"
            )
            messages[row.recipient_id] = (
                email(subject=subject, to=employee.email, context=context),
                {"obligations": [tool["id"] for tool in listed]},
            )
        return messages

    return build


def send_reminder_digests(*, today=None, run_id=None, batch_size=BATCH_SIZE, connection=None):
    """Send today's reminder digests: one e-mail per employee listing every tool to attest."""
    today = today or timezone.localdate()
    run_id = run_id or new_run_id()
    result = DeliveryResult(kind=Kind.REMINDER)
    return _deliver(
        kind=Kind.REMINDER,
        day=today,
        recipient_ids=reminder_recipients(today),
        run_id=run_id,
        build=_reminder_builder(today),
        batch_size=batch_size,
        result=result,
        connection=connection,
    )


# --- Manager escalations -------------------------------------------------------------------


def escalation_trigger(today, versions=None):
    """Open obligations overdue for longer than their policy version's escalation delay."""
    condition = Q(pk__in=[])
    for version in versions if versions is not None else _versions():
        limit = today - datetime.timedelta(days=int(version["escalation_after_days"]))
        condition |= Q(policy_version_id__in=version["ids"], due_on__lt=limit)
    return condition


def _escalated():
    return _actionable().filter(
        employee__manager__isnull=False,
        employee__manager__status=Employee.Status.ACTIVE,
    )


def escalation_recipients(today):
    """Ids of the managers with at least one report overdue past the escalation delay (one query)."""
    return list(
        _escalated()
        .filter(escalation_trigger(today))
        .order_by("employee__manager_id")
        .values_list("employee__manager_id", flat=True)
        .distinct()
    )


def _escalation_builder(today):
    email = _email("escalation")

    def build(rows):
        ids = [row.recipient_id for row in rows]
        people = defaultdict(dict)  # manager id -> report id -> what the digest lists about them
        overdue = (
            _escalated()
            .filter(escalation_trigger(today), employee__manager_id__in=ids)
            .order_by("employee__full_name", "employee_id", "due_on", "platform__name")
            .values_list(
                "id",
                "employee_id",
                "employee__manager_id",
                "employee__full_name",
                "employee__email",
                "due_on",
                "platform__name",
            )
        )
        for pk, employee_id, manager_id, name, email_address, due_on, tool in overdue:
            person = people[manager_id].get(employee_id)
            if person is None:  # the earliest due date comes first
                person = people[manager_id][employee_id] = {
                    "name": name,
                    "email": email_address,
                    # Formatted here, not in the template: per-row formatting is most of the rendering.
                    "days_overdue": str((today - due_on).days),
                    "tool_names": [],
                    "obligations": [],
                }
            person["tool_names"].append(tool)
            person["obligations"].append(pk)
        for reports in people.values():
            for person in reports.values():
                person["tools"] = ", ".join(person["tool_names"])
        messages = {}
        for row in rows:
            reports = list(people.get(row.recipient_id, {}).values())
            if not reports:
                continue
            context = {
                "manager": row.recipient,
                "reports": reports,
                "today": today,
                "team_url": settings.SITE_URL + reverse("team"),
            }
            subject = (
                f"{len(reports)} of your reports {'are' if len(reports) != 1 else 'is'} overdue on AI tool attestation"
            )
            messages[row.recipient_id] = (
                email(subject=subject, to=row.recipient.email, context=context),
                {"obligations": [pk for person in reports for pk in person["obligations"]]},
            )
        return messages

    return build


def send_escalations(*, today=None, run_id=None, batch_size=BATCH_SIZE, connection=None):
    """Send each manager one digest of their direct reports overdue past the escalation delay."""
    today = today or timezone.localdate()
    run_id = run_id or new_run_id()
    return _deliver(
        kind=Kind.ESCALATION,
        day=today,
        recipient_ids=escalation_recipients(today),
        run_id=run_id,
        build=_escalation_builder(today),
        batch_size=batch_size,
        result=DeliveryResult(kind=Kind.ESCALATION),
        connection=connection,
    )


# --- Officers ------------------------------------------------------------------------------


def officer_recipients():
    """Employees whose account is in the compliance officer or governance admin group."""
    groups = Group.objects.filter(name__in=[Role.COMPLIANCE_OFFICER, Role.GOVERNANCE_ADMIN])
    return list(
        Employee.objects.filter(status=Employee.Status.ACTIVE, user__is_active=True, user__groups__in=groups)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )


def officer_summary_figures(today):
    """The headline figures of the weekly summary, all from the compliance selectors."""
    from governance.selectors import compliance

    filters = compliance.ComplianceFilters()
    return {
        "summary": compliance.summary(filters, today=today),
        "coverage": compliance.customer_data_coverage(filters, today=today),
        "open_exceptions": compliance.open_exception_count(filters, today=today),
        "overdue_people": compliance.overdue_people(filters, today=today).count(),
        "platforms": compliance.by_platform(filters, today=today)[:5],
    }


def send_officer_summary(*, today=None, run_id=None, connection=None):
    """The weekly summary to compliance officers: headline figures and a link to the dashboard."""
    today = today or timezone.localdate()
    run_id = run_id or new_run_id()
    recipients = officer_recipients()
    figures = officer_summary_figures(today) if recipients else None
    email = _email("officer_summary")

    def build(rows):
        context = {"today": today, "dashboard_url": settings.SITE_URL + reverse("dashboard"), **figures}
        rate = figures["summary"].rate
        subject = f"Weekly AI tool compliance: {rate if rate is not None else '-'}% satisfied"
        return {
            row.recipient_id: (
                email(
                    subject=subject,
                    to=row.recipient.email,
                    context={**context, "officer": row.recipient},
                ),
                {"summary": figures["summary"].as_dict()},
            )
            for row in rows
        }

    return _deliver(
        kind=Kind.OFFICER_SUMMARY,
        day=today,
        recipient_ids=recipients,
        run_id=run_id,
        build=build,
        batch_size=BATCH_SIZE,
        result=DeliveryResult(kind=Kind.OFFICER_SUMMARY),
        connection=connection,
    )


def send_report_ready(*, report, today=None, run_id=None, connection=None):
    """Tell the officers, once each, that a scheduled report is ready, with a link to it."""
    today = today or timezone.localdate()
    run_id = run_id or new_run_id()
    email = _email("report_ready")

    def build(rows):
        context = {
            "report": report,
            "summary": report.summary,
            "report_url": settings.SITE_URL + reverse("reports:detail", args=[report.pk]),
        }
        subject = f"Compliance report ready: {report}"
        return {
            row.recipient_id: (
                email(
                    subject=subject,
                    to=row.recipient.email,
                    context={**context, "officer": row.recipient},
                ),
                {"report": report.pk},
            )
            for row in rows
        }

    return _deliver(
        kind=Kind.REPORT_READY,
        day=today,
        recipient_ids=officer_recipients(),
        run_id=run_id,
        build=build,
        batch_size=BATCH_SIZE,
        result=DeliveryResult(kind=Kind.REPORT_READY),
        connection=connection,
    )


def send_daily_notifications(*, today=None, run_id=None, batch_size=BATCH_SIZE):
    """The daily job: reminder digests, then manager escalations. Safe to run any number of times."""
    today = today or timezone.localdate()
    run_id = run_id or new_run_id()
    connection = get_connection()
    return [
        send_reminder_digests(today=today, run_id=run_id, batch_size=batch_size, connection=connection),
        send_escalations(today=today, run_id=run_id, batch_size=batch_size, connection=connection),
    ]
