"""What an evidence package covers, as a person asks for it (form or command line), validated."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from compliance import selectors as compliance
from compliance.selectors import ComplianceFilters
from governance.validators import parse_id
from people.models import Department

MAX_DEPARTMENTS = 50


@dataclass(frozen=True)
class EvidenceRequest:
    """What a package covers: the days ``start`` to ``end`` (both included, in the organization's
    time zone), the departments (with their sub-departments; none: the whole organization), and
    whether the records' evidence files go in."""

    start: datetime.date
    end: datetime.date
    departments: tuple[Department, ...] = ()
    evidence_files: bool = True

    @property
    def starts_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def ends_before(self) -> datetime.datetime:
        """The first moment after the period (the day after ``end``, at midnight)."""
        return timezone.make_aware(datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min))

    def params(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "departments": [department.pk for department in self.departments],
            "evidence_files": self.evidence_files,
        }

    @property
    def key(self) -> str:
        ids = ",".join(str(department.pk) for department in self.departments) or "all"
        return f"evidence:{self.start}:{self.end}:{ids}:{'files' if self.evidence_files else 'nofiles'}"

    @property
    def scope_label(self) -> str:
        if not self.departments:
            return compliance.scope_label(ComplianceFilters())
        return "; ".join(compliance.scope_label(ComplianceFilters(department=d)) for d in self.departments)


def _date(value: Any, field: str, errors: dict[str, str]) -> datetime.date | None:
    text = str(value or "").strip()
    if not text:
        errors[field] = "Give a date (YYYY-MM-DD)."
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        errors[field] = f"{text[:40]!r} is not a date; use YYYY-MM-DD."
        return None


def _department(value: Any, errors: dict[str, str]) -> Department | None:
    """A department by its id, its HR code or its name (names must be unambiguous)."""
    text = str(value or "").strip()
    number = parse_id(text)
    if number is not None:
        found = Department.objects.filter(pk=number).first()
        if found is not None:
            return found
    found = Department.objects.filter(code=text).first()
    if found is not None:
        return found
    named = list(Department.objects.filter(name__iexact=text)[:2])
    if len(named) == 1:
        return named[0]
    shown = text[:80]
    errors["department"] = (
        f"{shown!r} names {len(named)} departments; use its id." if named else f"No department {shown!r}."
    )
    return None


def parse_request(
    *,
    start: Any,
    end: Any,
    departments: Sequence[Any] = (),
    evidence_files: bool = True,
    today: datetime.date | None = None,
) -> EvidenceRequest:
    """Validate what a person asked for (form or command line); raises ValidationError naming
    each bad field: dates that are not dates, a period that ends before it starts or after
    today, a department that does not exist (or whose name is ambiguous)."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    first = _date(start, "start", errors)
    last = _date(end, "end", errors)
    if first and last and first > last:
        errors["end"] = f"The period ends ({last}) before it starts ({first})."
    elif last and last > today:
        errors["end"] = f"The period cannot end after today ({today})."
    wanted = [value for value in departments if str(value or "").strip()]
    if len(wanted) > MAX_DEPARTMENTS:
        errors["department"] = f"At most {MAX_DEPARTMENTS} departments."
        wanted = []
    chosen: dict[int, Department] = {}
    for value in wanted:
        department = _department(value, errors)
        if department is not None:
            chosen[department.pk] = department
    if errors:
        raise ValidationError(errors)
    assert first is not None and last is not None
    return EvidenceRequest(
        start=first,
        end=last,
        departments=tuple(chosen[pk] for pk in sorted(chosen)),
        evidence_files=bool(evidence_files),
    )


def request_from_params(params: dict[str, Any]) -> EvidenceRequest:
    """The request a job was started with (its departments looked up again; a department
    removed since is a ValidationError, which fails the job with that sentence)."""
    found = Department.objects.in_bulk(params.get("departments") or [])
    missing = [pk for pk in params.get("departments") or [] if pk not in found]
    if missing:
        raise ValidationError(f"Department {missing[0]} no longer exists; ask for the package again.")
    return EvidenceRequest(
        start=datetime.date.fromisoformat(params["start"]),
        end=datetime.date.fromisoformat(params["end"]),
        departments=tuple(found[pk] for pk in sorted(found)),
        evidence_files=bool(params.get("evidence_files", True)),
    )
