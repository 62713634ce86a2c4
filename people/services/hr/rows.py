"""The rows of one HR batch, their errors, and what an upsert reports back."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from governance.validators import EXTERNAL_ID_HELP, is_url_safe_id
from people.models import Employee

MAX_ROWS = 10_000
CHUNK = 2000
WRITE_BATCH = 1000

EMPLOYEE_DEFAULTS: dict[str, Any] = {
    "email": None,
    "full_name": None,
    "department": None,
    "manager": None,
    "job_title": "",
    "country": "",
    "handles_customer_data": False,
    "status": Employee.Status.ACTIVE,
    "hired_on": None,
    "terminated_on": None,
}
# Plain columns compared and written as they are (department and manager are resolved to ids).
PLAIN_FIELDS = (
    "email",
    "full_name",
    "job_title",
    "country",
    "handles_customer_data",
    "status",
    "hired_on",
    "terminated_on",
)

Data = dict[str, Any]
FieldErrors = dict[str, list[str]]


@dataclass
class Outcome:
    """What an upsert did, per section, and the refused rows with their errors."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list = field(default_factory=list)  # [{"index", "id", "errors": {field: [msg]}}]
    ids: dict = field(default_factory=dict)  # key (external id / code) -> pk for applied rows

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "failed": self.failed}


@dataclass
class BulkOutcome:
    employees: Outcome
    departments: Outcome
    affected_employee_ids: list


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Rows:
    """Rows of one section with their indexes and accumulated errors."""

    def __init__(
        self, rows: Iterable[tuple[int, Data]], key_name: str, preset_errors: dict[int, FieldErrors] | None
    ) -> None:
        self.key_name = key_name
        self.rows: dict[int, Data] = dict(rows)
        self.errors: dict[int, FieldErrors] = dict(preset_errors or {})

    def fail(self, index: int, field_name: str, message: str) -> None:
        self.errors.setdefault(index, {}).setdefault(field_name, []).append(message)

    def valid(self) -> dict[int, Data]:
        return {i: d for i, d in self.rows.items() if i not in self.errors}

    def key(self, index: int, data: Data | None = None) -> Any:
        data = data if data is not None else self.rows.get(index, {})
        return data.get(self.key_name)

    def error_list(self, raw_keys: dict[int, Any]) -> list[dict[str, Any]]:
        result = []
        for index in sorted(self.errors):
            key = self.key(index) if index in self.rows else raw_keys.get(index)
            result.append({"index": index, "id": key, "errors": self.errors[index]})
        return result

    def refuse_duplicates(self, label: str) -> None:
        seen: dict[Any, list[int]] = {}
        for index, data in sorted(self.rows.items()):
            seen.setdefault(data[self.key_name], []).append(index)
        for key, indexes in seen.items():
            if len(indexes) > 1:
                for index in indexes:
                    self.fail(index, self.key_name, f"{label} {key!r} appears more than once in this batch.")

    def refuse_unsafe_new_key(self, index: int, key: str) -> None:
        """A new record's key must be URL-safe; existing records keep the ids they were created with."""
        if not is_url_safe_id(key):
            self.fail(index, self.key_name, f"Use a URL-safe id: {EXTERNAL_ID_HELP}")
