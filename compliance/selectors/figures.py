"""Figures, the live aggregate over the open obligations, and the buckets the dashboard links to."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from attestations.models import (
    OPEN_ACTION_STATUSES,
    SATISFIED_STATUSES,
    AttestationAnswer,
    Obligation,
    ObligationStatus,
)
from compliance.selectors.filters import ComplianceFilters
from policies.models import PolicyVersion


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
    def satisfied(self) -> int:
        return self.compliant + self.not_used + self.excepted

    @property
    def unsatisfied(self) -> int:
        return self.pending + self.noncompliant

    @property
    def rate(self) -> float | None:
        """Share of open obligations satisfied, in percent (None when there are none)."""
        return round(100 * self.satisfied / self.total, 1) if self.total else None

    def add(self, other: "Figures") -> "Figures":
        for name in FIGURE_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def as_dict(self) -> dict[str, Any]:
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


def figure_aggregates(today: datetime.date) -> dict[str, Any]:
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


def _figures(row: Mapping[str, Any]) -> Figures:
    return Figures(**{name: row[name] or 0 for name in FIGURE_NAMES})  # type: ignore[arg-type]


def _department_q(filters: ComplianceFilters, prefix: str = "") -> Q:
    """The department part of the filters, for a queryset whose department is at ``prefix``."""
    if filters.department is not None:
        if filters.department_direct_only:
            return Q(**{f"{prefix}department_id": filters.department.pk})
        return Q(**{f"{prefix}department__path__startswith": filters.department.path})
    if filters.no_department:
        return Q(**{f"{prefix}department__isnull": True})
    return Q()


def _terms_versions(version_id: int) -> QuerySet:
    """The versions whose terms open obligations under version ``version_id`` follow (a
    subquery): every version of its policy when it is the one in force, since terms that
    carried over unchanged keep pointing at the version that set them; none otherwise, as a
    retired version governs no open obligation."""
    return PolicyVersion.objects.filter(
        policy__versions__pk=version_id, policy__versions__status=PolicyVersion.Status.PUBLISHED
    ).values("pk")


def _filters_q(filters: ComplianceFilters, *, department_prefix: str, platform: str, policy_version: str) -> Q:
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


def open_obligations(filters: ComplianceFilters | None = None) -> QuerySet[Obligation]:
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


def obligations_in_bucket(
    filters: ComplianceFilters, *, bucket: str, today: datetime.date, setting_id: int | None = None
) -> QuerySet[Obligation]:
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


# What a share says when nobody is counted: "0 of 0 (-)" reads as a failure.
NOBODY = {
    "obligations": "no open obligations",
    "people": "nobody has an open obligation",
    "handlers": "no customer-data handler has an open obligation",
}


def share(part: int, whole: int, rate: float | None, *, of: str) -> str:
    """A share as people read it, "12 of 20 (60.0%)", or what :data:`NOBODY` says for ``of``
    when ``whole`` is 0 (PDF, report page, e-mail: compliance.templatetags.figures)."""
    return f"{part} of {whole} ({rate}%)" if whole else NOBODY[of]
