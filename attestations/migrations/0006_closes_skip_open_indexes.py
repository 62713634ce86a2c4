"""Closing an obligation skips every index but three (see Obligation's comment).

``obligation_employee`` (employee, closed_at) and ``obligation_version_status`` (policy version,
status) become indexes of open obligations only, and the index of all obligations by tool
goes: ``platform`` and ``policy_version`` are DO_NOTHING, guarded through the obligation's rule.

The new indexes are built before the old ones go, and on PostgreSQL without blocking writes
(CONCURRENTLY, hence ``atomic = False``): the table holds millions of rows in an organization
of 100,000 people. A build that was interrupted leaves an invalid index, which PostgreSQL does
not use; running the migration again drops and rebuilds it.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "governance_obligation"
# (indexes to create: {name: definition}, indexes to drop) each way.
FORWARDS = (
    {
        "obligation_open_employee": "(employee_id) WHERE closed_at IS NULL",
        "obligation_open_version_status": "(policy_version_id, status) WHERE closed_at IS NULL",
    },
    ("obligation_employee", "obligation_version_status", "governance_obligation_platform_id_d9857589"),
)
BACKWARDS = (
    {
        "obligation_employee": "(employee_id, closed_at)",
        "obligation_version_status": "(policy_version_id, status)",
        "governance_obligation_platform_id_d9857589": "(platform_id)",
    },
    tuple(FORWARDS[0]),
)


def _swap(schema_editor, create, drop):
    on_postgres = schema_editor.connection.vendor == "postgresql"
    concurrently = " CONCURRENTLY" if on_postgres else ""
    for name, definition in create.items():
        if on_postgres:
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE c.relname = %s AND NOT i.indisvalid",
                    [name],
                )
                if cursor.fetchone():
                    schema_editor.execute(f"DROP INDEX CONCURRENTLY {name}")
        schema_editor.execute(f"CREATE INDEX{concurrently} IF NOT EXISTS {name} ON {TABLE} {definition}")
    for name in drop:
        schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {name}")


def forwards(apps, schema_editor):
    _swap(schema_editor, *FORWARDS)


def backwards(apps, schema_editor):
    _swap(schema_editor, *BACKWARDS)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("attestations", "0005_obligation_references_checked_per_statement"),
        ("platforms", "0007_setting_probes_and_settings_pages"),
        ("policies", "0006_rule_on_open"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="obligation", name="obligation_employee"),
                migrations.RemoveIndex(model_name="obligation", name="obligation_version_status"),
                migrations.AlterField(
                    model_name="obligation",
                    name="platform",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="obligations",
                        to="platforms.platform",
                    ),
                ),
                migrations.AlterField(
                    model_name="obligation",
                    name="policy_version",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="obligations",
                        to="policies.policyversion",
                    ),
                ),
                migrations.AddIndex(
                    model_name="obligation",
                    index=models.Index(
                        condition=models.Q(("closed_at__isnull", True)),
                        fields=["employee"],
                        name="obligation_open_employee",
                    ),
                ),
                migrations.AddIndex(
                    model_name="obligation",
                    index=models.Index(
                        condition=models.Q(("closed_at__isnull", True)),
                        fields=["policy_version", "status"],
                        name="obligation_open_version_status",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
        )
    ]
