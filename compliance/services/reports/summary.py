"""A report's figures: the dashboard's selectors, once, as plain data the files are written from."""

import datetime
from typing import Any

from attestations.models import Attestation
from compliance import selectors as compliance
from compliance.models import ComplianceReport
from compliance.selectors.figures import Figures, share
from compliance.selectors.filters import ComplianceFilters

OVERDUE_PEOPLE_IN_REPORT = 50


def _figures_row(figures: Figures) -> dict[str, Any]:
    return {**figures.extra, **figures.as_dict()}


def _change(
    previous: ComplianceReport | None, overall: dict[str, Any], coverage: dict[str, Any]
) -> dict[str, Any] | None:
    if previous is None:
        return None
    before = previous.summary.get("overall") or {}

    def delta(now: float | None, then: float | None) -> float | None:
        return None if now is None or then is None else round(now - then, 1)

    return {
        "previous_report": previous.pk,
        "previous_title": str(previous),
        "previous_as_of": previous.summary.get("as_of"),
        "rate": delta(overall["rate"], before.get("rate")),
        "total": delta(overall["total"], before.get("total")),
        "overdue": delta(overall["overdue"], before.get("overdue")),
        "coverage_rate": delta(coverage["rate"], (previous.summary.get("coverage") or {}).get("rate")),
    }


def compute_summary(
    *,
    filters: ComplianceFilters,
    today: datetime.date,
    as_of: datetime.datetime,
    previous: ComplianceReport | None = None,
) -> dict[str, Any]:
    """The report's figures as JSON-ready data, all from the compliance selectors. ``scope``
    says what they cover; ``change`` compares with ``previous``, which the caller picks among
    reports of the same scope."""
    overall = compliance.summary(filters, today=today).as_dict()
    coverage = compliance.customer_data_coverage(filters, today=today)
    people = compliance.people_coverage(filters, today=today)
    overdue_people = compliance.overdue_people(filters, today=today)
    head = Attestation.objects.order_by("-id").values_list("hash", flat=True).first()
    return {
        "as_of": as_of.isoformat(),
        "today": today.isoformat(),
        "filters": filters.as_params(),
        "scope": compliance.scope_label(filters),
        "overall": overall,
        "by_department": [_figures_row(f) for f in compliance.by_department(filters, today=today)],
        "by_platform": [_figures_row(f) for f in compliance.by_platform(filters, today=today)],
        "by_setting": [
            {
                "setting_id": row["setting_id"],
                "key": row["setting__key"],
                "label": row["setting__label"],
                "platform": row["setting__platform__name"],
                "noncompliant": row["count"],
            }
            for row in compliance.noncompliant_settings(filters, limit=None)
        ],
        "coverage": coverage,
        "people_coverage": people,
        "overdue_people": {
            "count": overdue_people.count(),
            "top": [
                {
                    "name": person.full_name,
                    "email": person.email,
                    "department": person.department.name if person.department else "",
                    "overdue": person.overdue_count,  # type: ignore[attr-defined]  # annotated by overdue_people
                }
                for person in overdue_people[:OVERDUE_PEOPLE_IN_REPORT]
            ],
        },
        "exceptions": {
            "open": compliance.open_exception_count(filters, today=today),
            "expired": compliance.expired_exception_count(filters, today=today),
        },
        "change": _change(previous, overall, coverage),
        "stale_catalog": compliance.stale_catalog_count(today=today),
        "ledger": {"head_hash": head or "", "count": Attestation.objects.count()},
    }


def report_text_lines(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """The headline figures as short lines (PDF cover, page, e-mail)."""
    overall = summary.get("overall") or {}
    coverage = summary.get("coverage") or {}
    people = summary.get("people_coverage")

    lines = [
        (
            "Obligations satisfied",
            share(overall.get("satisfied", 0), overall.get("total", 0), overall.get("rate"), of="obligations"),
        ),
        ("Overdue obligations", str(overall.get("overdue", 0))),
        ("Non-compliant answers", str(overall.get("noncompliant", 0))),
        (
            "Customer-data handlers compliant on every tool",
            share(coverage.get("fully_compliant", 0), coverage.get("handlers", 0), coverage.get("rate"), of="handlers"),
        ),
        ("People with overdue tools", str((summary.get("overdue_people") or {}).get("count", 0))),
        ("Open exceptions", str((summary.get("exceptions") or {}).get("open", 0))),
        ("Expired exceptions", str((summary.get("exceptions") or {}).get("expired", 0))),
        ("Stale catalog entries", str(summary.get("stale_catalog", 0))),
        ("Attestation ledger records", str((summary.get("ledger") or {}).get("count", 0))),
    ]
    if people is not None:  # reports built before the figure existed do not carry it
        lines.insert(
            1,
            (
                "People compliant on every tool",
                share(people.get("fully_compliant", 0), people.get("people", 0), people.get("rate"), of="people"),
            ),
        )
    return lines


def change_text(change: dict[str, Any] | None, *, scope: str) -> str:
    """The change since the last report of the same scope, as one sentence (page and PDF)."""
    if not change:
        return f"No earlier report covers {scope}: nothing to compare with."
    since = (
        f"Change since the last report of the same scope ({change.get('previous_title') or change['previous_report']})"
    )
    if None in (change.get("rate"), change.get("overdue"), change.get("coverage_rate")):
        return f"{since}: not comparable (no figures then)."
    return (
        f"{since}: satisfied rate {change['rate']:+} points, overdue {change['overdue']:+g}, "
        f"customer-data coverage {change['coverage_rate']:+} points."
    )
