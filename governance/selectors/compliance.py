"""Compliance figures: the one place they are computed.

The dashboard, the reports (CSV and PDF), the API's summary and the weekly e-mail all call
these functions, so a figure is the same wherever it is shown. Everything aggregates in the
database; Python only ever loops over departments or platforms (tens to hundreds), never over
people or obligations.

On PostgreSQL the figures read maintained aggregates (governance.models.rollups, kept by
triggers) instead of grouping the open obligations, so that the dashboard reads a handful of
rows per department and tool shown however large the organization:

- summary, per tool, per department and heat map: ObligationCount (ObligationFacetCount for
  the country and customer-data filters), one row per department shown, rolled up;
- required settings most often failing: FailingSettingCount;
- customer-data handlers fully compliant: HandlerObligationCount;
- trend: ComplianceSnapshotTotal.

They fall back to the live aggregate over the open obligations for a manager's team (and the
coverage figure for a policy-version filter), on SQLite, and when the obligation counts are
not (yet) computed for ``today``. Both paths return the same figures (tests/governance/
test_rollups.py), and the dashboard's query count does not depend on the organization's size.
"""

from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, Func, OuterRef, Q, Subquery, Sum
from django.db.models.expressions import RawSQL

from governance import db
from governance.models import (
    OPEN_ACTION_STATUSES,
    SATISFIED_STATUSES,
    AttestationAnswer,
    ComplianceSnapshot,
    ComplianceSnapshotTotal,
    Department,
    Employee,
    FailingSettingCount,
    HandlerObligationCount,
    Obligation,
    ObligationCount,
    ObligationCountState,
    ObligationFacetCount,
    ObligationStatus,
    PolicyException,
)
from governance.models.rollups import ALL_PLATFORMS_ID, NO_DEPARTMENT_ID, WHOLE_ORGANIZATION_ID
from governance.validators import parse_id
from policies.models import PolicyVersion

NO_DEPARTMENT = "none"


@dataclass(frozen=True)
class ComplianceFilters:
    """What a compliance view is narrowed to. Empty means "the whole organization"."""

    department: Department | None = None  # with all its sub-departments
    platform_id: int | None = None
    policy_version_id: int | None = None
    country: str = ""
    customer_data_only: bool = False
    manager: Employee | None = None  # a manager's direct and indirect reports only
    # Narrower department scopes used by drill-down links: only the department's own
    # members (not its sub-departments), or obligations of people without a department.
    department_direct_only: bool = False
    no_department: bool = False

    PARAMS = ("department", "platform", "policy_version", "country", "customer_data", "direct")

    @classmethod
    def from_params(cls, params, *, manager=None, departments=None, platform_ids=None, version_ids=None):
        """The one parser of the filters' URL query parameters, for the dashboard and its lists,
        the CSV, the API summary and reports. Raises ValidationError naming every bad field.

        ``departments`` ({id: Department}) saves the department lookup when the caller holds the
        tree already; ``platform_ids`` and ``version_ids``, when given, refuse ids not in them."""
        errors = {}

        def number(name, known, missing):
            if not params.get(name):
                return None
            value = parse_id(str(params.get(name)))
            if value is None:
                errors[name] = "Must be the number of one."
            elif known is not None and value not in known:
                errors[name] = missing
            return value

        department = None
        no_department = params.get("department") == NO_DEPARTMENT
        department_id = None if no_department else number("department", None, "")
        if department_id is not None:
            if departments is not None:
                department = departments.get(department_id)
            else:
                department = Department.objects.filter(pk=department_id).first()
            if department is None:
                errors["department"] = "No such department."
        platform_id = number("platform", platform_ids, "No such tool.")
        policy_version_id = number("policy_version", version_ids, "No such policy version.")
        country = (params.get("country") or "").strip().upper()
        if country and (len(country) != 2 or not country.isalpha()):
            errors["country"] = "Use a two-letter country code."
        if errors:
            raise ValidationError(errors)
        return cls(
            department=department,
            platform_id=platform_id,
            policy_version_id=policy_version_id,
            country=country,
            customer_data_only=_flag(params.get("customer_data")),
            manager=manager,
            department_direct_only=department is not None and _flag(params.get("direct")),
            no_department=no_department,
        )

    def as_params(self):
        """The filters as URL query parameters (for links that keep the current view)."""
        params = {}
        if self.department is not None:
            params["department"] = self.department.pk
            if self.department_direct_only:
                params["direct"] = "1"
        elif self.no_department:
            params["department"] = NO_DEPARTMENT
        if self.platform_id:
            params["platform"] = self.platform_id
        if self.policy_version_id:
            params["policy_version"] = self.policy_version_id
        if self.country:
            params["country"] = self.country
        if self.customer_data_only:
            params["customer_data"] = "1"
        return params

    @property
    def snapshot_compatible(self):
        """Whether the daily snapshots (kept per department and tool only) can honour these
        filters; trends and 30-day changes are not available otherwise."""
        return not (self.policy_version_id or self.country or self.customer_data_only or self.manager)


