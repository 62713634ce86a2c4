"""The maintained counts (PostgreSQL) and the figures read from them: the summary and the
people fully compliant (everyone, and the customer-data handlers)."""

import datetime
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from attestations.models import OPEN_ACTION_STATUSES, ObligationStatus
from compliance.models import (
    ManagerObligationCount,
    ObligationCount,
    ObligationCountState,
    ObligationFacetCount,
    PeopleCount,
    PersonObligationCount,
)
from compliance.models.counts import ALL_PLATFORMS_ID, NO_DEPARTMENT_ID, WHOLE_ORGANIZATION_ID
from compliance.selectors.figures import Figures, _figures, _terms_versions, figure_aggregates, open_obligations
from compliance.selectors.filters import ComplianceFilters
from governance import db
from people.models import Department, Employee
from policies.models import PolicyVersion


def _count_model(filters: ComplianceFilters) -> type[ObligationCount] | type[ObligationFacetCount] | None:
    """The maintained counts that answer ``filters``: ObligationCount for department, tool and
    policy-version filters, ObligationFacetCount when a country or the customer-data handlers
    narrow them too; None off PostgreSQL and for a manager's team (the department counts know
    nothing of reporting lines: :func:`team_counts` answers for a team)."""
    filters = filters or ComplianceFilters()
    if not db.on_postgres() or filters.manager is not None:
        return None
    return ObligationFacetCount if filters.country or filters.customer_data_only else ObligationCount


def counts_answer(filters: ComplianceFilters) -> bool:
    """Whether the maintained counts can answer ``filters`` (see :func:`_count_model`)."""
    return _count_model(filters) is not None


def _count_aggregates() -> dict[str, Any]:
    """figure_aggregates() over ObligationCount rows (sums of their counts)."""
    aggregates = {"total": Sum("count"), "overdue": Sum("count", filter=Q(overdue=True))}
    for name in ("compliant", "not_used", "excepted", "pending", "noncompliant"):
        aggregates[name] = Sum("count", filter=Q(status=name))
    return aggregates


def _scope(filters: ComplianceFilters) -> tuple[int, bool]:
    """The (department_id, subtree) rows of the maintained counts that hold exactly the
    obligations inside the department part of ``filters`` (see ObligationCount)."""
    if filters.department is not None:
        return (filters.department.pk, not filters.department_direct_only)
    if filters.no_department:
        return (NO_DEPARTMENT_ID, False)
    return (WHOLE_ORGANIZATION_ID, True)


def _scopes_q(scopes: Iterable[tuple[int, bool]]) -> Q:
    """The count rows of any of ``scopes`` ((department_id, subtree) pairs)."""
    condition = Q()
    for subtree in (True, False):
        ids = sorted({department_id for department_id, kind in scopes if kind is subtree})
        if ids:
            condition |= Q(subtree=subtree, department_id__in=ids)
    return condition


def _counted(
    queryset: QuerySet,
    filters: ComplianceFilters,
    *,
    scopes: Iterable[tuple[int, bool]] | None = None,
    facets: bool = False,
) -> QuerySet:
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


def _counts(
    filters: ComplianceFilters, *, today: datetime.date, scopes: Iterable[tuple[int, bool]] | None = None
) -> QuerySet | None:
    """The maintained counts (see :func:`_count_model`) of ``scopes`` inside ``filters``, or
    none at all when the counts do not hold for ``today`` (not rebuilt since midnight):
    callers then use the live aggregate."""
    model = _count_model(filters)
    if model is None:
        return None
    current = model.objects.filter(Exists(ObligationCountState.objects.filter(as_of=today)))
    return _counted(current, filters, scopes=scopes, facets=model is ObligationFacetCount)


def team_counts(filters: ComplianceFilters, *, today: datetime.date) -> QuerySet | None:
    """The maintained counts of a manager's team (``filters.manager``'s direct and indirect
    reports) inside ``filters``: the ManagerObligationCount rows of the manager and of every
    manager in the team (a person is in the team exactly when their manager is one of those),
    narrowed to the department, tool and policy-version filters. Empty when the counts do not
    hold for ``today``; None when they cannot answer: no manager, not on PostgreSQL, or a
    country or customer-data filter (not kept per manager; the live aggregate answers)."""
    manager = filters.manager
    if manager is None or not _team_counts_answer(filters):
        return None
    below = Employee.objects.filter(reporting_path__startswith=manager.subtree_prefix).values("pk")
    return _manager_rows(Q(manager_id=manager.pk) | Q(manager_id__in=below), filters, today=today)


