"""The lists behind the dashboard's figures (drill-downs) and one person's page: what each
bucket lists, how it sorts, its columns and CSV, and a person's records and timeline. Views
render them; the figures themselves come from compliance.selectors."""

import datetime
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db.models import QuerySet

from attestations.models import Attestation, Obligation, PolicyException
from compliance import selectors as compliance
from compliance.selectors.filters import ComplianceFilters
from people.models import Employee

CSV_CHUNK = 2000

OBLIGATION_SORTS = {
    "person": ("employee__full_name", "id"),
    "department": ("department__name", "employee__full_name", "id"),
    "tool": ("platform__name", "employee__full_name", "id"),
    "status": ("status", "due_on", "id"),
    "due": ("due_on", "id"),
    "attested": ("last_attested_at", "id"),
}
PEOPLE_SORTS = {
    "person": ("full_name", "id"),
    "department": ("department__name", "full_name", "id"),
    "country": ("country", "full_name", "id"),
}
EXCEPTION_SORTS = {
    "person": ("employee__full_name", "id"),
    "tool": ("rule__platform__name", "employee__full_name", "id"),
    "status": ("status", "requested_at", "id"),
    "requested": ("requested_at", "id"),
    "expires": ("expires_on", "id"),
}
EXTRA_BUCKETS = {
    "people_compliant": "People with {done}",
    "people_not_compliant": "People with something left to do",
    "handlers_compliant": "Customer-data handlers with {done}",
    "handlers_not_compliant": "Customer-data handlers with something left to do",
    "exceptions": "Open exceptions",
}
# The buckets of people (not obligations): (customer-data handlers only, fully compliant).
PEOPLE_BUCKETS = {
    "people_compliant": (False, True),
    "people_not_compliant": (False, False),
    "handlers_compliant": (True, True),
    "handlers_not_compliant": (True, False),
}
SORTS = {
    "obligations": (OBLIGATION_SORTS, "due"),
    "people": (PEOPLE_SORTS, "person"),
    "exceptions": (EXCEPTION_SORTS, "requested"),
}


def is_bucket(bucket: str) -> bool:
    return bucket in compliance.BUCKET_LABELS or bucket in EXTRA_BUCKETS


def order(kind: str, sort: str | None) -> tuple[str, list[str]]:
    """The ``sort`` parameter ("due", "-due") of a ``kind`` of list as (the sort applied,
    order_by fields); unknown values use the list's default."""
    sorts, default = SORTS[kind]
    sort = sort or default
    name = sort.lstrip("-")
    if name not in sorts:
        sort, name = default, default.lstrip("-")
    fields = sorts[name]
    if sort.startswith("-"):
        return sort, [f"-{fields[0]}", *fields[1:]]
    return sort, list(fields)


def done_phrase(filters: ComplianceFilters, platforms: list[dict[str, Any]]) -> str:
    """What a fully compliant person has done, for the people cards and lists: every tool, or
    under a tool filter that tool (named from ``platforms``, {id, name} rows)."""
    name = next((p["name"] for p in platforms if p["id"] == filters.platform_id), None)
    return f"{name} done" if filters.platform_id and name else "every tool done"


def drill_down(
    filters: ComplianceFilters,
    *,
    bucket: str,
    today: datetime.date,
    done: str,
    setting_id: int | None = None,
) -> tuple[str, QuerySet, str]:
    """What a bucket lists: (kind, queryset, title). ``done`` (:func:`done_phrase`) goes into
    the people buckets' titles. Raises ValidationError for unknown buckets."""
    rows: QuerySet
    if bucket == "exceptions":
        rows = compliance.open_exceptions(filters, today=today).select_related(
            "employee", "employee__department", "rule__platform"
        )
        return "exceptions", rows, EXTRA_BUCKETS[bucket]
    if bucket in PEOPLE_BUCKETS:
        handlers_only, fully_compliant = PEOPLE_BUCKETS[bucket]
        rows = compliance.people_by_coverage(
            filters, fully_compliant=fully_compliant, today=today, handlers_only=handlers_only
        )
        return "people", rows, EXTRA_BUCKETS[bucket].format(done=done)
    rows = compliance.obligations_in_bucket(filters, bucket=bucket, today=today, setting_id=setting_id)
    rows = rows.select_related("employee", "department", "platform")
    return "obligations", rows, compliance.BUCKET_LABELS[bucket]


