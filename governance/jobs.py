"""What every Celery task of the product shares: the retry policy, the day and the run id.

Tasks live in their domain app's ``tasks.py`` (Celery's autodiscovery finds them there) and are
thin wrappers around that app's job functions. Their names stay ``governance.*`` whatever app
holds them: the beat schedule's rows in the database point at those names.

Each task retries with exponential backoff on transient errors (database or network hiccups);
the job functions are idempotent, so a retry never duplicates work. A task's id stays the same
across its retries and is used as the run id, so a retried reminder run takes over the mails it
claimed before dying at once, without waiting for the claim timeout.
"""

import datetime
import logging
import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import InterfaceError, OperationalError
from django.utils import timezone

logger = logging.getLogger("governance.jobs")

TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError, smtplib.SMTPServerDisconnected)
RETRY: dict[str, Any] = {
    "bind": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 10,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


def day_or_today(value: str | None) -> datetime.date:
    """A task's ``day`` argument (ISO date, as beat or a caller passes it), else the organization's today."""
    return datetime.date.fromisoformat(value) if value else timezone.localdate()


def run_id(task: Any) -> str | None:
    """A task's run id: its Celery id, the same across retries (None when called in-process)."""
    return f"task-{task.request.id}" if task.request.id else None


# --- Jobs a person starts and watches ------------------------------------------------------
#
# An operation whose cost grows with the organization (publishing a policy version to 100,000
# people, retiring one, ...) never runs inside the web request. The view calls ``start()``, which
# writes a Job row and its outbox message in one transaction and answers at once; the page (or
# the API's 202) points at the job, whose page polls its progress. A worker runs the job's
# function inside one transaction, so a failure changes nothing half-way; its progress goes
# through a connection of its own, so the watching page sees it while the transaction is open.
# A second start of the same operation (kind and key) while one is active returns that one; a
# retried or second delivery of the message finds the job claimed and does nothing.


@dataclass(frozen=True)
class JobSpec:
    kind: str
    run: Callable[..., "JobOutcome"]
    can_view: Callable[[Any], bool]
    api_scopes: tuple[str, ...] = ()  # API keys holding one of these may read its jobs (none: no key)


@dataclass
class JobOutcome:
    """What a finished job reports: counts for the API and a sentence for people."""

    message: str
    result: dict[str, Any] = field(default_factory=dict)
    # Called once the job is recorded done (its transaction committed): what must see it done,
    # such as the signal that a report is ready. Its failure is logged; the job stays done.
    then: Callable[[], None] | None = None


_REGISTRY: dict[str, JobSpec] = {}
RUN_JOB = "governance.jobs.run"


def register(
    kind: str, *, can_view: Callable[[Any], bool], api_scopes: tuple[str, ...] = ()
) -> Callable[[Callable[..., JobOutcome]], Callable]:
    """Register ``run(*, job, progress, actor, **params) -> JobOutcome`` as the job ``kind``.
    ``can_view(user)`` says who may watch any job of the kind (the one who started it always may);
    ``api_scopes``, the API key scopes any of which may read its status."""

    def decorator(run: Callable[..., JobOutcome]) -> Callable[..., JobOutcome]:
        _REGISTRY[kind] = JobSpec(kind=kind, run=run, can_view=can_view, api_scopes=api_scopes)
        return run

    return decorator


# The jobs started while a request is being answered, for the answer to point at them (the
# API's 202 with the job's status URL). None outside ``collect_started``.
_started: ContextVar[list[Any] | None] = ContextVar("governance_jobs_started", default=None)


@contextmanager
def collect_started() -> Iterator[list[Any]]:
    """Collect the jobs ``start`` queues (or finds active) inside the block."""
    token = _started.set([])
    try:
        yield _started.get()  # type: ignore[misc]  # set just above
    finally:
        _started.reset(token)


def _collected(job: Any) -> Any:
    bucket = _started.get()
    if bucket is not None and all(seen.pk != job.pk for seen in bucket):
        bucket.append(job)
    return job


def spec(kind: str) -> JobSpec:
    return _REGISTRY[kind]


def key_can_view(key: Any, job: Any) -> bool:
    """Whether an API key may read the job's status: it holds one of the kind's API scopes."""
    registered = _REGISTRY.get(job.kind)
    return bool(registered and any(key.has_scope(scope) for scope in registered.api_scopes))


def can_view(user: Any, job: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if job.created_by_id == user.pk or user.is_superuser:
        return True
    registered = _REGISTRY.get(job.kind)
    return bool(registered and registered.can_view(user))


def start(
    *,
    kind: str,
    key: str,
    title: str,
    params: dict[str, Any],
    actor: Any = None,
    return_url: str = "",
    return_label: str = "",
) -> tuple[Any, bool]:
    """Queue the job (or find the active one for the same kind and key); (job, created)."""
    from django.contrib.auth import get_user_model
    from django.db import IntegrityError, transaction

    from governance import outbox
    from governance.models import Job

    if kind not in _REGISTRY:
        raise ValueError(f"No job is registered as {kind!r}.")
    user = actor if isinstance(actor, get_user_model()) else None  # an API key or a job of HR has no page
    active = Job.objects.filter(kind=kind, key=key, status__in=Job.ACTIVE).first()
    if active is not None:
        return _collected(active), False
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind,
                key=key,
                title=title,
                params=params,
                created_by=user,
                return_url=return_url,
                return_label=return_label,
            )
            outbox.send(RUN_JOB, job.pk)
    except IntegrityError:  # a concurrent start of the same job won
        return _collected(Job.objects.get(kind=kind, key=key, status__in=Job.ACTIVE)), False
    return _collected(job), True


class ProgressWriter:
    """Writes columns of one row (a job's or a report's progress) where a watching page sees
    them at once: through a database connection of its own on PostgreSQL, since the work's own
    transaction is still open (``side_connection``), else through the default connection."""

    def __init__(self, model: Any, pk: int, *, side_connection: bool) -> None:
        from django.db import DEFAULT_DB_ALIAS, connections

        self.model, self.pk = model, pk
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS) if side_connection else None

    def write(self, **columns: Any) -> None:
        if self.connection is None:
            self.model.objects.filter(pk=self.pk).update(**columns)
            return
        table = self.connection.ops.quote_name(self.model._meta.db_table)
        assignments = ", ".join(f"{self.connection.ops.quote_name(name)} = %s" for name in columns)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608 (names from the model)
                [*columns.values(), self.pk],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