def _flag(value):
    return str(value or "").lower() in {"1", "true", "on", "yes"}


@dataclass
class Figures:
    """Counts over a set of open obligations, and the rates derived from them."""

    total: int = 0
    compliant: int = 0
    not_used: int = 0
    excepted: int = 0
    pending: int = 0
    noncompliant: int = 0
    overdue: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def satisfied(self):
        return self.compliant + self.not_used + self.excepted

    @property
    def unsatisfied(self):
        return self.pending + self.noncompliant

    @property
    def rate(self):
        """Share of open obligations satisfied, in percent (None when there are none)."""
        return round(100 * self.satisfied / self.total, 1) if self.total else None

    def add(self, other):
        for name in FIGURE_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def as_dict(self):
        return {
            "total": self.total,
            "compliant": self.compliant,
            "not_used": self.not_used,
            "excepted": self.excepted,
            "pending": self.pending,
            "noncompliant": self.noncompliant,
            "overdue": self.overdue,
            "satisfied": self.satisfied,
            "rate": self.rate,
        }


FIGURE_NAMES = ("total", "compliant", "not_used", "excepted", "pending", "noncompliant", "overdue")


def figure_aggregates(today):
    """The aggregate expressions behind Figures, for .aggregate() or .values().annotate()."""
    return {
        "total": Count("id"),
        "compliant": Count("id", filter=Q(status=ObligationStatus.COMPLIANT)),
        "not_used": Count("id", filter=Q(status=ObligationStatus.NOT_USED)),
        "excepted": Count("id", filter=Q(status=ObligationStatus.EXCEPTED)),
        "pending": Count("id", filter=Q(status=ObligationStatus.PENDING)),
        "noncompliant": Count("id", filter=Q(status=ObligationStatus.NONCOMPLIANT)),
        "overdue": Count("id", filter=Q(status__in=OPEN_ACTION_STATUSES, due_on__lt=today)),
    }


def _figures(row):
    return Figures(**{name: row[name] or 0 for name in FIGURE_NAMES})


def _department_q(filters, prefix=""):
    """The department part of the filters, for a queryset whose department is at ``prefix``."""
    if filters.department is not None:
        if filters.department_direct_only:
            return Q(**{f"{prefix}department_id": filters.department.pk})
        return Q(**{f"{prefix}department__path__startswith": filters.department.path})
    if filters.no_department:
        return Q(**{f"{prefix}department__isnull": True})
    return Q()


def _terms_versions(version_id):
    """The versions whose terms open obligations under version ``version_id`` follow (a
    subquery): every version of its policy when it is the one in force, since terms that
    carried over unchanged keep pointing at the version that set them; none otherwise, as a
    retired version governs no open obligation."""
    return PolicyVersion.objects.filter(
        policy__versions__pk=version_id, policy__versions__status=PolicyVersion.Status.PUBLISHED
    ).values("pk")


def _filters_q(filters, *, department_prefix, platform, policy_version):
    """All of ``filters`` as one Q, for a queryset whose department sits at
    ``department_prefix`` and whose tool and policy version are the given lookups."""
    condition = _department_q(filters, department_prefix)
    if filters.platform_id:
        condition &= Q(**{platform: filters.platform_id})
    if filters.policy_version_id:
        condition &= Q(**{f"{policy_version}__in": _terms_versions(filters.policy_version_id)})
    if filters.country:
        condition &= Q(employee__country=filters.country)
    if filters.customer_data_only:
        condition &= Q(employee__handles_customer_data=True)
    if filters.manager is not None:
        condition &= Q(employee__reporting_path__startswith=filters.manager.subtree_prefix)
    return condition


