"""The compliance trend over time, read from the daily ComplianceSnapshot rows."""

import datetime

from django.db.models import Sum
from django.utils import timezone

from governance.models import ComplianceSnapshot
from governance.selectors.compliance import FIGURE_NAMES, ComplianceFilters, Figures


def compliance_trend(filters=None, *, days=90, today=None):
    """Per-day totals over the last ``days`` days (oldest first), one Figures per day that has
    snapshots, with ``extra = {"day": date}``. One query.

    Snapshots keep department and tool only, so of ``filters`` only ``department`` (with its
    sub-departments) and ``platform_id`` narrow the trend.
    """
    filters = filters or ComplianceFilters()
    today = today or timezone.localdate()
    queryset = ComplianceSnapshot.objects.filter(day__gt=today - datetime.timedelta(days=days), day__lte=today)
    if filters.department is not None:
        queryset = queryset.filter(department__path__startswith=filters.department.path)
    if filters.platform_id:
        queryset = queryset.filter(platform_id=filters.platform_id)
    rows = queryset.order_by().values("day").annotate(**{name: Sum(name) for name in FIGURE_NAMES}).order_by("day")
    result = []
    for row in rows:
        figures = Figures(**{name: row[name] or 0 for name in FIGURE_NAMES})
        figures.extra = {"day": row["day"]}
        result.append(figures)
    return result
