"""On PostgreSQL, refuse UPDATE and DELETE on the ledger tables in the database itself, so that
not even raw SQL or another client can alter an attestation. TRUNCATE stays possible (test
teardown flushes with it; an operator who truncates the ledger breaks the chain visibly)."""

from django.db import migrations

TABLES = ("governance_attestation", "governance_attestationanswer")

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION governance_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'The attestation ledger is append-only: ' || TG_OP || ' on ' || TG_TABLE_NAME || ' is refused',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION governance_ledger_append_only();"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS governance_ledger_append_only();")


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0004_ledger_evidence_hash_and_login_links"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