def open_obligations(filters=None):
    """Open obligations narrowed by ``filters``; the base of every figure and drill-down."""
    filters = filters or ComplianceFilters()
    return Obligation.objects.filter(closed_at__isnull=True).filter(
        _filters_q(filters, department_prefix="", platform="platform_id", policy_version="policy_version_id")
    )


BUCKETS = {
    "all": Q(),
    "compliant": Q(status=ObligationStatus.COMPLIANT),
    "not_used": Q(status=ObligationStatus.NOT_USED),
    "excepted": Q(status=ObligationStatus.EXCEPTED),
    "pending": Q(status=ObligationStatus.PENDING),
    "noncompliant": Q(status=ObligationStatus.NONCOMPLIANT),
    "satisfied": Q(status__in=SATISFIED_STATUSES),
    "unsatisfied": Q(status__in=OPEN_ACTION_STATUSES),
}
BUCKET_LABELS = {
    "all": "All open obligations",
    "compliant": "Compliant",
    "not_used": "Not used",
    "excepted": "Excepted",
    "pending": "Pending",
    "noncompliant": "Non-compliant",
    "satisfied": "Satisfied (compliant, not used or excepted)",
    "unsatisfied": "Needing action (pending or non-compliant)",
    "overdue": "Overdue",
}


def obligations_in_bucket(filters, *, bucket, today, setting_id=None):
    """The obligations behind a figure (drill-down). ``bucket`` is a Figures name or "overdue".

    With ``setting_id``, only the non-compliant obligations whose current attestation answered
    that required setting wrongly (the drill-down of :func:`noncompliant_settings`)."""
    queryset = open_obligations(filters)
    if bucket == "overdue":
        queryset = queryset.filter(status__in=OPEN_ACTION_STATUSES, due_on__lt=today)
    elif bucket in BUCKETS:
        queryset = queryset.filter(BUCKETS[bucket])
    else:
        raise ValidationError({"bucket": f"Unknown figure {bucket!r}."})
    if setting_id is not None:
        failing = AttestationAnswer.objects.filter(
            attestation_id=OuterRef("satisfied_by_id"), setting_id=setting_id, compliant=False
        )
        queryset = queryset.filter(status=ObligationStatus.NONCOMPLIANT).filter(Exists(failing))
    return queryset


# --- Maintained counts (PostgreSQL) ------------------------------------------------------


def _count_model(filters):
    """The maintained counts that answer ``filters``: ObligationCount for department, tool and
    policy-version filters, ObligationFacetCount when a country or the customer-data handlers
    narrow them too; None (the live aggregate answers) off PostgreSQL and for a manager's team
    (the counts know nothing of reporting lines)."""
    filters = filters or ComplianceFilters()
    if not db.on_postgres() or filters.manager is not None:
        return None
    return ObligationFacetCount if filters.country or filters.customer_data_only else ObligationCount


def counts_answer(filters):
    """Whether the maintained counts can answer ``filters`` (see :func:`_count_model`)."""
    return _count_model(filters) is not None


def _count_aggregates():
    """figure_aggregates() over ObligationCount rows (sums of their counts)."""
    aggregates = {"total": Sum("count"), "overdue": Sum("count", filter=Q(overdue=True))}
    for name in ("compliant", "not_used", "excepted", "pending", "noncompliant"):
        aggregates[name] = Sum("count", filter=Q(status=name))
    return aggregates


def _scope(filters):
    """The (department_id, subtree) rows of the maintained counts that hold exactly the
    obligations inside the department part of ``filters`` (see ObligationCount)."""
    if filters.department is not None:
        return (filters.department.pk, not filters.department_direct_only)
    if filters.no_department:
        return (NO_DEPARTMENT_ID, False)
    return (WHOLE_ORGANIZATION_ID, True)


def _scopes_q(scopes):
    """The count rows of any of ``scopes`` ((department_id, subtree) pairs)."""
    condition = Q()
    for subtree in (True, False):
        ids = sorted({department_id for department_id, kind in scopes if kind is subtree})
        if ids:
            condition |= Q(subtree=subtree, department_id__in=ids)
    return condition


