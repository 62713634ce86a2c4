"""Compliance figures: the one place they are computed.

The dashboard, the reports (CSV and PDF), the API's summary and the weekly e-mail all call
these functions, so a figure is the same wherever it is shown. Everything aggregates in the
database over open obligations; Python only ever loops over departments or platforms
(tens to hundreds), never over people or obligations.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from governance.models import (
    OPEN_ACTION_STATUSES,
    SATISFIED_STATUSES,
    AttestationAnswer,
    Department,
    Employee,
    Obligation,
    ObligationStatus,
    PolicyException,
)


@dataclass(frozen=True)
class ComplianceFilters:
    """What a compliance view is narrowed to. Empty means "the whole organization"."""

    department: Department | None = None  # with all its sub-departments
    platform_id: int | None = None
    policy_version_id: int | None = None
    country: str = ""
    customer_data_only: bool = False
    manager: Employee | None = None  # a manager's direct and indirect reports only

    PARAMS = ("department", "platform", "policy_version", "country", "customer_data")

    @classmethod
    def from_params(cls, params, *, manager=None):
        """Parse URL query parameters; unknown ids raise ValidationError naming the field."""
        department = None
        if params.get("department"):
            department = Department.objects.filter(pk=_int(params, "department")).first()
            if department is None:
                raise ValidationError({"department": "No such department."})
        country = (params.get("country") or "").strip().upper()
        if country and (len(country) != 2 or not country.isalpha()):
            raise ValidationError({"country": "Use a two-letter country code."})
        return cls(
            department=department,
            platform_id=_int(params, "platform") if params.get("platform") else None,
            policy_version_id=_int(params, "policy_version") if params.get("policy_version") else None,
            country=country,
            customer_data_only=str(params.get("customer_data", "")).lower() in {"1", "true", "on", "yes"},
            manager=manager,
        )

    def as_params(self):
        """The filters as URL query parameters (for links that keep the current view)."""
        params = {}
        if self.department is not None:
            params["department"] = self.department.pk
        if self.platform_id:
            params["platform"] = self.platform_id
        if self.policy_version_id:
            params["policy_version"] = self.policy_version_id
        if self.country:
            params["country"] = self.country
        if self.customer_data_only:
            params["customer_data"] = "1"
        return params


def _int(params, name):
    try:
        return int(params.get(name))
    except (TypeError, ValueError):
        raise ValidationError({name: "Must be a number."}) from None


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
    def rate(self):
        """Share of open obligations satisfied, in percent (None when there are none)."""
        return round(100 * self.satisfied / self.total, 1) if self.total else None

    def add(self, other):
        for name in ("total", "compliant", "not_used", "excepted", "pending", "noncompliant", "overdue"):
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


def open_obligations(filters=None):
    """Open obligations narrowed by ``filters``; the base of every figure and drill-down."""
    filters = filters or ComplianceFilters()
    queryset = Obligation.objects.filter(closed_at__isnull=True)
    if filters.department is not None:
        queryset = queryset.filter(department__path__startswith=filters.department.path)
    if filters.platform_id:
        queryset = queryset.filter(platform_id=filters.platform_id)
    if filters.policy_version_id:
        queryset = queryset.filter(policy_version_id=filters.policy_version_id)
    if filters.country:
        queryset = queryset.filter(employee__country=filters.country)
    if filters.customer_data_only:
        queryset = queryset.filter(employee__handles_customer_data=True)
    if filters.manager is not None:
        queryset = queryset.filter(employee__reporting_path__startswith=filters.manager.subtree_prefix)
    return queryset


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


def obligations_in_bucket(filters, *, bucket, today):
    """The obligations behind a figure (drill-down). ``bucket`` is a Figures name or "overdue"."""
    queryset = open_obligations(filters)
    if bucket == "overdue":
        return queryset.filter(status__in=OPEN_ACTION_STATUSES, due_on__lt=today)
    if bucket not in BUCKETS:
        raise ValidationError({"bucket": f"Unknown figure {bucket!r}."})
    return queryset.filter(BUCKETS[bucket])


def summary(filters, *, today):
    """Overall figures over the filtered open obligations (one query)."""
    return _figures(open_obligations(filters).aggregate(**figure_aggregates(today)))


def customer_data_coverage(filters, *, today):
    """The customer-trust figure: customer-data handlers (with at least one open obligation)
    and how many of them have every open obligation satisfied. One query."""
    per_handler = (
        open_obligations(filters)
        .filter(employee__handles_customer_data=True)
        .values("employee")
        .annotate(unsatisfied=Count("id", filter=Q(status__in=OPEN_ACTION_STATUSES)))
    )
    row = per_handler.aggregate(handlers=Count("employee"), fully_compliant=Count("employee", filter=Q(unsatisfied=0)))
    handlers = row["handlers"] or 0
    fully = row["fully_compliant"] or 0
    return {
        "handlers": handlers,
        "fully_compliant": fully,
        "rate": round(100 * fully / handlers, 1) if handlers else None,
    }


def open_exception_count(filters, *, today):
    """Approved exceptions still running plus requests awaiting a decision, for the filtered people."""
    queryset = PolicyException.objects.filter(
        Q(status=PolicyException.Status.REQUESTED) | Q(status=PolicyException.Status.APPROVED, expires_on__gte=today)
    )
    filters = filters or ComplianceFilters()
    if filters.department is not None:
        queryset = queryset.filter(employee__department__path__startswith=filters.department.path)
    if filters.platform_id:
        queryset = queryset.filter(rule__platform_id=filters.platform_id)
    if filters.policy_version_id:
        queryset = queryset.filter(rule__version_id=filters.policy_version_id)
    if filters.country:
        queryset = queryset.filter(employee__country=filters.country)
    if filters.customer_data_only:
        queryset = queryset.filter(employee__handles_customer_data=True)
    if filters.manager is not None:
        queryset = queryset.filter(employee__reporting_path__startswith=filters.manager.subtree_prefix)
    return queryset.count()


def by_platform(filters, *, today):
    """Figures per tool, worst compliance first. One query."""
    rows = (
        open_obligations(filters)
        .values("platform_id", "platform__name", "platform__slug")
        .annotate(**figure_aggregates(today))
        .order_by("platform__name")
    )
    result = []
    for row in rows:
        figures = _figures(row)
        figures.extra = {"id": row["platform_id"], "name": row["platform__name"], "slug": row["platform__slug"]}
        result.append(figures)
    return sorted(result, key=lambda f: (f.rate if f.rate is not None else 101, f.extra["name"]))


def _department_rows(filters):
    """The departments a breakdown shows: the children of the filtered department, or the roots."""
    if filters and filters.department is not None:
        return list(Department.objects.filter(parent=filters.department).values("id", "name", "path"))
    return list(Department.objects.filter(parent__isnull=True).values("id", "name", "path"))


def _roll_up(departments, counts_by_department_id, path_by_id):
    """Sum per-department figures into each shown department's subtree (loops over departments only)."""
    rolled = {d["id"]: Figures() for d in departments}
    for department_id, figures in counts_by_department_id.items():
        path = path_by_id.get(department_id, "")
        for shown in departments:
            if path.startswith(shown["path"]):
                rolled[shown["id"]].add(figures)
    return rolled