def _manager_rows(managers: Q, filters: ComplianceFilters, *, today: datetime.date) -> QuerySet:
    """The current ManagerObligationCount rows of ``managers`` inside the department, tool and
    policy-version filters."""
    rows = ManagerObligationCount.objects.filter(Exists(ObligationCountState.objects.filter(as_of=today)))
    rows = _in_departments(rows.filter(managers), filters)
    if filters.platform_id:
        rows = rows.filter(platform_id=filters.platform_id)
    if filters.policy_version_id:
        rows = rows.filter(policy_version_id__in=_terms_versions(filters.policy_version_id))
    return rows


def _team_counts_answer(filters: ComplianceFilters) -> bool:
    """Whether the managers' counts can answer ``filters``: on PostgreSQL, no country nor
    customer-data filter (not kept per manager)."""
    return db.on_postgres() and not filters.country and not filters.customer_data_only


# ManagerObligationCount's manager of the people without a manager.
NO_MANAGER_ID = 0


def heads_whole_organization(manager: Employee) -> bool:
    """Whether ``manager``'s team is everyone who has a manager: they have none themselves and
    nobody else without a manager has reports (a single head of the organization). Two indexed
    lookups, whatever the size of the organization; one query per manager object (the answer
    is kept on it for the page's other figures)."""
    if manager.manager_id is not None:
        return False
    known = getattr(manager, "_heads_whole_organization", None)
    if known is None:
        other_heads = Employee.objects.filter(manager__isnull=True).exclude(pk=manager.pk).values("pk")
        known = manager._heads_whole_organization = not Employee.objects.filter(manager_id__in=other_heads).exists()  # type: ignore[attr-defined]  # kept for the request
    return known


def team_outside(filters: ComplianceFilters, *, today: datetime.date) -> QuerySet | None:
    """For the head of the whole organization (:func:`heads_whole_organization`), the maintained
    counts of the people outside their team inside ``filters``: those without a manager (the
    head among them). The team's figures are then the organization's (the department counts,
    a few rows per scope) minus these few rows, instead of a sum over every manager's rows.
    None otherwise, or when :func:`team_counts` could not answer."""
    manager = filters.manager
    if manager is None or not _team_counts_answer(filters) or not heads_whole_organization(manager):
        return None
    return _manager_rows(Q(manager_id=NO_MANAGER_ID), filters, today=today)


def _in_departments(rows: QuerySet, filters: ComplianceFilters) -> QuerySet:
    """Count rows (keyed by ``department_id``) narrowed to the filters' department: the
    department alone (direct members), its subtree, or the people of no department."""
    if filters.department is not None:
        if filters.department_direct_only:
            return rows.filter(department_id=filters.department.pk)
        inside = Department.objects.filter(path__startswith=filters.department.path).values("pk")
        return rows.filter(department_id__in=inside)
    if filters.no_department:
        return rows.filter(department_id=NO_DEPARTMENT_ID)
    return rows


def _figure_counts(filters: ComplianceFilters, *, today: datetime.date) -> QuerySet | None:
    """The maintained counts of the open obligations inside ``filters``: the department counts,
    or a manager's team's (:func:`team_counts`); None when neither can answer."""
    return _counts(filters, today=today) if counts_answer(filters) else team_counts(filters, today=today)


def summary(filters: ComplianceFilters, *, today: datetime.date) -> Figures:
    """Overall figures over the filtered open obligations (one query; two when the maintained
    counts are not current and the live aggregate answers). A manager's team: from the
    managers' counts (:func:`team_counts`)."""
    filters = filters or ComplianceFilters()
    outside = None if counts_answer(filters) else team_outside(filters, today=today)
    if outside is not None:
        whole = _counts(replace(filters, manager=None), today=today)
        assert whole is not None  # team_outside answers only where the department counts do
        organization = whole.aggregate(**_count_aggregates())
        if organization["total"]:
            others = outside.aggregate(**_count_aggregates())
            return _figures({name: (value or 0) - (others[name] or 0) for name, value in organization.items()})
    counted = _figure_counts(filters, today=today)
    if counted is not None:
        row = counted.aggregate(**_count_aggregates())
        if row["total"]:
            return _figures(row)
    return _figures(open_obligations(filters).aggregate(**figure_aggregates(today)))


