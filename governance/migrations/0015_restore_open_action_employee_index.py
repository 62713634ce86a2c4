"""PostgreSQL: re-create ``obligation_open_action_employee`` (see 0006).

0009 altered ``Obligation.employee`` to ``db_index=False``, and Django's schema editor then
drops every single-column index on ``employee_id``, this partial one included. The reminder
job fetches each batch's open-action obligations by employee through it (about four times
faster at 100,000 people than without).
"""

from django.db import migrations

INDEX = "obligation_open_action_employee"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON governance_obligation (employee_id) "
        "WHERE closed_at IS NULL AND status IN ('pending', 'noncompliant')"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("governance", "0014_dashboard_rollup_triggers")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
