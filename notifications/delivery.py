"""Delivery of the product's e-mails: the notification log as an outbox.

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

The mail builders (who gets what, and the message) are in notifications.digests.
"""

import datetime
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db.models import Case, F, JSONField, Model, Q, Value, When
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from governance import db
from notifications.models import NotificationLog
from notifications.rendering import FrameInliner, inline_fragment, organization_name
from people.models import Employee

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

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "recipients": self.recipients,
            "sent": self.sent,
            "failed": self.failed,
            "skipped": self.skipped,
        }


def new_run_id() -> str:
    return f"run-{uuid.uuid4()}"


# --- Claiming ------------------------------------------------------------------------------


# The fields of a claimed row and of its recipient that the job reads; the others are deferred.
CLAIMED_FIELDS = ("id", "recipient_id", "kind", "day", "state", "claimed_by", "attempts")
RECIPIENT_FIELDS = ("id", "full_name", "email")


def claim(
    *, kind: str, day: datetime.date, recipient_ids: Sequence[int], run_id: str, now: datetime.datetime | None = None
) -> list[NotificationLog]:
    """Claim the (recipient, kind, day) rows of a batch for this run; return the claimed rows
    (in recipient order, with their recipient's name and address loaded).

    Claimed are the rows missing so far (inserted), and the rows left claimed by this run (a
    retried task) or by a run that died more than CLAIM_TIMEOUT ago, or that failed before
    (up to MAX_ATTEMPTS), which are taken over. On PostgreSQL that is one statement, an
    ``INSERT ... ON CONFLICT DO UPDATE ... WHERE <take-over> RETURNING`` joined to the
    recipients; elsewhere three queries: insert, take over, read back.
    """
    now = now or timezone.now()
    takeover: dict[str, Any] = {"run_id": run_id, "stale": now - CLAIM_TIMEOUT, "max_attempts": MAX_ATTEMPTS}
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


def _loaded(model: type[Model], **values: Any) -> Any:
    """A ``model`` instance as read from the database with only ``values``; other fields are deferred."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(db_connection.alias, names, [values[name] for name in names])


def _claim_in_one_statement(
    *,
    kind: str,
    day: datetime.date,
    recipient_ids: Sequence[int],
    now: datetime.datetime,
    run_id: str,
    stale: datetime.datetime,
    max_attempts: int,
) -> list[NotificationLog]:
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
    params: dict[str, Any] = {
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


def _mark_sent(payloads: dict[int, Any], *, run_id: str) -> None:
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


def _mark_failed(row: NotificationLog, *, run_id: str, error: str, payload: Any) -> None:
    NotificationLog.objects.filter(pk=row.pk, claimed_by=run_id, state=State.CLAIMED).update(
        state=State.FAILED, attempts=F("attempts") + 1, last_error=error[:2000], payload=payload
    )


def deliver(
    *,
    kind: str,
    day: datetime.date,
    recipient_ids: Sequence[int],
    run_id: str,
    build: Callable[[list[NotificationLog]], dict[int, tuple[Any, dict[str, Any]]]],
    batch_size: int,
    result: "DeliveryResult",
    connection: Any = None,
) -> "DeliveryResult":
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


def _send_batch(
    *,
    kind: str,
    day: datetime.date,
    batch: Sequence[int],
    run_id: str,
    build: Callable[[list[NotificationLog]], dict[int, tuple[Any, dict[str, Any]]]],
    result: "DeliveryResult",
    connection: Any,
    opened: bool,
) -> bool:
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


def _fail(row: NotificationLog, *, run_id: str, error: str, payload: Any, result: "DeliveryResult") -> None:
    logger.warning("%s to employee %s on %s failed: %s", row.kind, row.recipient_id, row.day, error)
    _mark_failed(row, run_id=run_id, error=error, payload=payload)
    result.failed += 1
    result.errors.append((row.recipient_id, error))


# Context values whose rendering is their value and type alone (a safe string renders unescaped,
# a plain one escaped: the type is part of the key). Not a datetime: it renders in the active
# time zone.
_PLAIN = frozenset({str, SafeString, int, float, bool, type(None), datetime.date})


def email_template(template: str) -> Callable[..., EmailMultiAlternatives]:
    """A function (subject, to, context[, inlined, personal]) -> the HTML and plain-text e-mail, with the
    two templates of ``notifications/email/<template>`` loaded once for a whole run. Both parts
    name the organization; the HTML part's stylesheet is inlined (notifications.rendering).

    ``inlined`` maps context names to HTML whose stylesheet is inlined already (rendered_once's
    pieces), ``personal`` context names to plain-text values that differ from mail to mail (a
    name, a sign-in link): the HTML is inlined once per distinct frame around them and each mail
    gets its pieces and values put in place (notifications.rendering.FrameInliner), so that a
    digest's long list of tools and the frame around it are not parsed and inlined in every mail."""
    text = get_template(f"notifications/email/{template}.txt")
    html = get_template(f"notifications/email/{template}.html")
    organization = organization_name()
    frames = FrameInliner()

    def make(
        *,
        subject: str,
        to: str,
        context: dict[str, Any],
        inlined: dict[str, str] | None = None,
        personal: dict[str, str] | None = None,
    ) -> EmailMultiAlternatives:
        context = {"organization": organization, "subject": subject, **context}
        pieces, values = inlined or {}, {name: str(value) for name, value in (personal or {}).items()}
        message = EmailMultiAlternatives(subject=subject, body=text.render({**context, **values}), to=[to])
        markers = {name: mark_safe(frames.marker(name)) for name in [*pieces, *values]}
        message.attach_alternative(
            frames.inline(render_html({**context, **markers}), values=values, pieces=pieces), "text/html"
        )
        return message

    rendered: dict[tuple[Any, ...], str] = {}

    def render_html(context: dict[str, Any]) -> str:
        # A template's output depends on its context alone: where every value is plain (no object
        # whose attributes the template could read), the frame rendered for the same values is
        # reused (a digest's frames differ only in how many tools and how many are overdue).
        if not all(type(value) in _PLAIN for value in context.values()):
            return html.render(context)
        key = (translation.get_language(), *sorted((name, type(value), value) for name, value in context.items()))
        if key not in rendered:
            if len(rendered) >= FrameInliner.FRAMES:
                rendered.clear()
            rendered[key] = html.render(context)
        return rendered[key]

    return make


def rendered_once(template: str) -> Callable[[Any, dict[str, Any]], tuple[str, str]]:
    """A function (key, context) -> (text, HTML) of ``notifications/email/<template>``, rendered
    once per distinct key for a whole run, the HTML with the mails' stylesheet inlined
    (notifications.rendering.inline_fragment): a digest's rows (a tool and its due date) repeat
    across thousands of people, and rendering and inlining them for every mail was most of its
    cost. Pass the joined HTML to the mail as ``inlined``."""
    text = get_template(f"notifications/email/{template}.txt")
    html = get_template(f"notifications/email/{template}.html")
    rendered = {}

    def render(key: Any, context: dict[str, Any]) -> tuple[str, str]:
        if key not in rendered:
            rendered[key] = (text.render(context).strip(), inline_fragment(html.render(context).strip()))
        return rendered[key]

    return render