def _person_counts(
    filters: ComplianceFilters, *, handlers_only: bool, today: datetime.date
) -> QuerySet[PersonObligationCount] | None:
    """The maintained per-person counts (PersonObligationCount: all tools, or the filtered tool)
    of the people inside ``filters`` (customer-data handlers only with ``handlers_only`` or the
    filters' customer-data flag), or None when they cannot answer: not on PostgreSQL, a
    policy-version filter (which narrows which of a person's obligations count) or a tool filter
    for everyone (per-tool rows are kept for handlers only). No rows at all when the counts do
    not hold for ``today`` (the condition is part of the query)."""
    handlers_only = handlers_only or filters.customer_data_only
    if not db.on_postgres() or filters.policy_version_id or (filters.platform_id and not handlers_only):
        return None
    rows = PersonObligationCount.objects.filter(
        Exists(ObligationCountState.objects.filter(as_of=today)),
        platform_id=filters.platform_id or ALL_PLATFORMS_ID,
        open_count__gt=0,
    )
    if handlers_only:
        rows = rows.filter(customer_data=True)
    rows = _in_departments(rows, filters)
    if filters.country:
        rows = rows.filter(country=filters.country)
    if filters.manager is not None and heads_whole_organization(filters.manager):
        # Everyone with a manager: no scan of every reporting path.
        rows = rows.exclude(employee_id__in=Employee.objects.filter(manager__isnull=True).values("pk"))
    elif filters.manager is not None:
        rows = rows.filter(employee__reporting_path__startswith=filters.manager.subtree_prefix)
    return rows


def _people_rows(filters: ComplianceFilters, *, handlers_only: bool, today: datetime.date) -> QuerySet:
    """The current PeopleCount rows inside ``filters`` (which :func:`_person_counts` answers,
    without a manager's team: PeopleCount is not kept per manager)."""
    rows = PeopleCount.objects.filter(
        Exists(ObligationCountState.objects.filter(as_of=today)), platform_id=filters.platform_id or ALL_PLATFORMS_ID
    )
    if handlers_only or filters.customer_data_only:
        rows = rows.filter(customer_data=True)
    if filters.country:
        rows = rows.filter(country=filters.country)
    return _in_departments(rows, filters)


def _people_with_obligations(
    filters: ComplianceFilters, *, handlers_only: bool, today: datetime.date
) -> QuerySet[Employee]:
    """The people (customer-data handlers only with ``handlers_only``) with at least one open
    obligation inside the filters, annotated with ``to_do``: whether any of those obligations
    still needs action. From the per-person counts when they can answer, else per-person EXISTS
    probes (indexed) rather than grouping everyone's obligations."""
    filters = filters or ComplianceFilters()
    counted = _person_counts(filters, handlers_only=handlers_only, today=today)
    if counted is not None and ObligationCountState.objects.filter(as_of=today).exists():
        return Employee.objects.filter(pk__in=counted.values("employee_id")).annotate(
            to_do=Exists(counted.filter(employee_id=OuterRef("pk"), to_do_count__gt=0))
        )
    return _live_people(filters, handlers_only=handlers_only)


def _live_people(filters: ComplianceFilters, *, handlers_only: bool) -> QuerySet[Employee]:
    """:func:`_people_with_obligations` from the obligations themselves."""
    people = Employee.objects.all()
    if handlers_only or filters.customer_data_only:
        people = people.filter(handles_customer_data=True)
    if filters.country:
        people = people.filter(country=filters.country)
    if filters.manager is not None:
        people = people.filter(reporting_path__startswith=filters.manager.subtree_prefix)
    theirs = open_obligations(replace(filters, country="", customer_data_only=False, manager=None)).filter(
        employee_id=OuterRef("pk")
    )
    return people.filter(Exists(theirs)).annotate(to_do=Exists(theirs.filter(status__in=OPEN_ACTION_STATUSES)))


