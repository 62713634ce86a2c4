"""On PostgreSQL, refuse TRUNCATE on the ledger tables too (0005 refuses UPDATE and DELETE), also
when it comes as the CASCADE of truncating a table the ledger refers to.

The one way through is deliberate and needs the tables' owner: ``SET LOCAL
governance.allow_ledger_truncate = 'on'`` in the same transaction, by a role that is a member
of the owning role (a test database's flush does this). It grants nothing the owner does not
already have (the owner can drop the trigger), which is why the application runs as a role that
does not own the tables: see ``manage.py grant_app_role``."""

from django.db import migrations

TABLES = ("governance_attestation", "governance_attestationanswer")

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION governance_ledger_no_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('governance.allow_ledger_truncate', true), '') = 'on'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'The attestation ledger is append-only: TRUNCATE on ' || TG_TABLE_NAME || ' is refused',
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
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION governance_ledger_no_truncate();"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS governance_ledger_no_truncate();")


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0019_idempotency_key_binds_endpoint"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
