"""Compliance reports: point-in-time figures with a CSV (one row per employee and tool) and a
PDF, each with its SHA-256, built by a Celery task with visible progress.

Every figure comes from compliance.selectors, so a report, the dashboard and the
API agree. On PostgreSQL the reads run in one REPEATABLE READ READ ONLY transaction, so the
figures, the CSV and the PDF describe the same moment; progress is written through a second
connection so that the page polling it sees it move.
"""

import datetime
import hashlib
import logging
import os
import tempfile
from typing import Any

from django.core.files import File
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.formats import date_format

from compliance import selectors as compliance
from compliance.models import ComplianceReport
from compliance.selectors import ComplianceFilters
from compliance.services.reports.csv import write_csv
from compliance.services.reports.pdf import write_pdf
from compliance.services.reports.summary import compute_summary
from compliance.signals import report_ready
from governance import db, outbox
from governance.jobs import ProgressWriter

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
SCOPE_IN_TITLE = 150  # the title (200 characters) also holds the prefix and the date


# --- Requesting ----------------------------------------------------------------------------


def _filters_from(params: dict[str, Any] | None) -> tuple[dict[str, str], ComplianceFilters]:
    """Validate report filters (URL-parameter form); raises ValidationError naming the field.
    Returns them in the canonical form reports store and compare, with the parsed filters."""
    params = {key: value for key, value in (params or {}).items() if key in ComplianceFilters.PARAMS and value}
    filters = ComplianceFilters.from_params(params)
    return compliance.same_scope_params(filters), filters


def previous_report_of_scope(
    params: dict[str, Any], *, before: datetime.datetime | None = None, exclude: int | None = None
) -> ComplianceReport | None:
    """The latest finished report over the same filters (canonical form): the one a report's
    "change since" compares with, so that Engineering is never compared with the whole
    organization."""
    done = ComplianceReport.objects.filter(status=ComplianceReport.Status.DONE, filters=params)
    if before is not None:
        done = done.filter(as_of__lt=before)
    if exclude is not None:
        done = done.exclude(pk=exclude)
    return done.order_by("-as_of", "-pk").first()


def create_report(
    *, requested_by: Any = None, requested_by_label: str = "", trigger: str, filters: dict[str, Any] | None = None
) -> ComplianceReport:
    """A queued report row (nothing enqueued): for callers that build it themselves. Its title,
    scope and files name what it covers."""
    params, parsed = _filters_from(filters)
    now = timezone.now()
    scope = compliance.scope_label(parsed)[:SCOPE_IN_TITLE]
    previous = previous_report_of_scope(params)
    return ComplianceReport.objects.create(
        title=f"Compliance report · {scope} · {date_format(timezone.localtime(now), 'DATETIME_FORMAT')}",
        scope=scope,
        trigger=trigger,
        requested_by=requested_by,
        requested_by_label=requested_by_label or (requested_by.email if requested_by else ""),
        filters=params,
        period_start=timezone.localdate(previous.as_of) if previous and previous.as_of else None,
        period_end=timezone.localdate(now),
    )


def request_report(
    *, requested_by: Any = None, requested_by_label: str = "", trigger: str, filters: dict[str, Any] | None = None
) -> ComplianceReport:
    """Queue a report; its build is handed to the workers through the outbox, with the report."""
    with transaction.atomic():
        report = create_report(
            requested_by=requested_by, requested_by_label=requested_by_label, trigger=trigger, filters=filters
        )
        outbox.send("governance.build_report", report.pk)
    return report


# --- Building ----------------------------------------------------------------------------


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _save(field: FieldFile, path: str, name: str) -> None:
    with open(path, "rb") as handle:
        field.save(name, File(handle), save=False)


class _Progress:
    """Writes the report's progress where a polling page sees it at once."""

    def __init__(self, report_id: int, *, side_connection: bool) -> None:
        self.writer = ProgressWriter(ComplianceReport, report_id, side_connection=side_connection)
        self.last = -1

    def __call__(self, percent: float) -> None:
        percent = max(0, min(99, int(percent)))
        if percent != self.last:
            self.last = percent
            self.writer.write(progress=percent)

    def close(self) -> None:
        self.writer.close()