def _coverage(filters: ComplianceFilters, *, handlers_only: bool, today: datetime.date) -> tuple[int, int]:
    """(people with at least one open obligation, those with every one satisfied) inside the
    filters: one count over the per-person counts when they can answer, else under a tool
    filter over the tool's counts (:func:`_one_tool_obligation_each`), else (or when they count
    nobody: not current for ``today``) one over the open obligations themselves."""
    filters = filters or ComplianceFilters()
    counted = _person_counts(filters, handlers_only=handlers_only, today=today)
    if counted is not None and filters.manager is None:
        # PeopleCount: the person rows counted per department, tool, country and flag.
        row = _people_rows(filters, handlers_only=handlers_only, today=today).aggregate(
            people=Sum("people"), to_do=Sum("to_do")
        )
    elif counted is not None:
        # A person normally has one row (their obligations sit in their department).
        row = counted.aggregate(
            people=Count("employee_id", distinct=True),
            to_do=Count("employee_id", distinct=True, filter=Q(to_do_count__gt=0)),
        )
    if counted is not None and row["people"]:
        return row["people"], row["people"] - (row["to_do"] or 0)
    one_each = _one_tool_obligation_each(filters, today=today) if counted is None and not handlers_only else None
    if one_each is not None:
        return one_each
    # One pass over the open obligations inside the filters (a tool's: one per person).
    theirs = open_obligations(replace(filters, customer_data_only=handlers_only or filters.customer_data_only))
    row = theirs.aggregate(
        people=Count("employee_id", distinct=True),
        to_do=Count("employee_id", distinct=True, filter=Q(status__in=OPEN_ACTION_STATUSES)),
    )
    return row["people"] or 0, (row["people"] or 0) - (row["to_do"] or 0)


def _one_tool_obligation_each(filters: ComplianceFilters, *, today: datetime.date) -> tuple[int, int] | None:
    """:func:`_coverage` under a tool filter from the maintained counts, when every open
    obligation inside ``filters`` follows one terms version: a version has one rule per tool
    and a person one obligation per rule, so the people are then the obligations and the fully
    compliant the satisfied ones. None when the counts cannot answer (or count nobody), without
    a tool filter, or when the tool follows several policies' terms (a person may then hold two)."""
    if not filters.platform_id:
        return None
    rows = _figure_counts(filters, today=today)
    if rows is None:
        return None
    row = rows.aggregate(
        **_count_aggregates(), versions=Count("policy_version_id", distinct=True, filter=Q(count__gt=0))
    )
    if not row["total"] or row["versions"] != 1:
        return None
    return row["total"], _figures(row).satisfied


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def customer_data_coverage(filters: ComplianceFilters, *, today: datetime.date) -> dict[str, Any]:
    """The customer-trust figure: customer-data handlers (with at least one open obligation)
    and how many of them have every open obligation satisfied (one query over the per-person
    counts when they answer)."""
    handlers, fully = _coverage(filters, handlers_only=True, today=today)
    return {"handlers": handlers, "fully_compliant": fully, "rate": _rate(fully, handlers)}


def people_coverage(filters: ComplianceFilters, *, today: datetime.date) -> dict[str, Any]:
    """Everyone's figure: people (with at least one open obligation inside the filters) and how
    many of them have every one of those satisfied, i.e. are fully compliant on every tool."""
    people, fully = _coverage(filters, handlers_only=False, today=today)
    return {"people": people, "fully_compliant": fully, "rate": _rate(fully, people)}


def people_by_coverage(
    filters: ComplianceFilters, *, fully_compliant: bool, today: datetime.date, handlers_only: bool = False
) -> QuerySet[Employee]:
    """The people behind :func:`people_coverage` (or, ``handlers_only``,
    :func:`customer_data_coverage`): a queryset of employees."""
    people = _people_with_obligations(filters, handlers_only=handlers_only, today=today)
    return people.filter(to_do=not fully_compliant).select_related("department", "manager")  # type: ignore[misc]  # annotated


def version_obligation_counts(*, version: PolicyVersion, today: datetime.date | None = None) -> dict[str, int]:
    """Open obligations under a version by status, named as people read them, e.g.
    {"Pending": 120, "Not used": 11}: the dashboard's figures filtered by the version (shown on
    the policy editor's version page)."""
    if version.status != PolicyVersion.Status.PUBLISHED:
        return {}  # a draft has none yet; a retired version's closed with it
    figures = summary(ComplianceFilters(policy_version_id=version.pk), today=today or timezone.localdate())
    return {
        str(status.label): getattr(figures, status.value)
        for status in ObligationStatus
        if getattr(figures, status.value)
    }
