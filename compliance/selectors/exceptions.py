"""Exception figures: open, expired and running exceptions, then and now."""

import datetime
from typing import Any

from django.db.models import Count, F, Func, Q, QuerySet, Subquery

from attestations.models import PolicyException
from compliance.selectors.figures import _filters_q
from compliance.selectors.filters import ComplianceFilters


def _open_exceptions_q(day: datetime.date) -> Q:
    """Exceptions open on ``day``: awaiting a decision, or approved and not yet expired."""
    return Q(status=PolicyException.Status.REQUESTED) | Q(status=PolicyException.Status.APPROVED, expires_on__gte=day)


def _open_exceptions_then_q(day: datetime.date) -> Q:
    """Exceptions that were open on a past ``day``, reconstructed from their dates (a request
    is open until decided; an approval until it expires; denials never)."""
    requested_by_then = Q(requested_at__date__lte=day)
    undecided_then = Q(decided_at__isnull=True) | Q(decided_at__date__gt=day)
    approved_running = Q(status=PolicyException.Status.APPROVED, decided_at__date__lte=day, expires_on__gte=day)
    return requested_by_then & (undecided_then | approved_running)


def exceptions_for(filters: ComplianceFilters) -> QuerySet[PolicyException]:
    """Exceptions of the filtered people and tools (any status)."""
    filters = filters or ComplianceFilters()
    return PolicyException.objects.filter(
        _filters_q(
            filters, department_prefix="employee__", platform="rule__platform_id", policy_version="rule__version_id"
        )
    )


def open_exceptions(filters: ComplianceFilters, *, today: datetime.date) -> QuerySet[PolicyException]:
    """Approved exceptions still running plus requests awaiting a decision (a queryset)."""
    return exceptions_for(filters).filter(_open_exceptions_q(today))


def open_exception_count(filters: ComplianceFilters, *, today: datetime.date) -> int:
    """Approved exceptions still running plus requests awaiting a decision, for the filtered people."""
    return open_exceptions(filters, today=today).count()


def expired_exception_count(filters: ComplianceFilters, *, today: datetime.date) -> int:
    """Approved exceptions whose expiry has passed, for the filtered people."""
    return exceptions_for(filters).filter(status=PolicyException.Status.APPROVED, expires_on__lt=today).count()


def open_exception_counts(filters: ComplianceFilters, *, today: datetime.date, then: datetime.date) -> dict[str, int]:
    """Open exceptions today and on the earlier day ``then`` (one query)."""
    row = exceptions_for(filters).aggregate(
        now=Count("id", filter=_open_exceptions_q(today)), then=Count("id", filter=_open_exceptions_then_q(then))
    )
    return {"now": row["now"] or 0, "then": row["then"] or 0}


def _count(queryset: QuerySet) -> Subquery:
    """``queryset``'s row count as a scalar subquery (COUNT without GROUP BY)."""
    return Subquery(queryset.order_by().annotate(n=Func(F("id"), function="COUNT")).values("n")[:1])


def open_exceptions_overview(
    filters: ComplianceFilters, *, today: datetime.date, then: datetime.date, limit: int = 10
) -> dict[str, Any]:
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