def _build_files(
    report: ComplianceReport, *, filters: ComplianceFilters, today: datetime.date, progress: "_Progress", workdir: str
) -> tuple[dict[str, Any], str, str]:
    assert report.as_of is not None  # set when the build started
    previous = previous_report_of_scope(compliance.same_scope_params(filters), before=report.as_of, exclude=report.pk)
    summary = compute_summary(filters=filters, today=today, as_of=report.as_of, previous=previous)
    progress(30)
    csv_path = os.path.join(workdir, "report.csv")
    rows = write_csv(
        csv_path,
        filters=filters,
        today=today,
        total=summary["overall"]["total"],
        on_progress=lambda share: progress(30 + 50 * share),
    )
    summary["csv_rows"] = rows
    progress(80)
    pdf_path = os.path.join(workdir, "report.pdf")
    write_pdf(pdf_path, report=report, summary=summary)
    progress(95)
    return summary, csv_path, pdf_path


def build_report(report_id: int) -> ComplianceReport:
    """Build a queued (or retried) report: running, progress as it goes, then done with the
    files and their hashes, or failed with the error. Sends ``report_ready`` when done (for a
    scheduled report, notifications mails the officers a link). Returns the report."""
    now = timezone.now()
    started = (
        ComplianceReport.objects.filter(pk=report_id)
        .exclude(status=ComplianceReport.Status.DONE)
        .update(status=ComplianceReport.Status.RUNNING, started_at=now, as_of=now, progress=0, error="")
    )
    report = ComplianceReport.objects.get(pk=report_id)
    if not started:
        return report  # built already: a second hand-over of its build changes nothing
    snapshot = db.can_take_snapshot()  # a consistent read snapshot for every file
    progress = _Progress(report_id, side_connection=snapshot)
    today = timezone.localdate(report.as_of)
    try:
        _, filters = _filters_from(report.filters)
        with tempfile.TemporaryDirectory(prefix="report-") as workdir:
            if snapshot:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    summary, csv_path, pdf_path = _build_files(
                        report, filters=filters, today=today, progress=progress, workdir=workdir
                    )
            else:
                summary, csv_path, pdf_path = _build_files(
                    report, filters=filters, today=today, progress=progress, workdir=workdir
                )
            stamp = timezone.localtime(report.as_of).strftime("%Y%m%d-%H%M%S")
            _save(report.csv_file, csv_path, f"{report.file_stem}-{stamp}.csv")
            _save(report.pdf_file, pdf_path, f"{report.file_stem}-{stamp}.pdf")
            report.csv_sha256 = _sha256(csv_path)
            report.pdf_sha256 = _sha256(pdf_path)
    except Exception as error:
        logger.exception("Compliance report %s failed", report_id)
        ComplianceReport.objects.filter(pk=report_id).update(
            status=ComplianceReport.Status.FAILED, error=f"{type(error).__name__}: {error}", finished_at=timezone.now()
        )
        if isinstance(error, TRANSIENT_ERRORS):
            raise  # the task retries with backoff
        report.refresh_from_db()
        return report
    finally:
        progress.close()
    report.summary = summary
    report.ledger_head_hash = summary["ledger"]["head_hash"]
    report.ledger_count = summary["ledger"]["count"]
    report.status = ComplianceReport.Status.DONE
    report.progress = 100
    report.finished_at = timezone.now()
    report.save(
        update_fields=[
            "summary",
            "csv_file",
            "csv_sha256",
            "pdf_file",
            "pdf_sha256",
            "ledger_head_hash",
            "ledger_count",
            "status",
            "progress",
            "finished_at",
        ]
    )
    transaction.on_commit(lambda: report_ready.send(sender=ComplianceReport, report=report))
    return report
