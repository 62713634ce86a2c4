"""The outbox: follow-up work is written with the change that causes it, and handed to Celery after.

A service that needs a task run (deliver a webhook, build a report, send a notice) calls
``outbox.send(task_name, *args)`` inside its transaction. That writes an ``OutboxMessage`` row,
so the change and its follow-up commit together or not at all, and registers a hand-over for
after the commit. The hand-over is best effort: when the broker is down it logs, leaves the row
waiting and the user's request answers as usual. ``sweep`` (every minute, from beat) hands over
again whatever is still waiting:

- never handed over (the broker was down at commit time);
- handed over but never started (the broker lost the message: Redis keeps nothing on disk);
- started but never finished (the worker died; after the task time limit);
- failed, once its backoff has passed (up to ``MAX_RUNS`` runs, then given up and logged).

Every message runs through ``run_message``, which claims its row with a conditional update, so a
message handed over twice runs once at a time, and marks it done. The tasks sent this way are
idempotent (each checks the state of what it acts on), so a run after a crash never does the
work twice. With the embedded default (tasks in-process) the hand-over runs the task at once.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from celery import current_app, shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from governance.models import OutboxMessage

logger = logging.getLogger("governance.outbox")

# A message committed this long ago and never handed over is the sweep's (the commit's own
# hand-over may still be on its way for a moment).
HAND_OVER_GRACE = timedelta(seconds=30)
# Handed over, not started after this: the broker lost it.
START_TIMEOUT = timedelta(minutes=10)
# Started, not finished after this: the worker died (past the task time limit).
RUN_TIMEOUT = timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800)) + timedelta(minutes=5)
MAX_RUNS = 8
SWEEP_BATCH = 500


def backoff(runs: int) -> timedelta:
    """The wait before a failed message's next run: 30 s, 1, 2, 4 ... minutes, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(runs - 1, 0), 3600))


def send(task: str, *args: Any, countdown: float = 0, **kwargs: Any) -> OutboxMessage:
    """Write a message for ``task`` in the current transaction; hand it over once it commits."""
    return send_many(task, [args], countdown=countdown, kwargs=kwargs)[0]


def ensure_registered(task: str) -> None:
    """Make sure Celery knows ``task``, or refuse it (ValueError) before anything is written.

    A web process imports no tasks module: the first message for a task imports the apps'
    tasks modules, as a worker does at start. Not through the loader's import_default_modules:
    in a web process, Celery's Django fixup answers it by running django.setup() again (logging
    configured anew) and every system check, inside the request."""
    if task not in current_app.tasks:
        current_app.autodiscover_tasks(force=True)
        if task not in current_app.tasks:
            raise ValueError(f"No Celery task is registered as {task!r}.")


def send_many(
    task: str, args_list: Iterable[Sequence[Any]], *, countdown: float = 0, kwargs: dict[str, Any] | None = None
) -> list[OutboxMessage]:
    """One message per argument list, written in one statement."""
    ensure_registered(task)
    now = timezone.now()
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(
            task=task,
            args=list(args),
            kwargs=kwargs or {},
            created_at=now,
            available_at=now + timedelta(seconds=countdown),
        )
        for args in args_list
    )
    ids = [message.pk for message in messages]
    if ids:
        transaction.on_commit(lambda: hand_over(ids))
    return messages


def hand_over(ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Give the messages to the broker; how many it took. Never raises: a message the broker
    refuses stays waiting for the sweep."""
    now = now or timezone.now()
    eager = bool(current_app.conf.task_always_eager)
    handed = 0
    for message in OutboxMessage.objects.filter(pk__in=list(ids), done_at=None, given_up_at=None):
        countdown = (message.available_at - now).total_seconds()
        if eager and countdown > 0:
            continue  # in-process tasks cannot wait; the sweep runs it when it is due
        OutboxMessage.objects.filter(pk=message.pk).update(handed_over_at=now, hand_overs=F("hand_overs") + 1)
        try:
            run_message.apply_async((message.pk,), countdown=countdown if countdown > 0 else None, retry=False)
        except Exception as exc:  # the broker is unreachable: the rest waits for the sweep too
            logger.warning("outbox: could not hand over %s #%s (%s); the sweep will", message.task, message.pk, exc)
            OutboxMessage.objects.filter(pk=message.pk, started_at=None, done_at=None).update(
                handed_over_at=None, last_error=f"Hand-over failed: {type(exc).__name__}: {exc}"[:2000]
            )
            break
        handed += 1
    return handed


def waiting(*, now: datetime | None = None):
    """The messages the sweep should hand over again at ``now``."""
    now = now or timezone.now()
    return OutboxMessage.objects.filter(done_at=None, given_up_at=None, available_at__lte=now).filter(
        Q(handed_over_at=None, created_at__lt=now - HAND_OVER_GRACE)
        | Q(handed_over_at=None, runs__gt=0)
        | Q(started_at=None, handed_over_at__lt=now - START_TIMEOUT, available_at__lt=now - START_TIMEOUT)
        | Q(started_at__lt=now - RUN_TIMEOUT)
    )


def backlog(*, now: datetime | None = None) -> dict[str, Any]:
    """What an operator watches: messages not yet done, the oldest one's age, and those given up."""
    now = now or timezone.now()
    pending = OutboxMessage.objects.filter(done_at=None, given_up_at=None)
    oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
    return {
        "waiting": pending.count(),
        "oldest_seconds": int((now - oldest).total_seconds()) if oldest else 0,
        "given_up": OutboxMessage.objects.filter(given_up_at__isnull=False).count(),
    }


@shared_task(name="governance.outbox.sweep")
def sweep() -> int:
    """Hand over again what is still waiting (at most ``SWEEP_BATCH`` per run); how many."""
    now = timezone.now()
    ids = list(waiting(now=now).order_by("available_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    handed = hand_over(ids, now=now)
    if ids:
        logger.info("outbox: sweep handed over %s of %s waiting messages", handed, len(ids))
    return handed


@shared_task(name="governance.outbox.run")
def run_message(message_id: int) -> str:
    """Run one message's task, once at a time: claim the row, run, mark it done (or note the
    failure and when to try again)."""
    now = timezone.now()
    claimed = (
        OutboxMessage.objects.filter(pk=message_id, done_at=None, given_up_at=None)
        .filter(Q(started_at=None) | Q(started_at__lt=now - RUN_TIMEOUT))
        .update(started_at=now, runs=F("runs") + 1)
    )
    if not claimed:
        return "skipped"
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        current_app.tasks[message.task].run(*message.args, **message.kwargs)
    except Exception as exc:
        failed_at = timezone.now()
        given_up = message.runs >= MAX_RUNS
        logger.exception("outbox: %s #%s failed (run %s)", message.task, message.pk, message.runs)
        OutboxMessage.objects.filter(pk=message.pk).update(
            started_at=None,
            handed_over_at=None,
            available_at=failed_at + backoff(message.runs),
            given_up_at=failed_at if given_up else None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return "given up" if given_up else "failed"
    OutboxMessage.objects.filter(pk=message.pk).update(done_at=timezone.now(), last_error="")
    return "done"
