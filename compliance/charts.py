"""Geometry for the dashboard's server-rendered SVG charts.

Templates draw the SVG (templates/compliance/dashboard/charts/); this module only turns
figures into coordinates, so charts need no JavaScript, no CDN and no canvas, and every
chart can sit next to a table with exactly the same figures. Colours come from CSS classes
(static/css/dashboard.css), never inline styles, to respect the Content-Security-Policy.
"""

from dataclasses import dataclass, field

from django.utils.formats import date_format

# Stacked bar segments, in drawing order: (Figures attribute, drill-down bucket, label, CSS class).
SEGMENTS = (
    ("compliant", "compliant", "Compliant", "seg-compliant"),
    ("not_used", "not_used", "Not used", "seg-not-used"),
    ("excepted", "excepted", "Excepted", "seg-excepted"),
    ("pending", "pending", "Pending", "seg-pending"),
    ("noncompliant", "noncompliant", "Non-compliant", "seg-noncompliant"),
)


@dataclass
class Bar:
    label: str
    figures: object
    params: dict
    y: float
    segments: list = field(default_factory=list)  # dicts: x, width, value, bucket, label, css


@dataclass
class BarChart:
    width: int
    height: int
    label_width: int
    bar_width: int
    row_height: int
    bars: list


def stacked_bars(rows, *, label_width=170, bar_width=300, row_height=30):
    """Horizontal 100 % stacked bars, one per Figures row (``extra["name"]``, ``extra["params"]``).

    Each segment's width is its share of the row's open obligations."""
    bars = []
    for index, figures in enumerate(rows):
        bar = Bar(
            label=figures.extra.get("name", ""),
            figures=figures,
            params=figures.extra.get("params", {}),
            y=index * row_height,
        )
        x = 0.0
        for attribute, bucket, label, css in SEGMENTS:
            value = getattr(figures, attribute)
            if not value or not figures.total:
                continue
            width = bar_width * value / figures.total
            bar.segments.append(
                {"x": round(label_width + x, 2), "width": round(width, 2), "value": value, "bucket": bucket}
                | {"label": label, "css": css}
            )
            x += width
        bars.append(bar)
    return BarChart(
        width=label_width + bar_width + 62,
        height=max(len(bars), 1) * row_height,
        label_width=label_width,
        bar_width=bar_width,
        row_height=row_height,
        bars=bars,
    )


@dataclass
class LineChart:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    path: str
    area: str
    points: list  # dicts: x, y, day, value
    y_ticks: list  # dicts: y, label
    x_ticks: list  # dicts: x, label


def line_chart(values, *, y_max=None, suffix="", width=560, height=220, left=48, right=28, top=12, bottom=30):
    """A line over ``values`` (a list of (day, number or None)); gaps where a value is None.

    The y axis starts at 0 and ends at ``y_max`` (or a round number above the largest value)."""
    plot_width, plot_height = width - left - right, height - top - bottom
    numbers = [v for _, v in values if v is not None]
    if y_max is None:
        y_max = _nice_ceiling(max(numbers) if numbers else 1)
    y_max = y_max or 1
    count = len(values)
    step = plot_width / (count - 1) if count > 1 else 0
    points, path = [], []
    previous_missing = True
    for index, (day, value) in enumerate(values):
        if value is None:
            previous_missing = True
            continue
        x = left + (index * step if count > 1 else plot_width / 2)
        y = top + plot_height - plot_height * min(value, y_max) / y_max
        path.append(f"{'M' if previous_missing else 'L'}{x:.1f},{y:.1f}")
        previous_missing = False
        points.append({"x": round(x, 1), "y": round(y, 1), "day": day, "value": value})
    area = ""
    if points and all(v is not None for _, v in values):
        baseline = top + plot_height
        area = f"M{points[0]['x']},{baseline} L" + " L".join(f"{p['x']},{p['y']}" for p in points)
        area += f" L{points[-1]['x']},{baseline} Z"
    y_ticks = []
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        tick = y_max * fraction
        label = f"{tick:g}" if tick != int(tick) else f"{int(tick)}"
        y_ticks.append({"y": round(top + plot_height - plot_height * fraction, 1), "label": f"{label}{suffix}"})
    x_ticks = []
    if count:
        for index in sorted({0, count // 3, (2 * count) // 3, count - 1}):
            x = left + (index * step if count > 1 else plot_width / 2)
            x_ticks.append({"x": round(x, 1), "label": date_format(values[index][0], "MONTH_DAY_FORMAT")})
    return LineChart(
        width=width,
        height=height,
        left=left,
        top=top,
        plot_width=plot_width,
        plot_height=plot_height,
        path=" ".join(path),
        area=area,
        points=points,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
    )


def _nice_ceiling(value):
    """The smallest of 1, 2, 2.5, 5 x 10^n at or above ``value`` (a readable axis maximum)."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= value:
            return factor * magnitude
    return 10 * magnitude


def heat_class(rate):
    """CSS class of a heat-map cell for a compliance rate (None: no obligations)."""
    if rate is None:
        return "heat-none"
    if rate >= 95:
        return "heat-5"
    if rate >= 85:
        return "heat-4"
    if rate >= 70:
        return "heat-3"
    if rate >= 50:
        return "heat-2"
    return "heat-1"
