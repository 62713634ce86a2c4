"""The dashboard's repeated chart and table elements, written in Python.

A department with a hundred sub-departments gives a heat map of thousands of cells, and a
year of trend hundreds of points and table rows; rendered element by element through the
template engine (or even ``format_html`` per element) they cost more than every figure of the
page. These tags write the same markup with plain string formatting, escaping every text with
the same ``html.escape`` Django's escaping uses; the templates keep the structure around them.
"""

from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django import template
from django.template.defaultfilters import truncatechars
from django.utils.formats import date_format
from django.utils.safestring import mark_safe

register = template.Library()


def _whole(rate):
    """A percentage rounded half up to a whole number (as the floatformat:0 filter does)."""
    return Decimal(str(rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP)


@register.simple_tag
def heat_cells(row):
    """The <td> cells of one heat-map row (from views.dashboard._heat_rows)."""
    department = escape(row["department"]["name"])
    cells = []
    for cell in row["cells"]:
        figures, css = cell["figures"], escape(cell["css"])
        if not figures:
            cells.append(f'<td class="heat-cell {css}"><span class="muted" aria-label="no obligations">·</span></td>')
            continue
        title = (
            f"{department} · {escape(cell['platform']['name'])}: {figures.satisfied} of {figures.total} satisfied, "
            f"{figures.overdue} overdue"
        )
        cells.append(
            f'<td class="heat-cell {css}"><a href="{escape(cell["url"])}" title="{title}" '
            f'data-bucket="{escape(cell["bucket"])}">{_whole(figures.rate)}%'
            f'<span class="visually-hidden"> of {figures.total}</span></a></td>'
        )
    return mark_safe("".join(cells))  # noqa: S308 (every text above is escaped)


@register.simple_tag
def line_dots(chart):
    """The dots of a line chart (charts.LineChart), each with its day and value as a tooltip."""
    css = "dot dot-dense" if len(chart.points) > 45 else "dot"
    return mark_safe(  # noqa: S308 (numbers and dates only)
        "".join(
            f'<circle class="{css}" cx="{p["x"]}" cy="{p["y"]}" r="3"><title>{date_format(p["day"])}: {p["value"]}'
            "</title></circle>"
            for p in chart.points
        )
    )


@register.simple_tag
def trend_rows(points):
    """The rows of the trend's table (Figures with ``extra["day"]``), as given."""
    return mark_safe(  # noqa: S308 (numbers and dates only)
        "".join(
            f'<tr><th scope="row">{date_format(p.extra["day"])}</th><td>{"—" if p.rate is None else f"{p.rate}%"}</td>'
            f"<td>{p.total}</td><td>{p.satisfied}</td><td>{p.noncompliant}</td><td>{p.overdue}</td></tr>"
            for p in points
        )
    )


def _rate(figures):
    return "" if figures.rate is None else f"{figures.rate}%"


@register.simple_tag
def bar_rows(chart):
    """The rows of a stacked bar chart (charts.BarChart): label, one linked segment per status,
    and the compliance rate. Each segment's link is named by its <title> (the tooltip too)."""
    label_x, value_x = chart.label_width - 8, chart.label_width + chart.bar_width + 8
    rows = []
    for bar in chart.bars:
        label = escape(bar.label)
        segments = "".join(
            f'<a href="{escape(s["url"])}"><title>{label}: {s["value"]} {escape(s["label"].lower())}</title>'
            f'<rect class="{s["css"]}" x="{s["x"]}" y="{bar.y + 5}" width="{s["width"]}" height="20"/></a>'
            for s in bar.segments
        )
        rows.append(
            f'<g class="bar-row"><a href="{escape(bar.url)}"><text class="bar-label" x="{label_x}" y="{bar.y + 15}" '
            f'text-anchor="end" dominant-baseline="middle">{escape(truncatechars(bar.label, 20))}</text></a>'
            f'{segments}<text class="bar-value" x="{value_x}" y="{bar.y + 15}" dominant-baseline="middle">'
            f"{_rate(bar.figures)}</text></g>"
        )
    return mark_safe("".join(rows))  # noqa: S308 (every text above is escaped)


@register.simple_tag
def bar_table_rows(chart):
    """The rows of the table beside a stacked bar chart: the same figures, linked."""
    rows = []
    for bar in chart.bars:
        f, url = bar.figures, escape(bar.url)
        rows.append(
            f'<tr><th scope="row"><a href="{url}">{escape(bar.label)}</a></th><td>{_rate(f) or "—"}</td>'
            f'<td><a href="{url}">{f.total}</a></td><td>{f.compliant}</td><td>{f.not_used}</td><td>{f.excepted}</td>'
            f"<td>{f.pending}</td><td>{f.noncompliant}</td><td>{f.overdue}</td></tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308 (every text above is escaped)