class Progress:
    """A job's progress: ``progress(done, total, step)`` as it goes (only changes are written)."""

    def __init__(self, job_id: int) -> None:
        from governance import db
        from governance.models import Job

        self.writer = ProgressWriter(Job, job_id, side_connection=db.can_take_snapshot())
        self.last: tuple[int, str] | None = None

    def __call__(self, done: float, total: float = 100, step: str = "") -> None:
        percent = max(0, min(99, int(100 * done / total))) if total else 0
        if (percent, step) == self.last:
            return
        self.last = (percent, step)
        self.writer.write(progress=percent, step=step[:300])

    def close(self) -> None:
        self.writer.close()


def run_job(job_id: int) -> str:
    """Claim the job and run it in one transaction: done with its outcome, or failed with the
    reason and nothing changed. A transient error puts it back in the queue and re-raises, so
    the outbox runs it again after its backoff."""
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.db.models import F

    from governance.models import Job

    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, attempts=F("attempts") + 1, progress=0, step=""
    )
    if not claimed:
        return "skipped"
    job = Job.objects.select_related("created_by").get(pk=job_id)
    progress = Progress(job.pk)
    try:
        with transaction.atomic():
            outcome = spec(job.kind).run(job=job, progress=progress, actor=job.created_by, **job.params)
    except TRANSIENT_ERRORS as error:
        logger.warning("job %s (%s) hit a transient error; it will run again: %s", job.pk, job.kind, error)
        Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, error=f"{type(error).__name__}: {error}")
        raise
    except ValidationError as error:
        _finish(job.pk, status=Job.Status.FAILED, message=" ".join(error.messages), error="")
        return "failed"
    except Exception as error:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(
            job.pk,
            status=Job.Status.FAILED,
            message="It stopped on an unexpected error and changed nothing; the administrators can see the error.",
            error=f"{type(error).__name__}: {error}"[:4000],
        )
        return "failed"
    finally:
        progress.close()
    _finish(job.pk, status=Job.Status.DONE, message=outcome.message, result=outcome.result, progress=100)
    if outcome.then is not None:
        try:
            outcome.then()
        except Exception:
            logger.exception("job %s (%s) is done; what follows it failed", job.pk, job.kind)
    return "done"


def _finish(
    job_id: int,
    *,
    status: str,
    message: str,
    error: str = "",
    result: dict[str, Any] | None = None,
    progress: int | None = None,
) -> None:
    from governance.models import Job

    fields: dict[str, Any] = {"status": status, "message": message, "error": error, "finished_at": timezone.now()}
    if result is not None:
        fields["result"] = result
    if progress is not None:
        fields["progress"] = progress
    Job.objects.filter(pk=job_id).update(**fields)


def job_state(job: Any) -> dict[str, Any]:
    """A job as the API shows it."""
    return {
        "id": job.pk,
        "kind": job.kind,
        "title": job.title,
        "status": job.status,
        "progress": job.progress,
        "step": job.step,
        "message": job.message,
        "result": job.result,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
