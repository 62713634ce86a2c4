"""Breakdowns: one GROUP BY for the summary, tools, departments and the heat map; the failing
settings; the people most overdue."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.expressions import RawSQL

from attestations.models import AttestationAnswer, ObligationStatus
from compliance.models import FailingSettingCount
from compliance.models.counts import NO_DEPARTMENT_ID, WHOLE_ORGANIZATION_ID
from compliance.selectors.counts import (
    _count_aggregates,
    _counted,
    _counts,
    _scope,
    counts_answer,
    team_counts,
    team_outside,
)
from compliance.selectors.figures import (
    FIGURE_NAMES,
    Figures,
    figure_aggregates,
    obligations_in_bucket,
    open_obligations,
)
from compliance.selectors.filters import ComplianceFilters
from people.models import Department, Employee
from people.selectors import department_tree


@dataclass
class Overview:
    """Everything the dashboard's breakdowns show, from one aggregate query."""

    summary: Figures
    platforms: list  # Figures per tool, worst first; extra: id, name, slug
    departments: list  # Figures per shown department row; extra: key, id, name, params
    heat_map: dict  # {"departments": [...], "platforms": [...], "cells": {(platform_id, key): Figures}}
    focus: dict | None  # the department whose sub-departments are shown


NO_DEPARTMENT_ROW = {"key": "none", "id": None, "name": "No department", "direct": False}


def _row(
    department: dict[str, Any], *, key: Any = None, direct: bool = False, name: str | None = None
) -> dict[str, Any]:
    """A department row of a breakdown: the department with its sub-departments rolled up, or
    (``direct``) its own members only."""
    key = department["id"] if key is None else key
    return {"key": key, "id": department["id"], "name": name or department["name"], "direct": direct}


def _row_scope(row: dict[str, Any]) -> tuple[int, bool]:
    """The (department_id, subtree) scope of the maintained counts that a row shows."""
    if row["key"] == "none":
        return (NO_DEPARTMENT_ID, False)
    return (row["id"], not row["direct"])


def _children_rows(
    focus: dict[str, Any], tree: list[dict[str, Any]], *, include_direct: bool, with_none: bool
) -> dict[Any, dict[str, Any]]:
    rows = {r["id"]: _row(r) for r in tree if r["parent_id"] == focus["id"]}
    if include_direct:
        rows["direct"] = _row(focus, key="direct", direct=True, name=f"{focus['name']} (direct members)")
        if with_none:
            rows["none"] = dict(NO_DEPARTMENT_ROW)
    return rows


def _layouts(
    filters: ComplianceFilters, tree: list[dict[str, Any]], *, include_direct: bool
) -> list[tuple[Any, dict[Any, Any]]]:
    """The department rows a breakdown may show, as (focus, rows) layouts; rows map a key to
    a row (see :func:`_row`).

    Rows are the children of the focus department (the filtered department; with no filter,
    the top level, or a root's children when every obligation sits under that one root; see
    :func:`_chosen_layout`), each with its own sub-departments rolled up. With
    ``include_direct``, people sitting in the focus department itself and people without a
    department get rows too, so that the rows add up to the summary."""
    if filters.no_department:
        return [(None, {"none": dict(NO_DEPARTMENT_ROW)})]
    if filters.department is not None:
        department = filters.department
        by_id = {row["id"]: row for row in tree}
        focus = by_id.get(department.pk) or {"id": department.pk, "name": department.name, "path": department.path}
        if filters.department_direct_only:
            return [(focus, {"direct": _row(focus, key="direct", direct=True)})]
        if not any(row["parent_id"] == focus["id"] for row in tree):
            # A department without sub-departments is its own (only) row.
            return [(focus, {focus["id"]: _row(focus)})]
        return [(focus, _children_rows(focus, tree, include_direct=include_direct, with_none=False))]
    roots = [row for row in tree if row["parent_id"] is None]
    top = {row["id"]: _row(row) for row in roots}
    if include_direct:
        top["none"] = dict(NO_DEPARTMENT_ROW)
    layouts: list[tuple[Any, dict[Any, Any]]] = [(None, top)]
    for root in roots:
        layouts.append((root, _children_rows(root, tree, include_direct=include_direct, with_none=True)))
    return layouts


def _chosen_layout(
    filters: ComplianceFilters, layouts: list[tuple[Any, dict[Any, Any]]], totals: Any
) -> tuple[Any, dict[Any, Any]]:
    """The layout to show, given ``totals`` per scope: with no department filter, the children
    of the single root department when every obligation sits under it, else the top level."""
    if filters.department is not None or filters.no_department:
        return layouts[0]
    used_roots = [focus for focus, _ in layouts[1:] if totals.get((focus["id"], True), 0)]
    if len(used_roots) == 1 and not totals.get((NO_DEPARTMENT_ID, False), 0):
        return next(layout for layout in layouts[1:] if layout[0] is used_roots[0])
    return layouts[0]


