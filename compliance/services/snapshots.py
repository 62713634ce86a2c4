"""Daily compliance snapshots: day x department x tool counts for the dashboard's trend."""

import datetime

from django.db import connection, transaction
from django.db.models import DateField, Value
from django.utils import timezone

from compliance.models import ComplianceSnapshot
from compliance.selectors import FIGURE_NAMES, figure_aggregates, open_obligations

COLUMNS = ("day", "department_id", "platform_id", *FIGURE_NAMES)


@transaction.atomic
def snapshot_compliance(*, day: datetime.date | None = None) -> int:
    """Replace ``day``'s snapshot rows with the current counts, in one transaction.

    One ``INSERT ... SELECT ... GROUP BY`` over the open obligations, using the compliance
    selectors' own aggregates, so a snapshot equals what the dashboard showed that day.
    Idempotent: a re-run on the same day leaves the same rows. Returns the number of rows.
    """
    day = day or timezone.localdate()
    ComplianceSnapshot.objects.filter(day=day).delete()
    select = (
        open_obligations(None)
        .order_by()
        .values("department_id", "platform_id")
        .annotate(snapshot_day=Value(day, output_field=DateField()), **figure_aggregates(day))
        .values_list("snapshot_day", "department_id", "platform_id", *FIGURE_NAMES)
    )
    sql, params = select.query.sql_with_params()
    table = connection.ops.quote_name(ComplianceSnapshot._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)  # noqa: S608 (names are ours)
        return cursor.rowcount
