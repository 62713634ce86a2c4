"""A report's PDF: the cover summary, a chart and the tables, as text a machine can read."""

from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format

from compliance.models import ComplianceReport
from compliance.services.reports.summary import change_text, report_text_lines


def as_of_text(moment: Any) -> str:
    """The report's moment in the pages' one date format, with its time zone ("1 Dec 2026, 14:05 UTC")."""
    local = timezone.localtime(moment)
    return f"{date_format(local, 'DATETIME_FORMAT')} {local:%Z}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value}%"


def _table(header: list[str], rows: list[list[Any]], widths: list[float] | None = None) -> Any:
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


def _rate_chart(platforms: list[dict[str, Any]]) -> Any:
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


def write_pdf(path: str, *, report: ComplianceReport, summary: dict[str, Any]) -> None:
    """The report as a PDF: cover summary, a chart and the tables; text a machine can read."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    styles = getSampleStyleSheet()
    styles.add(styles["BodyText"].clone("small", fontSize=8, leading=10))
    story = [
        *_cover(report, summary, styles),
        _rate_chart(summary["by_platform"]),
        PageBreak(),
        *_breakdowns(summary, styles),
        *_overdue_people(summary["overdue_people"], styles),
    ]

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(15 * mm, 10 * mm, f"{report} · page {document.page}")
        canvas.restoreState()

    document = SimpleDocTemplate(
        path, pagesize=A4, title=str(report), author="AI Governance", leftMargin=15 * mm, rightMargin=15 * mm
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)


def _cover(report: ComplianceReport, summary: dict[str, Any], styles: Any) -> list[Any]:
    """Title, as-of line, filters, the summary figures, the change and the ledger's head."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    scope = summary.get("scope") or report.scope or "Whole organization"
    story = [
        Paragraph("AI tool compliance report", styles["Title"]),
        Paragraph(escape(f"Scope: {scope}"), styles["Heading2"]),
        Paragraph(
            escape(f"As of {as_of_text(report.as_of)} · {report.origin}"),
            styles["BodyText"],
        ),
    ]
    story += [Spacer(1, 6 * mm), Paragraph("Summary", styles["Heading2"])]
    story.append(
        _table(
            ["Figure", "Value"], [[label, value] for label, value in report_text_lines(summary)], [110 * mm, 60 * mm]
        )
    )
    change = summary.get("change")
    story.append(Spacer(1, 3 * mm))
    story.append(Paragraph(escape(change_text(change, scope=scope)), styles["BodyText"]))
    return [
        *story,
        Spacer(1, 3 * mm),
        Paragraph("Attestation ledger head hash (SHA-256):", styles["BodyText"]),
        Paragraph(summary["ledger"]["head_hash"] or "(empty ledger)", styles["small"]),
        *_checkpoint(summary["ledger"].get("checkpoint"), styles),
        Spacer(1, 6 * mm),
    ]


def _checkpoint(checkpoint: dict[str, Any] | None, styles: Any) -> list[Any]:
    """The signed checkpoint of that head: verifiable with the key of its kid at
    /.well-known/ledger-keys.json (README, Ledger checkpoints)."""
    from reportlab.platypus import Paragraph

    if not checkpoint:
        return []
    return [
        Paragraph(
            escape(f"Signed ledger checkpoint {checkpoint['id']} (Ed25519, key {checkpoint['kid']}), signature:"),
            styles["BodyText"],
        ),
        Paragraph(escape(checkpoint["signature"]), styles["small"]),
    ]


def _breakdowns(summary: dict[str, Any], styles: Any) -> list[Any]:
    """By tool, by department, and the required settings most often not at their value."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    columns = ["Obligations", "Satisfied", "Rate", "Non-compliant", "Overdue"]

    def figures(row: dict[str, Any]) -> list[Any]:
        return [row["total"], row["satisfied"], _pct(row["rate"]), row["noncompliant"], row["overdue"]]

    story = [
        Paragraph("By tool", styles["Heading2"]),
        _table(["Tool", *columns], [[row["name"], *figures(row)] for row in summary["by_platform"]]),
        Paragraph("By department", styles["Heading2"]),
        Paragraph(
            "Sub-departments rolled up; people who sit in the department itself are counted in its "
            "“(direct members)” row, so the rows add up to the summary.",
            styles["small"],
        ),
        _table(["Department", *columns], [[row["name"], *figures(row)] for row in summary["by_department"]]),
        Paragraph("Required settings not at the required value", styles["Heading2"]),
    ]
    if not summary["by_setting"]:
        return [*story, Paragraph("None.", styles["BodyText"])]
    rows = [
        [row["platform"], Paragraph(escape(row["label"]), styles["small"]), row["noncompliant"]]
        for row in summary["by_setting"]
    ]
    return [*story, _table(["Tool", "Setting", "Non-compliant answers"], rows, [40 * mm, 100 * mm, 35 * mm])]


def _overdue_people(overdue: dict[str, Any], styles: Any) -> list[Any]:
    from reportlab.platypus import Paragraph

    story = [Paragraph(f"Overdue people ({overdue['count']})", styles["Heading2"])]
    if not overdue["top"]:
        return [*story, Paragraph("Nobody is overdue.", styles["BodyText"])]
    if overdue["count"] > len(overdue["top"]):
        story.append(Paragraph(f"The {len(overdue['top'])} most overdue; the CSV lists everyone.", styles["small"]))
    rows = [[f"{p['name']} <{p['email']}>", p["department"], p["overdue"]] for p in overdue["top"]]
    return [*story, _table(["Person", "Department", "Overdue tools"], rows)]
