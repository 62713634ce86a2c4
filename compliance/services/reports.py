"""Compliance reports: point-in-time figures with a CSV (one row per employee and tool) and a
PDF, each with its SHA-256, built by a Celery task with visible progress.

Every figure comes from compliance.selectors, so a report, the dashboard and the
API agree. On PostgreSQL the reads run in one REPEATABLE READ READ ONLY transaction, so the
figures, the CSV and the PDF describe the same moment; progress is written through a second
connection so that the page polling it sees it move.
"""

import hashlib
import logging
import os
import tempfile
from xml.sax.saxutils import escape

from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections, transaction
from django.utils import timezone

from attestations.models import OPEN_ACTION_STATUSES, Attestation
from compliance import selectors as compliance
from compliance.models import ComplianceReport
from compliance.selectors import ComplianceFilters
from compliance.signals import report_ready
from governance import csv as csv_export
from governance import db

logger = logging.getLogger(__name__)

CSV_CHUNK = 5000
OVERDUE_PEOPLE_IN_REPORT = 50
TRANSIENT_ERRORS = (OperationalError, InterfaceError)

CSV_HEADER = [
    "employee_id",
    "employee_name",
    "employee_email",
    "department",
    "country",
    "handles_customer_data",
    "tool",
    "policy_version",
    "status",
    "due_on",
    "overdue",
    "valid_until",
    "last_attested_at",
]


# --- Requesting ----------------------------------------------------------------------------


def _filters_from(params):
    """Validate report filters (URL-parameter form); raises ValidationError naming the field."""
    params = {key: value for key, value in (params or {}).items() if key in ComplianceFilters.PARAMS and value}
    return params, ComplianceFilters.from_params(params)


def create_report(*, requested_by=None, requested_by_label="", trigger, filters=None):
    """A queued report row (nothing enqueued): for callers that build it themselves."""
    params, _ = _filters_from(filters)
    now = timezone.now()
    previous = ComplianceReport.objects.filter(status=ComplianceReport.Status.DONE).order_by("-as_of").first()
    return ComplianceReport.objects.create(
        title=f"Compliance report {timezone.localtime(now):%Y-%m-%d %H:%M}",
        trigger=trigger,
        requested_by=requested_by,
        requested_by_label=requested_by_label or (requested_by.email if requested_by else ""),
        filters=params,
        period_start=timezone.localdate(previous.as_of) if previous and previous.as_of else None,
        period_end=timezone.localdate(now),
    )


def request_report(*, requested_by=None, requested_by_label="", trigger, filters=None):
    """Queue a report and enqueue its build once the transaction commits."""
    from compliance.tasks import build_report_task

    report = create_report(
        requested_by=requested_by, requested_by_label=requested_by_label, trigger=trigger, filters=filters
    )
    transaction.on_commit(lambda: build_report_task.delay(report.pk))
    return report


# --- Figures -------------------------------------------------------------------------------


def _figures_row(figures):
    return {**figures.extra, **figures.as_dict()}


def _change(previous, overall, coverage):
    if previous is None:
        return None
    before = previous.summary.get("overall") or {}

    def delta(now, then):
        return None if now is None or then is None else round(now - then, 1)

    return {
        "previous_report": previous.pk,
        "previous_as_of": previous.summary.get("as_of"),
        "rate": delta(overall["rate"], before.get("rate")),
        "total": delta(overall["total"], before.get("total")),
        "overdue": delta(overall["overdue"], before.get("overdue")),
        "coverage_rate": delta(coverage["rate"], (previous.summary.get("coverage") or {}).get("rate")),
    }


def compute_summary(*, filters, today, as_of, previous=None):
    """The report's figures as JSON-ready data, all from the compliance selectors."""
    overall = compliance.summary(filters, today=today).as_dict()
    coverage = compliance.customer_data_coverage(filters, today=today)
    overdue_people = compliance.overdue_people(filters, today=today)
    head = Attestation.objects.order_by("-id").values_list("hash", flat=True).first()
    return {
        "as_of": as_of.isoformat(),
        "today": today.isoformat(),
        "filters": filters.as_params(),
        "overall": overall,
        "by_department": [_figures_row(f) for f in compliance.by_department(filters, today=today)],
        "by_platform": [_figures_row(f) for f in compliance.by_platform(filters, today=today)],
        "by_setting": [
            {
                "setting_id": row["setting_id"],
                "key": row["setting__key"],
                "label": row["setting__label"],
                "platform": row["setting__platform__name"],
                "noncompliant": row["count"],
            }
            for row in compliance.noncompliant_settings(filters, limit=None)
        ],
        "coverage": coverage,
        "overdue_people": {
            "count": overdue_people.count(),
            "top": [
                {
                    "name": person.full_name,
                    "email": person.email,
                    "department": person.department.name if person.department else "",
                    "overdue": person.overdue_count,
                }
                for person in overdue_people[:OVERDUE_PEOPLE_IN_REPORT]
            ],
        },
        "exceptions": {
            "open": compliance.open_exception_count(filters, today=today),
            "expired": compliance.expired_exception_count(filters, today=today),
        },
        "change": _change(previous, overall, coverage),
        "stale_catalog": compliance.stale_catalog_count(today=today),
        "ledger": {"head_hash": head or "", "count": Attestation.objects.count()},
    }