def _row_params(filters: ComplianceFilters, row: dict[str, Any]) -> dict[str, Any]:
    """Filters (as URL params) that select exactly the people of a department row."""
    if row["key"] == "none":
        narrowed = replace(filters, department=None, department_direct_only=False, no_department=True)
    else:
        department = Department(pk=row["id"], name=row["name"])
        narrowed = replace(filters, department=department, department_direct_only=row["direct"], no_department=False)
    return narrowed.as_params()


def _platform_names() -> dict[str, Any]:
    """Annotations naming the tool of a maintained count row (``platform_id``)."""
    from platforms.models import Platform

    platform = Platform.objects.filter(pk=OuterRef("platform_id"))
    return {
        "platform__name": Subquery(platform.values("name")[:1]),
        "platform__slug": Subquery(platform.values("slug")[:1]),
    }


def _team_groups(filters: ComplianceFilters, *, today: datetime.date, with_names: bool) -> list[dict[str, Any]] | None:
    """The groups of :func:`_scope_sums_live`, per (department, tool), from a manager's team's
    maintained counts (:func:`team_counts`); None when they cannot answer or hold nothing."""
    counted = team_counts(filters, today=today)
    if counted is None:
        return None
    names = _platform_names() if with_names else {}
    groups = list(
        counted.values("department_id", "platform_id", **names)
        .annotate(**_count_aggregates())
        .filter(total__gt=0)
        .order_by()
    )
    return groups or None


def _scope_sums_from_counts(
    filters: ComplianceFilters, scopes: set[tuple[int, bool]], *, today: datetime.date, with_names: bool
) -> tuple[dict[Any, Any], dict[Any, Any]] | None:
    """Figures (integer lists in FIGURE_NAMES order) per (scope, platform_id) from the
    maintained counts, and tool names when ``with_names``; None when the counts cannot answer
    (the caller runs the live query). One query over a few rows per scope and tool."""
    if not counts_answer(filters):
        return None
    names = _platform_names() if with_names else {}
    counted = _counts(filters, today=today, scopes=scopes)
    assert counted is not None  # counts_answer(filters) holds
    rows = list(
        counted.values("department_id", "subtree", "platform_id", **names)
        .annotate(**_count_aggregates())
        .filter(total__gt=0)
        .order_by()
    )
    if not rows:
        return None
    sums = {
        ((row["department_id"], row["subtree"]), row["platform_id"]): [row[n] or 0 for n in FIGURE_NAMES]
        for row in rows
    }
    return sums, {row["platform_id"]: row for row in rows if with_names}


def _head_of_organization_sums(
    filters: ComplianceFilters,
    scopes: set[tuple[int, bool]],
    *,
    today: datetime.date,
    tree: list[dict[str, Any]],
    with_names: bool,
) -> tuple[dict[Any, Any], dict[Any, Any]] | None:
    """The sums of :func:`_scope_sums_from_counts` for the team of the head of the whole
    organization: the organization's maintained counts of the scopes minus those of the people
    outside the team (:func:`team_outside`); None for any other manager or filter."""
    outside = team_outside(filters, today=today)
    if outside is None:
        return None
    found = _scope_sums_from_counts(replace(filters, manager=None), scopes, today=today, with_names=with_names)
    if found is None:
        return None
    sums, names = found
    others = outside.values("department_id", "platform_id").annotate(**_count_aggregates()).order_by()
    others_sums, _ = _scope_sums_live(filters, scopes, today=today, tree=tree, with_names=False, groups=others)
    for key, values in others_sums.items():
        if key in sums:
            sums[key] = [mine - theirs for mine, theirs in zip(sums[key], values, strict=True)]
    sums = {key: values for key, values in sums.items() if values[0] > 0}
    return (sums, names) if sums else None


def _scope_sums_live(
    filters: ComplianceFilters,
    scopes: set[tuple[int, bool]],
    *,
    today: datetime.date,
    tree: list[dict[str, Any]],
    with_names: bool,
    groups: Any = None,
) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """The same as :func:`_scope_sums_from_counts` from figures per (department, tool):
    ``groups`` when given (a manager's team's counts), else one GROUP BY over the open
    obligations; each group added to the requested scopes that contain its department."""
    if groups is None:
        columns = ["department_id", "platform_id", *(["platform__name", "platform__slug"] if with_names else [])]
        groups = open_obligations(filters).values(*columns).annotate(**figure_aggregates(today)).order_by()
    wanted = set(scopes)
    paths = {row["id"]: row["path"] for row in tree}
    outer = _scope(filters)  # the live query is narrowed to it: every group belongs there
    scopes_of: dict[Any, Any] = {}
    sums: dict[Any, Any] = {}
    names: dict[Any, Any] = {}
    for group in groups:
        department_id, platform_id = group["department_id"], group["platform_id"]
        inside = scopes_of.get(department_id)
        if inside is None:
            containing = {(WHOLE_ORGANIZATION_ID, True), (department_id or NO_DEPARTMENT_ID, False), outer}
            containing.update((int(a), True) for a in paths.get(department_id, "").strip("/").split("/") if a)
            inside = scopes_of[department_id] = containing & wanted
        values = [group[n] or 0 for n in FIGURE_NAMES]
        for scope in inside:
            total = sums.setdefault((scope, platform_id), [0] * len(FIGURE_NAMES))
            for index, value in enumerate(values):
                total[index] += value
        if with_names:
            names[platform_id] = group
    return sums, names


