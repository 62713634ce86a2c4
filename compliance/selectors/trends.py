"""The trend from the daily snapshots, changes over time, and whether one person is fully
compliant."""

import datetime
from datetime import timedelta

from django.db.models import Q, Sum

from compliance.models import ComplianceSnapshot, ComplianceSnapshotTotal
from compliance.models.counts import ALL_PLATFORMS_ID, WHOLE_ORGANIZATION_ID
from compliance.selectors.figures import FIGURE_NAMES, Figures, _department_q, _figures
from compliance.selectors.filters import ComplianceFilters
from governance import db


def trend(filters: ComplianceFilters, *, days: int, today: datetime.date) -> list[Figures] | None:
    """Per-day totals from the daily ComplianceSnapshot rows over the last ``days`` days
    (``today - days`` to ``today`` inclusive), one query.

    On PostgreSQL the day totals are maintained (ComplianceSnapshotTotal: per day for the whole
    organization and each department with its sub-departments, all tools and per tool), so a
    trend reads one row per day; a department's direct members and people without a
    department are summed from their own snapshot rows. Elsewhere the snapshot rows are summed.

    Snapshots are kept per department and tool, so only the department and tool filters can
    be honoured; for other filters (see ComplianceFilters.snapshot_compatible) this returns
    None rather than figures that would silently ignore them."""
    filters = filters or ComplianceFilters()
    if not filters.snapshot_compatible:
        return None
    days_q = Q(day__gte=today - timedelta(days=days), day__lte=today)
    if db.on_postgres() and not (filters.department_direct_only or filters.no_department):
        department_id = filters.department.pk if filters.department is not None else WHOLE_ORGANIZATION_ID
        rows = ComplianceSnapshotTotal.objects.filter(
            days_q, department_id=department_id, platform_id=filters.platform_id or ALL_PLATFORMS_ID
        ).values("day", *FIGURE_NAMES)
    else:
        queryset = ComplianceSnapshot.objects.filter(days_q).filter(_department_q(filters))
        if filters.platform_id:
            queryset = queryset.filter(platform_id=filters.platform_id)
        rows = queryset.values("day").annotate(**{name: Sum(name) for name in FIGURE_NAMES})
    points = []
    for row in rows.order_by("day"):
        figures = _figures(row)
        figures.extra = {"day": row["day"]}
        points.append(figures)
    return points


def figures_on(points: list[Figures] | None, day: datetime.date) -> Figures | None:
    """The trend point of ``day`` (from :func:`trend`), or None when no snapshot exists."""
    for point in points or ():
        if point.extra["day"] == day:
            return point
    return None


def change(current: float | None, earlier: float | None) -> float | None:
    """``current - earlier``, or None when there is nothing to compare with."""
    if current is None or earlier is None:
        return None
    return round(current - earlier, 1)