def _counted(queryset, filters, *, scopes=None, facets=False):
    """``queryset`` of maintained counts narrowed to ``scopes`` (default: the filters' own
    department scope), to the tool and policy-version filters and, for counts kept per
    country and customer-data flag (``facets``), to those filters."""
    queryset = queryset.filter(_scopes_q(scopes or [_scope(filters)]))
    if filters.platform_id:
        queryset = queryset.filter(platform_id=filters.platform_id)
    if filters.policy_version_id:
        queryset = queryset.filter(policy_version_id__in=_terms_versions(filters.policy_version_id))
    if facets and filters.country:
        queryset = queryset.filter(country=filters.country)
    if facets and filters.customer_data_only:
        queryset = queryset.filter(customer_data=True)
    return queryset


def _counts(filters, *, today, scopes=None):
    """The maintained counts (see :func:`_count_model`) of ``scopes`` inside ``filters``, or
    none at all when the counts do not hold for ``today`` (not rebuilt since midnight):
    callers then use the live aggregate."""
    model = _count_model(filters)
    current = model.objects.filter(Exists(ObligationCountState.objects.filter(as_of=today)))
    return _counted(current, filters, scopes=scopes, facets=model is ObligationFacetCount)


def summary(filters, *, today):
    """Overall figures over the filtered open obligations (one query; two when the maintained
    counts are not current and the live aggregate answers)."""
    filters = filters or ComplianceFilters()
    if counts_answer(filters):
        row = _counts(filters, today=today).aggregate(**_count_aggregates())
        if row["total"]:
            return _figures(row)
    return _figures(open_obligations(filters).aggregate(**figure_aggregates(today)))


def _handler_counts(filters):
    """The maintained per-handler counts (HandlerObligationCount: all tools, or the filtered
    tool) of the customer-data handlers inside ``filters``, or None when they cannot answer:
    not on PostgreSQL, or a policy-version filter (which narrows which of a person's
    obligations count)."""
    if not db.on_postgres() or filters.policy_version_id:
        return None
    rows = HandlerObligationCount.objects.filter(platform_id=filters.platform_id or ALL_PLATFORMS_ID, open_count__gt=0)
    if filters.department is not None:
        if filters.department_direct_only:
            rows = rows.filter(department_id=filters.department.pk)
        else:
            inside = Department.objects.filter(path__startswith=filters.department.path).values("id")
            rows = rows.filter(department_id__in=inside)
    elif filters.no_department:
        rows = rows.filter(department_id=NO_DEPARTMENT_ID)
    if filters.country:
        rows = rows.filter(country=filters.country)
    if filters.manager is not None:
        rows = rows.filter(employee__reporting_path__startswith=filters.manager.subtree_prefix)
    return rows


def _customer_data_handlers(filters):
    """Customer-data handlers with at least one open obligation inside the filters, annotated
    with ``to_do``: whether any of those obligations still needs action. From the per-person
    counts when they can answer, else per-person EXISTS probes (indexed) rather than grouping
    every handler's obligations."""
    filters = filters or ComplianceFilters()
    counted = _handler_counts(filters)
    if counted is not None:
        return Employee.objects.filter(pk__in=counted.values("employee_id")).annotate(
            to_do=Exists(counted.filter(employee_id=OuterRef("pk"), to_do_count__gt=0))
        )
    people = Employee.objects.filter(handles_customer_data=True)
    if filters.country:
        people = people.filter(country=filters.country)
    if filters.manager is not None:
        people = people.filter(reporting_path__startswith=filters.manager.subtree_prefix)
    theirs = open_obligations(replace(filters, country="", customer_data_only=False, manager=None)).filter(
        employee_id=OuterRef("pk")
    )
    return people.filter(Exists(theirs)).annotate(to_do=Exists(theirs.filter(status__in=OPEN_ACTION_STATUSES)))


