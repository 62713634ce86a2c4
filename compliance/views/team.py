"""A manager's team: each report's tools, and the team's figures (the dashboard's, for the team)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from attestations.selectors import records as selectors
from compliance import selectors as compliance
from governance import roles


@login_required
@require_GET
def team(request):
    """A manager's direct and indirect reports and their status per tool, read-only. Anyone
    without reports sees an empty state: never another person's data."""
    manager = roles.employee_of(request.user)
    context = {"manager": manager, "rows": [], "columns": [], "page": None, "counts": None}
    if manager is not None:
        today = timezone.localdate()
        page, columns, rows = selectors.team_overview(manager=manager, page_number=request.GET.get("page"))
        context.update(
            page=page,
            columns=columns,
            rows=[_row(row, columns=columns, today=today) for row in rows],
            counts=compliance.summary(compliance.ComplianceFilters(manager=manager), today=today)
            if page.paginator.count
            else None,
        )
    return render(request, "compliance/team.html", context)


def _row(row, *, columns, today):
    """One report's cells (per tool column: the obligation and what its card says, or None) and
    a one-line summary of them, "3/5 done · 1 overdue", the line a phone shows first."""
    described = [(cell, selectors.describe(cell, today=today)) if cell else None for cell in row.cells]
    cells = list(zip(columns, described, strict=True))
    required = [cell for cell in described if cell]
    done = sum(1 for _, status in required if status.done)
    overdue = sum(1 for cell, status in required if not status.done and cell.due_on < today)
    summary = f"{done}/{len(required)} done" + (f" · {overdue} overdue" if overdue else "")
    return row.employee, cells, summary