def overview(
    filters: ComplianceFilters,
    *,
    today: datetime.date,
    tree: list[dict[str, Any]] | None = None,
    platforms: Any = None,
    include_direct: bool = True,
) -> Overview:
    """Summary, per tool, per department (rolled up) and tool x department heat map.

    One query: on PostgreSQL (filters by department, tool and policy version), the maintained
    counts of the few scopes shown (the filtered department, its children, its direct members);
    for a manager's team, its managers' counts per (department, tool); otherwise one GROUP BY
    (department, platform) over the filtered open obligations. Plus the
    department tree when ``tree`` (from :func:`department_tree`) is not passed in. Tool names
    come from ``platforms`` ({id, name, slug} rows, e.g. catalog_freshness()["platforms"])
    when given, else from the same query."""
    filters = filters or ComplianceFilters()
    if tree is None:
        tree = department_tree()
    layouts = _layouts(filters, tree, include_direct=include_direct)
    outer = _scope(filters)
    scopes = {outer, (NO_DEPARTMENT_ID, False)}
    scopes.update(_row_scope(row) for _, rows in layouts for row in rows.values())
    with_names = platforms is None
    found = _scope_sums_from_counts(filters, scopes, today=today, with_names=with_names)
    if found is None:
        found = _head_of_organization_sums(filters, scopes, today=today, tree=tree, with_names=with_names)
    if found is None:
        groups = _team_groups(filters, today=today, with_names=with_names)
        found = _scope_sums_live(filters, scopes, today=today, tree=tree, with_names=with_names, groups=groups)
    sums, names = found
    if platforms is not None:
        names = {p["id"]: {"platform__name": p["name"], "platform__slug": p.get("slug", "")} for p in platforms}

    def as_figures(values: Sequence[Any], extra: dict[str, Any] | None = None) -> Figures:
        return Figures(**dict(zip(FIGURE_NAMES, values, strict=True)), extra=extra or {})

    totals: dict[Any, int] = {}
    for (scope, _), values in sums.items():
        totals[scope] = totals.get(scope, 0) + values[0]
    focus, rows = _chosen_layout(filters, layouts, totals)
    total = Figures()
    per_platform = {}
    for (scope, platform_id), values in sums.items():
        if scope == outer:
            name = names.get(platform_id, {})
            extra = {
                "id": platform_id,
                "name": name.get("platform__name", f"Tool {platform_id}"),
                "slug": name.get("platform__slug", ""),
            }
            per_platform[platform_id] = as_figures(values, extra)
            total.add(per_platform[platform_id])
    cells, departments = {}, []
    for key, row in rows.items():
        figures = Figures()
        scope = _row_scope(row)
        for platform_id in per_platform:
            values = sums.get((scope, platform_id))
            if values is not None:
                cells[(platform_id, key)] = as_figures(values)
                figures.add(cells[(platform_id, key)])
        if figures.total:
            figures.extra = {**row, "params": _row_params(filters, row)}
            departments.append(figures)
    platform_rows = sorted(
        per_platform.values(), key=lambda f: (f.rate if f.rate is not None else 101, f.extra["name"])
    )
    order = {"direct": 1, "none": 2}
    departments.sort(key=lambda f: (order.get(f.extra["key"], 0), f.extra["name"].lower()))
    heat = {
        "departments": [f.extra for f in departments],
        "platforms": [
            {"id": f.extra["id"], "name": f.extra["name"]}
            for f in sorted(per_platform.values(), key=lambda f: f.extra["name"].lower())
        ],
        "cells": cells,
    }
    return Overview(summary=total, platforms=platform_rows, departments=departments, heat_map=heat, focus=focus)


def by_platform(filters: ComplianceFilters, *, today: datetime.date) -> list[Figures]:
    """Figures per tool, worst compliance first. One query."""
    return overview(filters, today=today, tree=[]).platforms


def by_department(filters: ComplianceFilters, *, today: datetime.date) -> list[Figures]:
    """Figures per department (the filtered department's children, or the top level), each with
    its sub-departments rolled up, plus a "<department> (direct members)" row for the people
    sitting in the department itself and a "No department" row, so that the rows add up to the
    summary. Two queries: the department tree and the counts."""
    return overview(filters, today=today).departments