# --- Files ---------------------------------------------------------------------------------


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_csv(path, *, filters, today, on_progress=None, total=0):
    """One row per open obligation (employee x tool), streamed from a server-side cursor so
    memory stays flat whatever the size of the organization. Returns the row count."""
    rows = (
        compliance.open_obligations(filters)
        .order_by("employee_id", "platform_id")
        .values_list(
            "employee__external_id",
            "employee__full_name",
            "employee__email",
            "department__name",
            "employee__country",
            "employee__handles_customer_data",
            "platform__name",
            "policy_version__number",
            "status",
            "due_on",
            "valid_until",
            "last_attested_at",
        )
    )
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv_export.writer(handle)
        writer.writerow(CSV_HEADER)
        for row in rows.iterator(chunk_size=CSV_CHUNK):
            (ext_id, name, email, department, country, handles, tool, version, status, due_on, valid, attested) = row
            writer.writerow(
                [
                    ext_id,
                    name,
                    email,
                    department or "",
                    country,
                    "yes" if handles else "no",
                    tool,
                    version,
                    status,
                    due_on.isoformat(),
                    "yes" if status in OPEN_ACTION_STATUSES and due_on < today else "no",
                    valid.isoformat() if valid else "",
                    attested.isoformat() if attested else "",
                ]
            )
            count += 1
            if on_progress and count % (CSV_CHUNK * 4) == 0 and total:
                on_progress(count / total)
    return count


def _save(field, path, name):
    with open(path, "rb") as handle:
        field.save(name, File(handle), save=False)


class _Progress:
    """Writes the report's progress where a polling page sees it at once."""

    def __init__(self, report_id, *, side_connection):
        self.report_id = report_id
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS) if side_connection else None
        self.last = -1

    def __call__(self, percent):
        percent = max(0, min(99, int(percent)))
        if percent == self.last:
            return
        self.last = percent
        if self.connection is None:
            ComplianceReport.objects.filter(pk=self.report_id).update(progress=percent)
            return
        table = self.connection.ops.quote_name(ComplianceReport._meta.db_table)
        with self.connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET progress = %s WHERE id = %s", [percent, self.report_id])  # noqa: S608

    def close(self):
        if self.connection is not None:
            self.connection.close()


def _build_files(report, *, filters, today, progress, workdir):
    previous = (
        ComplianceReport.objects.filter(status=ComplianceReport.Status.DONE, as_of__lt=report.as_of)
        .exclude(pk=report.pk)
        .order_by("-as_of")
        .first()
    )
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


def build_report(report_id):
    """Build a queued (or retried) report: running, progress as it goes, then done with the
    files and their hashes, or failed with the error. Sends ``report_ready`` when done (for a
    scheduled report, notifications mails the officers a link). Returns the report."""
    now = timezone.now()
    ComplianceReport.objects.filter(pk=report_id).update(
        status=ComplianceReport.Status.RUNNING, started_at=now, as_of=now, progress=0, error=""
    )
    report = ComplianceReport.objects.get(pk=report_id)
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
            _save(report.csv_file, csv_path, f"compliance-report-{report.pk}-{stamp}.csv")
            _save(report.pdf_file, pdf_path, f"compliance-report-{report.pk}-{stamp}.pdf")
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


def report_text_lines(summary):
    """The headline figures as short lines (PDF cover, page, e-mail)."""
    overall = summary.get("overall") or {}
    coverage = summary.get("coverage") or {}

    def pct(value):
        return "-" if value is None else f"{value}%"

    return [
        (
            "Obligations satisfied",
            f"{overall.get('satisfied', 0)} of {overall.get('total', 0)} ({pct(overall.get('rate'))})",
        ),
        ("Overdue obligations", str(overall.get("overdue", 0))),
        ("Non-compliant answers", str(overall.get("noncompliant", 0))),
        (
            "Customer-data handlers compliant on every tool",
            f"{coverage.get('fully_compliant', 0)} of {coverage.get('handlers', 0)} ({pct(coverage.get('rate'))})",
        ),
        ("People with overdue tools", str((summary.get("overdue_people") or {}).get("count", 0))),
        ("Open exceptions", str((summary.get("exceptions") or {}).get("open", 0))),
        ("Expired exceptions", str((summary.get("exceptions") or {}).get("expired", 0))),
        ("Stale catalog entries", str(summary.get("stale_catalog", 0))),
        ("Attestation ledger records", str((summary.get("ledger") or {}).get("count", 0))),
    ]


