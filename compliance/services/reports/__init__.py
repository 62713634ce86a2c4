"""Compliance reports: point-in-time figures with a CSV (one row per employee and tool) and a
PDF, each with its SHA-256, built by a job (``compliance.jobs``, governance.jobs) whose page
and progress people watch.

Every figure comes from compliance.selectors, so a report, the dashboard and the
API agree. On PostgreSQL the build runs in the job's one transaction opened as a REPEATABLE READ
snapshot, so the figures, the CSV and the PDF describe the same moment and the report records its
files only if all of it succeeded; progress goes to the job through a connection of its own, so
the page polling it sees it move.
"""

import datetime
import hashlib
import logging
import os
import tempfile
from typing import Any

from django.core.files import File
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from attestations.services.checkpoints import checkpoint_ledger
from compliance import selectors as compliance
from compliance.models import ComplianceReport
from compliance.selectors import ComplianceFilters
from compliance.services.reports.csv import write_csv
from compliance.services.reports.pdf import write_pdf
from compliance.services.reports.summary import compute_summary
from compliance.signals import report_ready
from governance import db, jobs
from governance.models import Job

logger = logging.getLogger(__name__)

BUILD_REPORT = "compliance.report"  # the job kind (registered in compliance.jobs)
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
    done = ComplianceReport.objects.filter(job__status=Job.Status.DONE, filters=params)
    if before is not None:
        done = done.filter(as_of__lt=before)
    if exclude is not None:
        done = done.exclude(pk=exclude)
    return done.order_by("-as_of", "-pk").first()


def create_report(
    *, requested_by: Any = None, requested_by_label: str = "", trigger: str, filters: dict[str, Any] | None = None
) -> ComplianceReport:
    """A report row without its job yet (nothing enqueued): ``request_report`` starts its build,
    ``build_report`` builds it in this process. Its title, scope and files name what it covers."""
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
    """Queue a report: the row and the job that builds it commit together, and the job is handed
    to the workers through the outbox (a broker outage delays the build, never the request)."""
    with transaction.atomic():
        report = create_report(
            requested_by=requested_by, requested_by_label=requested_by_label, trigger=trigger, filters=filters
        )
        start_build(report, actor=requested_by)
    return report


def start_build(report: ComplianceReport, *, actor: Any = None) -> Job:
    """Start the job that builds the report (or find the active one) and link the report to it."""
    job, _ = jobs.start(
        kind=BUILD_REPORT,
        key=f"report:{report.pk}",
        title=f"Building {report}"[:300],
        params={"report": report.pk},
        actor=actor,
        return_url=reverse("reports:detail", args=[report.pk]),
        return_label="See the report",
    )
    if report.job_id != job.pk:
        ComplianceReport.objects.filter(pk=report.pk).update(job=job)
        report.job = job
    return job


def build_report(report_id: int) -> ComplianceReport:
    """Build the report now, in this process, through its job (the build_report command, the
    demo, messages queued before builds were jobs). A report built already is returned as it is;
    one never handed to a job, or whose job failed, gets a new job. Returns the report with its
    job's outcome (a job another worker is running is left to it)."""
    report = ComplianceReport.objects.select_related("job").get(pk=report_id)
    if report.job is None or report.job.status == Job.Status.FAILED:
        with transaction.atomic():
            start_build(report, actor=report.requested_by)
    assert report.job is not None
    if report.job.status != Job.Status.DONE:
        jobs.run_job(report.job.pk)
    return ComplianceReport.objects.select_related("job").get(pk=report_id)


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


def _build_files(
    report: ComplianceReport, *, filters: ComplianceFilters, today: datetime.date, progress: Any, workdir: str
) -> tuple[dict[str, Any], str, str]:
    assert report.as_of is not None  # set when the build started
    progress(0, step="Counting the figures")
    previous = previous_report_of_scope(compliance.same_scope_params(filters), before=report.as_of, exclude=report.pk)
    summary = compute_summary(filters=filters, today=today, as_of=report.as_of, previous=previous)
    # The same snapshot as the figures: the checkpoint signs the head the report states, and
    # the PDF carries its signature.
    report.ledger_checkpoint, _ = checkpoint_ledger(now=report.as_of)
    summary["ledger"]["checkpoint"] = {
        "id": report.ledger_checkpoint.pk,
        "kid": report.ledger_checkpoint.kid,
        "signature": report.ledger_checkpoint.signature,
        "created_at": report.ledger_checkpoint.created_at.isoformat(),
    }
    progress(30, step="Writing the CSV")
    csv_path = os.path.join(workdir, "report.csv")
    rows = write_csv(
        csv_path,
        filters=filters,
        today=today,
        total=summary["overall"]["total"],
        on_progress=lambda share: progress(30 + 50 * share, step="Writing the CSV"),
    )
    summary["csv_rows"] = rows
    progress(80, step="Writing the PDF")
    pdf_path = os.path.join(workdir, "report.pdf")
    write_pdf(pdf_path, report=report, summary=summary)
    progress(95, step="Saving the files")
    return summary, csv_path, pdf_path


def build_in_job(*, report_id: int, progress: Any) -> tuple[ComplianceReport, bool]:
    """The build itself, inside the job's transaction: the figures, the CSV and the PDF, their
    hashes and the ledger head, recorded on the report; (report, True). A report built already
    is left as it is; (report, False). Raises on any failure (ValidationError for filters that no
    longer name a record), and then the report records no files and keeps none in the storage.
    The report is announced ready by ``announce_ready`` once the job is done."""
    db.snapshot_this_transaction()  # before any read: every file describes the same moment
    report = ComplianceReport.objects.get(pk=report_id)
    if report.csv_sha256:
        return report, False
    _, filters = _filters_from(report.filters)
    report.as_of = timezone.now()
    today = timezone.localdate(report.as_of)
    saved: list[str] = []  # the files' names in the storage, removed if the build fails
    try:
        with tempfile.TemporaryDirectory(prefix="report-") as workdir:
            summary, csv_path, pdf_path = _build_files(
                report, filters=filters, today=today, progress=progress, workdir=workdir
            )
            stamp = timezone.localtime(report.as_of).strftime("%Y%m%d-%H%M%S")
            _save(report.csv_file, csv_path, f"{report.file_stem}-{stamp}.csv")
            saved.append(str(report.csv_file.name))
            _save(report.pdf_file, pdf_path, f"{report.file_stem}-{stamp}.pdf")
            saved.append(str(report.pdf_file.name))
            report.csv_sha256 = _sha256(csv_path)
            report.pdf_sha256 = _sha256(pdf_path)
        report.summary = summary
        report.ledger_head_hash = summary["ledger"]["head_hash"]
        report.ledger_count = summary["ledger"]["count"]
        report.save(
            update_fields=[
                "as_of",
                "summary",
                "csv_file",
                "csv_sha256",
                "pdf_file",
                "pdf_sha256",
                "ledger_head_hash",
                "ledger_count",
                "ledger_checkpoint",
            ]
        )
    except BaseException:
        logger.warning("Compliance report %s failed; its files are removed", report_id)
        for name in saved:
            report.csv_file.storage.delete(name)
        raise
    return report, True


def announce_ready(report_id: int) -> None:
    """Send ``report_ready`` for a built report (for a scheduled one, notifications mails the
    officers a link; integrations sends the report.ready webhook)."""
    report = ComplianceReport.objects.select_related("job").get(pk=report_id)
    report_ready.send(sender=ComplianceReport, report=report)