def by_department(filters, *, today):
    """Figures per department (the filtered department's children, or the top level), each with
    its sub-departments rolled up. Two queries: counts per department, and department paths."""
    filters = filters or ComplianceFilters()
    departments = _department_rows(filters)
    if not departments and filters.department is not None:
        departments = [{"id": filters.department.pk, "name": filters.department.name, "path": filters.department.path}]
    counts = {
        row["department_id"]: _figures(row)
        for row in open_obligations(filters).values("department_id").annotate(**figure_aggregates(today))
    }
    path_by_id = dict(Department.objects.filter(pk__in=[k for k in counts if k]).values_list("id", "path"))
    rolled = _roll_up(departments, counts, path_by_id)
    result = []
    for department in departments:
        figures = rolled[department["id"]]
        if figures.total:
            figures.extra = {"id": department["id"], "name": department["name"]}
            result.append(figures)
    return sorted(result, key=lambda f: f.extra["name"])


def heat_map(filters, *, today):
    """Tool x department figures (departments as in by_department, rolled up).

    Returns {"departments": [{id, name}], "platforms": [{id, name}], "cells": {(platform_id,
    department_id): Figures}}. Two queries.
    """
    filters = filters or ComplianceFilters()
    departments = _department_rows(filters)
    if not departments and filters.department is not None:
        departments = [{"id": filters.department.pk, "name": filters.department.name, "path": filters.department.path}]
    rows = list(
        open_obligations(filters)
        .values("platform_id", "platform__name", "department_id")
        .annotate(**figure_aggregates(today))
    )
    path_by_id = dict(
        Department.objects.filter(pk__in={r["department_id"] for r in rows if r["department_id"]}).values_list(
            "id", "path"
        )
    )
    platforms = {}
    per_platform = {}
    for row in rows:
        platforms[row["platform_id"]] = row["platform__name"]
        per_platform.setdefault(row["platform_id"], {})[row["department_id"]] = _figures(row)
    cells = {}
    for platform_id, counts in per_platform.items():
        for department_id, figures in _roll_up(departments, counts, path_by_id).items():
            if figures.total:
                cells[(platform_id, department_id)] = figures
    shown = [d for d in departments if any((p, d["id"]) in cells for p in platforms)]
    return {
        "departments": [{"id": d["id"], "name": d["name"]} for d in sorted(shown, key=lambda d: d["name"])],
        "platforms": [{"id": pk, "name": name} for pk, name in sorted(platforms.items(), key=lambda item: item[1])],
        "cells": cells,
    }


def noncompliant_settings(filters, *, limit=10):
    """Required settings most often not at the required value, over the filtered non-compliant
    obligations' current attestations. One query."""
    attestation_ids = (
        open_obligations(filters)
        .filter(status=ObligationStatus.NONCOMPLIANT, satisfied_by__isnull=False)
        .values("satisfied_by_id")
    )
    return list(
        AttestationAnswer.objects.filter(compliant=False, attestation_id__in=attestation_ids)
        .values("setting_id", "setting__key", "setting__label", "setting__platform__name")
        .annotate(count=Count("id"))
        .order_by("-count", "setting__platform__name", "setting__label")[:limit]
    )


def overdue_people(filters, *, today):
    """Employees with at least one overdue obligation, most overdue tools first (a queryset)."""
    overdue = Q(
        obligations__closed_at__isnull=True,
        obligations__status__in=OPEN_ACTION_STATUSES,
        obligations__due_on__lt=today,
    )
    employee_ids = obligations_in_bucket(filters, bucket="overdue", today=today).values("employee_id")
    return (
        Employee.objects.filter(pk__in=employee_ids)
        .annotate(overdue_count=Count("obligations", filter=overdue))
        .select_related("department", "manager")
        .order_by("-overdue_count", "full_name")
    )