# --- PDF -----------------------------------------------------------------------------------


def _pct(value):
    return "-" if value is None else f"{value}%"


def _table(header, rows, widths=None):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table([header, *rows], colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _rate_chart(platforms):
    """A bar chart of the share of satisfied obligations per tool."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    shown = platforms[:20]
    height = 40 + 16 * max(1, len(shown))
    drawing = Drawing(480, height + 20)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 130, 10, 330, height - 10
    chart.data = [[row["rate"] or 0 for row in reversed(shown)] or [0]]
    chart.categoryAxis.categoryNames = [row["name"][:24] for row in reversed(shown)] or ["-"]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor("#2f6f4f")
    drawing.add(chart)
    drawing.add(String(130, height + 6, "Obligations satisfied per tool (%)", fontSize=8))
    return drawing


def write_pdf(path, *, report, summary):
    """The report as a PDF: cover summary, a chart and the tables; text a machine can read."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    story = [
        Paragraph("AI tool compliance report", styles["Title"]),
        Paragraph(
            f"As of {timezone.localtime(report.as_of):%Y-%m-%d %H:%M %Z} · {report.get_trigger_display()}"
            + (f" by {escape(report.requested_by_label)}" if report.requested_by_label else ""),
            styles["BodyText"],
        ),
    ]
    if summary["filters"]:
        narrowed = ", ".join(f"{key}={value}" for key, value in summary["filters"].items())
        story.append(Paragraph(escape(f"Narrowed to: {narrowed}"), styles["BodyText"]))
    story += [Spacer(1, 6 * mm), Paragraph("Summary", styles["Heading2"])]
    story.append(
        _table(
            ["Figure", "Value"], [[label, value] for label, value in report_text_lines(summary)], [110 * mm, 60 * mm]
        )
    )
    change = summary.get("change")
    if change:
        story.append(Spacer(1, 3 * mm))
        story.append(
            Paragraph(
                f"Change since report {change['previous_report']}: satisfied rate {change['rate']:+} points, "
                f"overdue {change['overdue']:+}, customer-data coverage {change['coverage_rate']:+} points."
                if None not in (change["rate"], change["overdue"], change["coverage_rate"])
                else f"Change since report {change['previous_report']}: not comparable (no figures then).",
                styles["BodyText"],
            )
        )
    ledger = summary["ledger"]
    story += [
        Spacer(1, 3 * mm),
        Paragraph("Attestation ledger head hash (SHA-256):", styles["BodyText"]),
        Paragraph(ledger["head_hash"] or "(empty ledger)", small),
        Spacer(1, 6 * mm),
        _rate_chart(summary["by_platform"]),
        PageBreak(),
        Paragraph("By tool", styles["Heading2"]),
        _table(
            ["Tool", "Obligations", "Satisfied", "Rate", "Non-compliant", "Overdue"],
            [
                [row["name"], row["total"], row["satisfied"], _pct(row["rate"]), row["noncompliant"], row["overdue"]]
                for row in summary["by_platform"]
            ],
        ),
        Paragraph("By department", styles["Heading2"]),
        _table(
            ["Department", "Obligations", "Satisfied", "Rate", "Non-compliant", "Overdue"],
            [
                [row["name"], row["total"], row["satisfied"], _pct(row["rate"]), row["noncompliant"], row["overdue"]]
                for row in summary["by_department"]
            ],
        ),
        Paragraph("Required settings not at the required value", styles["Heading2"]),
    ]
    if summary["by_setting"]:
        story.append(
            _table(
                ["Tool", "Setting", "Non-compliant answers"],
                [
                    [row["platform"], Paragraph(escape(row["label"]), small), row["noncompliant"]]
                    for row in summary["by_setting"]
                ],
                [40 * mm, 100 * mm, 35 * mm],
            )
        )
    else:
        story.append(Paragraph("None.", styles["BodyText"]))
    overdue = summary["overdue_people"]
    story.append(Paragraph(f"Overdue people ({overdue['count']})", styles["Heading2"]))
    if overdue["top"]:
        if overdue["count"] > len(overdue["top"]):
            story.append(Paragraph(f"The {len(overdue['top'])} most overdue; the CSV lists everyone.", small))
        story.append(
            _table(
                ["Person", "Department", "Overdue tools"],
                [[f"{p['name']} <{p['email']}>", p["department"], p["overdue"]] for p in overdue["top"]],
            )
        )
    else:
        story.append(Paragraph("Nobody is overdue.", styles["BodyText"]))

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(15 * mm, 10 * mm, f"{report} · page {document.page}")
        canvas.restoreState()

    document = SimpleDocTemplate(
        path, pagesize=A4, title=str(report), author="AI Governance", leftMargin=15 * mm, rightMargin=15 * mm
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