def columns(kind: str) -> list[tuple[str, str]]:
    """The list's columns as (sort key, label); an empty key is not sortable."""
    if kind == "obligations":
        return [
            ("person", "Person"),
            ("", "Employee ID"),
            ("department", "Department"),
            ("tool", "Tool"),
            ("status", "Status"),
            ("due", "Due on"),
            ("attested", "Last attested"),
        ]
    if kind == "people":
        return [("person", "Person"), ("", "Employee ID"), ("department", "Department"), ("country", "Country")]
    return [
        ("person", "Person"),
        ("", "Employee ID"),
        ("tool", "Tool"),
        ("status", "Status"),
        ("requested", "Requested"),
        ("expires", "Expires"),
    ]


CSV_COLUMNS = {
    "obligations": (
        ("Employee ID", "Name", "E-mail", "Department", "Tool", "Status", "Due on", "Days overdue", "Last attested"),
        (
            "employee__external_id",
            "employee__full_name",
            "employee__email",
            "department__name",
            "platform__name",
            "status",
            "due_on",
            "last_attested_at",
        ),
    ),
    "people": (
        ("Employee ID", "Name", "E-mail", "Department", "Country"),
        ("external_id", "full_name", "email", "department__name", "country"),
    ),
    "exceptions": (
        ("Employee ID", "Name", "E-mail", "Tool", "Status", "Requested", "Expires"),
        (
            "employee__external_id",
            "employee__full_name",
            "employee__email",
            "rule__platform__name",
            "status",
            "requested_at",
            "expires_on",
        ),
    ),
}


def csv_rows(kind: str, rows: QuerySet, *, today: datetime.date) -> Iterator[Sequence[Any]]:
    """The CSV export of a drill-down list: the header, then one row per record (streamed)."""
    header, fields = CSV_COLUMNS[kind]
    yield header
    for values in rows.values_list(*fields).iterator(chunk_size=CSV_CHUNK):
        if kind == "obligations":
            *start, status, due_on, attested = values
            overdue = (today - due_on).days if status in ("pending", "noncompliant") and due_on < today else ""
            values = (*start, status, due_on.isoformat(), overdue, attested.isoformat() if attested else "")
        elif kind == "exceptions":
            *start, requested, expires = values
            values = (*start, requested.isoformat(), expires.isoformat() if expires else "")
        yield values


def person_records(employee: Employee) -> dict[str, Any]:
    """One person's obligations, attestations, exceptions and reminders, and their timeline."""
    obligations = list(
        Obligation.objects.filter(employee=employee)
        .select_related("platform", "policy_version__policy", "satisfied_by")
        .order_by("closed_at", "due_on", "platform__name")
    )
    attestations = list(
        Attestation.objects.filter(employee=employee)
        .select_related("platform", "policy_version__policy")
        .order_by("-created_at", "-id")
    )
    exceptions = list(
        PolicyException.objects.filter(employee=employee)
        .select_related("rule__platform", "decided_by")
        .order_by("-requested_at")
    )
    # The mails sent to them, through the relation notifications.NotificationLog declares on
    # Employee: the notifications app sits above this one, so it is not imported here.
    notifications = list(employee.notifications.order_by("-day", "-id"))
    return {
        "obligations": obligations,
        "attestations": attestations,
        "exceptions": exceptions,
        "notifications": notifications,
        "timeline": timeline(obligations, attestations, exceptions, notifications),
    }


def timeline(
    obligations: Iterable[Any], attestations: Iterable[Any], exceptions: Iterable[Any], notifications: Iterable[Any]
) -> list[dict[str, Any]]:
    """One person's history, newest first, from the records already loaded for the page."""
    events = []
    for obligation in obligations:
        events.append((obligation.opened_at, "obligation", f"Obligation opened: {obligation.platform.name}"))
        if obligation.closed_at:
            events.append(
                (
                    obligation.closed_at,
                    "obligation",
                    f"Obligation closed: {obligation.platform.name} ({obligation.get_close_reason_display()})",
                )
            )
    for record in attestations:
        if record.kind == Attestation.Kind.ACKNOWLEDGMENT:
            text = f"Acknowledged {record.policy_version}"
        elif record.tool_used is False:
            text = f"Attested not using {record.platform}"
        else:
            outcome = "compliant" if record.compliant else "non-compliant"
            text = f"Attested {record.platform}: {outcome}"
        events.append((record.created_at, "attestation", text))
    for exception in exceptions:
        events.append((exception.requested_at, "exception", f"Exception requested: {exception.rule.platform.name}"))
        if exception.decided_at:
            events.append(
                (
                    exception.decided_at,
                    "exception",
                    f"Exception {exception.get_status_display().lower()}: {exception.rule.platform.name}",
                )
            )
    for notification in notifications:
        when = notification.sent_at or notification.claimed_at
        events.append((when, "reminder", f"{notification.get_kind_display()} ({notification.get_state_display()})"))
    events.sort(key=lambda event: event[0], reverse=True)
    return [{"when": when, "kind": kind, "text": text} for when, kind, text in events]
