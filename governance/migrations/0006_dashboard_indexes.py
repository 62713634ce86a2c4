"""Indexes for the compliance dashboard's aggregates (PostgreSQL only).

Partial and covering indexes that let the dashboard's GROUP BYs run as index-only scans over
open obligations. Created with plain SQL (not in model state) because they use INCLUDE and
partial conditions that only matter at scale; SQLite keeps the model's indexes.
"""

from django.db import migrations

INDEXES = {
    # overview(): GROUP BY department, platform with status and overdue counts (and the
    # policy-version filter) without touching the table.
    "obligation_open_rollup": "ON governance_obligation (department_id, platform_id, status, due_on) "
    "INCLUDE (policy_version_id) WHERE closed_at IS NULL",
    # customer_data_coverage(): "has this person anything left to do?" probes per handler.
    "obligation_open_action_employee": "ON governance_obligation (employee_id) "
    "WHERE closed_at IS NULL AND status IN ('pending', 'noncompliant')",
    # overdue_people(): overdue obligations by due date, grouped by person.
    "obligation_open_action_due": "ON governance_obligation (due_on, employee_id) "
    "INCLUDE (platform_id, department_id, policy_version_id) "
    "WHERE closed_at IS NULL AND status IN ('pending', 'noncompliant')",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("governance", "0005_ledger_append_only_triggers")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