def customer_data_coverage(filters, *, today):
    """The customer-trust figure: customer-data handlers (with at least one open obligation)
    and how many of them have every open obligation satisfied. One query: a count over the
    handlers' per-person counts when they can answer, else over the handlers themselves."""
    filters = filters or ComplianceFilters()
    counted = _handler_counts(filters)
    if counted is not None:
        # A person normally has one row (their obligations sit in their department).
        row = counted.aggregate(
            handlers=Count("employee_id", distinct=True),
            to_do=Count("employee_id", distinct=True, filter=Q(to_do_count__gt=0)),
        )
        handlers = row["handlers"] or 0
        fully = handlers - (row["to_do"] or 0)
    else:
        row = _customer_data_handlers(filters).aggregate(
            handlers=Count("id"), fully_compliant=Count("id", filter=Q(to_do=False))
        )
        handlers = row["handlers"] or 0
        fully = row["fully_compliant"] or 0
    return {
        "handlers": handlers,
        "fully_compliant": fully,
        "rate": round(100 * fully / handlers, 1) if handlers else None,
    }


def customer_data_handlers(filters, *, fully_compliant):
    """The people behind :func:`customer_data_coverage` (a queryset of employees)."""
    return _customer_data_handlers(filters).filter(to_do=not fully_compliant).select_related("department", "manager")


# --- Exceptions ---------------------------------------------------------------------------


def _open_exceptions_q(day):
    """Exceptions open on ``day``: awaiting a decision, or approved and not yet expired."""
    return Q(status=PolicyException.Status.REQUESTED) | Q(status=PolicyException.Status.APPROVED, expires_on__gte=day)


def _open_exceptions_then_q(day):
    """Exceptions that were open on a past ``day``, reconstructed from their dates (a request
    is open until decided; an approval until it expires; denials never)."""
    requested_by_then = Q(requested_at__date__lte=day)
    undecided_then = Q(decided_at__isnull=True) | Q(decided_at__date__gt=day)
    approved_running = Q(status=PolicyException.Status.APPROVED, decided_at__date__lte=day, expires_on__gte=day)
    return requested_by_then & (undecided_then | approved_running)


def exceptions_for(filters):
    """Exceptions of the filtered people and tools (any status)."""
    filters = filters or ComplianceFilters()
    return PolicyException.objects.filter(
        _filters_q(
            filters, department_prefix="employee__", platform="rule__platform_id", policy_version="rule__version_id"
        )
    )


def open_exceptions(filters, *, today):
    """Approved exceptions still running plus requests awaiting a decision (a queryset)."""
    return exceptions_for(filters).filter(_open_exceptions_q(today))


def open_exception_count(filters, *, today):
    """Approved exceptions still running plus requests awaiting a decision, for the filtered people."""
    return open_exceptions(filters, today=today).count()


def expired_exception_count(filters, *, today):
    """Approved exceptions whose expiry has passed, for the filtered people."""
    return exceptions_for(filters).filter(status=PolicyException.Status.APPROVED, expires_on__lt=today).count()


def open_exception_counts(filters, *, today, then):
    """Open exceptions today and on the earlier day ``then`` (one query)."""
    row = exceptions_for(filters).aggregate(
        now=Count("id", filter=_open_exceptions_q(today)), then=Count("id", filter=_open_exceptions_then_q(then))
    )
    return {"now": row["now"] or 0, "then": row["then"] or 0}


def _count(queryset):
    """``queryset``'s row count as a scalar subquery (COUNT without GROUP BY)."""
    return Subquery(queryset.order_by().annotate(n=Func(F("id"), function="COUNT")).values("n")[:1])


def open_exceptions_overview(filters, *, today, then, limit=10):
    """The open exceptions to show first (requests awaiting a decision, then approvals by
    expiry) with the counts of :func:`open_exception_counts`, in one query: the rows are
    picked from the exception table alone and only they are joined to people and tools; the
    counts are scalar subqueries. When nothing is open today, the counts take a second query."""
    base = exceptions_for(filters)
    now_q = _open_exceptions_q(today)
    top = base.filter(now_q).order_by("-status", "expires_on", "requested_at", "id").values("id")[:limit]
    rows = list(
        PolicyException.objects.filter(pk__in=top)
        .select_related("employee", "rule__platform")
        .annotate(open_now=_count(base.filter(now_q)), open_then=_count(base.filter(_open_exceptions_then_q(then))))
        .order_by("-status", "expires_on", "requested_at", "id")
    )
    if rows:
        return {"now": rows[0].open_now, "then": rows[0].open_then, "rows": rows}
    return {**open_exception_counts(filters, today=today, then=then), "rows": []}


# --- Catalog freshness --------------------------------------------------------------------