def heat_map(filters: ComplianceFilters, *, today: datetime.date) -> dict[str, Any]:
    """Tool x department figures (departments as in by_department, rolled up).

    Returns {"departments": [{id, name, ...}], "platforms": [{id, name}], "cells": {(platform_id,
    department_id): Figures}}. Two queries.
    """
    return overview(filters, today=today, include_direct=False).heat_map


def noncompliant_settings(filters: ComplianceFilters, *, limit: int | None = 10) -> list[dict[str, Any]]:
    """Required settings most often not at the required value, over the filtered non-compliant
    obligations' current attestations. One query: over the maintained failing-setting counts
    when they can answer (PostgreSQL, anything but a manager's team), else over the answers of
    the filtered obligations' attestations."""
    filters = filters or ComplianceFilters()
    if counts_answer(filters):
        rows = _counted(FailingSettingCount.objects.all(), filters, facets=True).values(
            "setting_id", "setting__key", "setting__label", "setting__platform__name"
        )
        rows = rows.annotate(count=Sum("count")).filter(count__gt=0)
    else:
        attestation_ids = (
            open_obligations(filters)
            .filter(status=ObligationStatus.NONCOMPLIANT, satisfied_by__isnull=False)
            .values("satisfied_by_id")
        )
        rows = (
            AttestationAnswer.objects.filter(compliant=False, attestation_id__in=attestation_ids)
            .values("setting_id", "setting__key", "setting__label", "setting__platform__name")
            .annotate(count=Count("id"))
        )
    return list(rows.order_by("-count", "setting__platform__name", "setting__label")[:limit])


# How many overdue obligations, in due-date order, the top list of overdue people reads before
# falling back to a full GROUP BY (enough for ``limit`` people unless they each have dozens).
OVERDUE_SCAN_PER_PERSON = 50


def _most_overdue_ids(overdue: QuerySet, limit: int) -> RawSQL:
    """Ids of the ``limit`` people whose oldest overdue obligation is oldest (ties: lowest id),
    as a SQL subquery (for ``pk__in``).

    Reads the overdue obligations in (due date, person) order (an index-ordered scan with a
    LIMIT) and keeps the first ``limit`` distinct people: exactly the top list whenever the
    scanned rows hold that many people, or are all there is. Only otherwise (people with
    dozens of overdue obligations each) the same statement groups every overdue obligation
    instead (the other branch is switched off by a one-time condition)."""
    scan = limit * OVERDUE_SCAN_PER_PERSON
    scan_sql, scan_params = (
        overdue.order_by("due_on", "employee_id").values("employee_id", "due_on")[:scan].query.sql_with_params()
    )
    all_sql, all_params = overdue.order_by().values("employee_id", "due_on").query.sql_with_params()
    sql = f"""
        WITH scan AS ({scan_sql}),
        enough AS (SELECT count(DISTINCT employee_id) >= %s OR count(*) < %s AS yes FROM scan),
        pool AS (
            SELECT employee_id, due_on FROM scan WHERE (SELECT yes FROM enough)
            UNION ALL
            SELECT employee_id, due_on FROM ({all_sql}) AS every_overdue WHERE NOT (SELECT yes FROM enough)
        )
        SELECT employee_id FROM pool GROUP BY employee_id ORDER BY min(due_on), employee_id LIMIT %s
    """
    return RawSQL(sql, (*scan_params, limit, scan, *all_params, limit))


def overdue_people(filters: ComplianceFilters, *, today: datetime.date, limit: int | None = None) -> QuerySet[Employee]:
    """Employees with at least one overdue obligation, most overdue first (a queryset): the
    oldest overdue obligation first, then the most overdue tools.

    ``overdue_count`` and ``oldest_due_on`` count only the overdue obligations inside the
    filters. With ``limit``, the top people (oldest overdue obligation first) are picked by
    an index-ordered scan (see :func:`_most_overdue_ids`), so nothing groups every overdue
    obligation of the organization; the per-person counts run for those few only."""
    overdue = obligations_in_bucket(filters, bucket="overdue", today=today)
    mine = overdue.filter(employee_id=OuterRef("pk")).order_by()
    if limit is None:
        people = Employee.objects.filter(pk__in=overdue.values("employee_id"))
    else:
        people = Employee.objects.filter(pk__in=_most_overdue_ids(overdue, limit))
    return (
        people.annotate(
            overdue_count=Subquery(mine.values("employee_id").annotate(n=Count("id")).values("n")),
            oldest_due_on=Subquery(mine.order_by("due_on").values("due_on")[:1]),
        )
        .select_related("department", "manager")
        .order_by("oldest_due_on", "-overdue_count", "full_name")
    )
