"""A report's CSV: one row per employee and tool, streamed in chunks, formula-safe."""

import datetime
from collections.abc import Callable

from attestations.models import OPEN_ACTION_STATUSES
from compliance import selectors as compliance
from compliance.selectors.filters import ComplianceFilters
from governance import csv as csv_export

CSV_CHUNK = 5000

CSV_HEADER = [
    "employee_id",
    "employee_name",
    "employee_email",
    "department",
    "country",
    "handles_customer_data",
    "tool",
    "policy_version",
    "status",
    "due_on",
    "overdue",
    "valid_until",
    "last_attested_at",
]


def write_csv(
    path: str,
    *,
    filters: ComplianceFilters,
    today: datetime.date,
    on_progress: Callable[[float], None] | None = None,
    total: int = 0,
) -> int:
    """One row per open obligation (employee x tool), streamed from a server-side cursor so
    memory stays flat whatever the size of the organization. Returns the row count."""
    rows = (
        compliance.open_obligations(filters)
        .order_by("employee_id", "platform_id")
        .values_list(
            "employee__external_id",
            "employee__full_name",
            "employee__email",
            "department__name",
            "employee__country",
            "employee__handles_customer_data",
            "platform__name",
            "policy_version__number",
            "status",
            "due_on",
            "valid_until",
            "last_attested_at",
        )
    )
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv_export.writer(handle)
        writer.writerow(CSV_HEADER)
        for row in rows.iterator(chunk_size=CSV_CHUNK):
            (ext_id, name, email, department, country, handles, tool, version, status, due_on, valid, attested) = row
            writer.writerow(
                [
                    ext_id,
                    name,
                    email,
                    department or "",
                    country,
                    "yes" if handles else "no",
                    tool,
                    version,
                    status,
                    due_on.isoformat(),
                    "yes" if status in OPEN_ACTION_STATUSES and due_on < today else "no",
                    valid.isoformat() if valid else "",
                    attested.isoformat() if attested else "",
                ]
            )
            count += 1
            if on_progress and count % (CSV_CHUNK * 4) == 0 and total:
                on_progress(count / total)
    return count