def catalog_freshness(*, today):
    """Every platform with whether it is stale and how many of its settings are, plus the
    totals (one query). Stale: not verified within settings.CATALOG_STALE_AFTER_DAYS.

    Same rule as platforms.selectors.stale_catalog_count() (its stale_q), read in the one
    query that also gives the platform list the dashboard's tool filter needs."""
    from platforms.models import Platform
    from platforms.selectors import stale_cutoff, stale_q

    limit = stale_cutoff(today)
    soon = limit + timedelta(days=30)
    rows = list(
        Platform.objects.annotate(
            stale_settings=Count("settings", filter=stale_q("settings__", today=today)),
            stale_soon_settings=Count(
                "settings", filter=Q(settings__last_verified_on__gte=limit, settings__last_verified_on__lt=soon)
            ),
        )
        .values("id", "name", "slug", "last_verified_on", "stale_settings", "stale_soon_settings")
        .order_by("name")
    )
    stale = stale_soon = 0
    for row in rows:
        verified = row["last_verified_on"]
        row["stale"] = verified is None or verified < limit
        stale += row["stale"] + row["stale_settings"]
        stale_soon += (verified is not None and limit <= verified < soon) + row["stale_soon_settings"]
    return {"platforms": rows, "stale": stale, "stale_within_30_days": stale_soon}


def stale_catalog_count(*, today):
    """Platforms plus settings not verified within CATALOG_STALE_AFTER_DAYS."""
    return catalog_freshness(today=today)["stale"]


# --- Breakdowns: one GROUP BY for summary, tools, departments and heat map ------------------


def department_tree():
    """Every department as {id, name, path, parent_id, depth}, in tree order (one query)."""
    rows = list(Department.objects.values("id", "name", "path", "parent_id").order_by())
    children = {}
    for row in rows:
        row["depth"] = row["path"].count("/") - 2
        children.setdefault(row["parent_id"], []).append(row)
    ordered = []

    def walk(parent_id):
        for row in sorted(children.get(parent_id, []), key=lambda r: r["name"].lower()):
            ordered.append(row)
            walk(row["id"])

    walk(None)
    return ordered


@dataclass
class Overview:
    """Everything the dashboard's breakdowns show, from one aggregate query."""

    summary: Figures
    platforms: list  # Figures per tool, worst first; extra: id, name, slug
    departments: list  # Figures per shown department row; extra: key, id, name, params
    heat_map: dict  # {"departments": [...], "platforms": [...], "cells": {(platform_id, key): Figures}}
    focus: dict | None  # the department whose sub-departments are shown


NO_DEPARTMENT_ROW = {"key": "none", "id": None, "name": "No department", "direct": False}


def _row(department, *, key=None, direct=False, name=None):
    """A department row of a breakdown: the department with its sub-departments rolled up, or
    (``direct``) its own members only."""
    key = department["id"] if key is None else key
    return {"key": key, "id": department["id"], "name": name or department["name"], "direct": direct}


def _row_scope(row):
    """The (department_id, subtree) scope of the maintained counts that a row shows."""
    if row["key"] == "none":
        return (NO_DEPARTMENT_ID, False)
    return (row["id"], not row["direct"])


def _children_rows(focus, tree, *, include_direct, with_none):
    rows = {r["id"]: _row(r) for r in tree if r["parent_id"] == focus["id"]}
    if include_direct:
        rows["direct"] = _row(focus, key="direct", direct=True, name=f"{focus['name']} (direct members)")
        if with_none:
            rows["none"] = dict(NO_DEPARTMENT_ROW)
    return rows


def _layouts(filters, tree, *, include_direct):
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
    layouts = [(None, top)]
    for root in roots:
        layouts.append((root, _children_rows(root, tree, include_direct=include_direct, with_none=True)))
    return layouts


def _chosen_layout(filters, layouts, totals):
    """The layout to show, given ``totals`` per scope: with no department filter, the children
    of the single root department when every obligation sits under it, else the top level."""
    if filters.department is not None or filters.no_department:
        return layouts[0]
    used_roots = [focus for focus, _ in layouts[1:] if totals.get((focus["id"], True), 0)]
    if len(used_roots) == 1 and not totals.get((NO_DEPARTMENT_ID, False), 0):
        return next(layout for layout in layouts[1:] if layout[0] is used_roots[0])
    return layouts[0]


def _row_params(filters, row):
    """Filters (as URL params) that select exactly the people of a department row."""
    if row["key"] == "none":
        narrowed = replace(filters, department=None, department_direct_only=False, no_department=True)
    else:
        department = Department(pk=row["id"], name=row["name"])
        narrowed = replace(filters, department=department, department_direct_only=row["direct"], no_department=False)
    return narrowed.as_params()


def _scope_sums_from_counts(filters, scopes, *, today, with_names):
    """Figures (integer lists in FIGURE_NAMES order) per (scope, platform_id) from the
    maintained counts, and tool names when ``with_names``; None when the counts cannot answer
    (the caller runs the live query). One query over a few rows per scope and tool."""
    if not counts_answer(filters):
        return None
    names = {}
    if with_names:
        from platforms.models import Platform

        platform = Platform.objects.filter(pk=OuterRef("platform_id"))
        names = {
            "platform__name": Subquery(platform.values("name")[:1]),
            "platform__slug": Subquery(platform.values("slug")[:1]),
        }
    rows = list(
        _counts(filters, today=today, scopes=scopes)
        .values("department_id", "subtree", "platform_id", **names)
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


def _scope_sums_live(filters, scopes, *, today, tree, with_names):
    """The same as :func:`_scope_sums_from_counts` from one GROUP BY (department, tool) over the
    open obligations, each group added to the requested scopes that contain its department."""
    columns = ["department_id", "platform_id", *(["platform__name", "platform__slug"] if with_names else [])]
    groups = open_obligations(filters).values(*columns).annotate(**figure_aggregates(today)).order_by()
    wanted = set(scopes)
    paths = {row["id"]: row["path"] for row in tree}
    outer = _scope(filters)  # the live query is narrowed to it: every group belongs there
    scopes_of, sums, names = {}, {}, {}
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


def overview(filters, *, today, tree=None, platforms=None, include_direct=True):
    """Summary, per tool, per department (rolled up) and tool x department heat map.

    One query: on PostgreSQL (filters by department, tool and policy version), the maintained
    counts of the few scopes shown (the filtered department, its children, its direct members);
    otherwise one GROUP BY (department, platform) over the filtered open obligations. Plus the
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
        found = _scope_sums_live(filters, scopes, today=today, tree=tree, with_names=with_names)
    sums, names = found
    if platforms is not None:
        names = {p["id"]: {"platform__name": p["name"], "platform__slug": p.get("slug", "")} for p in platforms}

    def as_figures(values, extra=None):
        return Figures(**dict(zip(FIGURE_NAMES, values, strict=True)), extra=extra or {})

    totals = {}
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


def by_platform(filters, *, today):
    """Figures per tool, worst compliance first. One query."""
    return overview(filters, today=today, tree=[]).platforms


def by_department(filters, *, today):
    """Figures per department (the filtered department's children, or the top level), each with
    its sub-departments rolled up. Two queries: the department tree and the counts."""
    return overview(filters, today=today, include_direct=False).departments


def heat_map(filters, *, today):
    """Tool x department figures (departments as in by_department, rolled up).

    Returns {"departments": [{id, name, ...}], "platforms": [{id, name}], "cells": {(platform_id,
    department_id): Figures}}. Two queries.
    """
    return overview(filters, today=today, include_direct=False).heat_map


def noncompliant_settings(filters, *, limit=10):
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


def _most_overdue_ids(overdue, limit):
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


def overdue_people(filters, *, today, limit=None):
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


# --- Trend ----------------------------------------------------------------------------------


def trend(filters, *, days, today):
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


def figures_on(points, day):
    """The trend point of ``day`` (from :func:`trend`), or None when no snapshot exists."""
    for point in points or ():
        if point.extra["day"] == day:
            return point
    return None


def change(current, earlier):
    """``current - earlier``, or None when there is nothing to compare with."""
    if current is None or earlier is None:
        return None
    return round(current - earlier, 1)


def employee_fully_compliant(employee_id):
    """Whether every open obligation of the employee is satisfied (one EXISTS query).

    The definition behind the ``employee.compliant`` / ``employee.noncompliant`` webhooks."""
    return not Obligation.objects.filter(
        employee_id=employee_id, closed_at__isnull=True, status__in=OPEN_ACTION_STATUSES
    ).exists()
