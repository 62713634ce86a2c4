"""Give the role the application runs as exactly the privileges it needs, and no more.

Migrations run as the tables' owner; the web app, the worker and beat connect as a role that
does not own them, so it can neither ALTER a table (DISABLE TRIGGER) nor drop the ledger's
guards. On the ledger (attestations, their answers and the checkpoints) it may only SELECT and INSERT: UPDATE,
DELETE and TRUNCATE are not granted, whatever the triggers say. On the records' personal data
it may also UPDATE (the erasure, the one change its trigger lets through), never DELETE. Idempotent; run it as the owner
after every ``migrate`` (new tables need their grants)."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from governance import db

LEDGER_TABLES = ("governance_attestation", "governance_attestationanswer", "attestations_ledgercheckpoint")
ERASE_ONLY_TABLES = ("attestations_attestationpersonaldata",)
READ_ONLY_TABLES = ("django_migrations",)


class Command(BaseCommand):
    help = "Grant an application database role (not the owner) its privileges; --create makes the role."

    def add_arguments(self, parser):
        parser.add_argument("role", help="The role the application connects as, e.g. governance_app.")
        parser.add_argument("--create", action="store_true", help="Create the role (LOGIN) when it does not exist.")
        parser.add_argument(
            "--password-env",
            default="",
            help="Name of an environment variable holding the role's password (set on --create or when given).",
        )

    def handle(self, *args, role, create, password_env, **options):
        if not db.on_postgres():
            raise CommandError("Database roles are a PostgreSQL feature; this database is " + db.vendor())
        from psycopg import sql

        password = os.environ.get(password_env, "") if password_env else ""
        if password_env and not password:
            raise CommandError(f"The environment variable {password_env} is empty.")
        ident = sql.Identifier(role)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_schema(), current_database()")
            owner, schema, database = cursor.fetchone()
            if role == owner:
                raise CommandError("The application role must not be the tables' owner.")
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            exists = cursor.fetchone() is not None
            if not exists and not create:
                raise CommandError(f"No role {role}; pass --create to make it.")
            if not exists:
                cursor.execute(
                    sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION").format(ident)
                )
            if password:
                cursor.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, sql.Literal(password)))
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user"
            )
            tables = [name for (name,) in cursor.fetchall()]
            statements = [
                sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(sql.Identifier(database), ident),
                sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), ident),
                sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(sql.Identifier(schema), ident),
                sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
                    sql.Identifier(schema), ident
                ),
            ]
            for table in tables:
                if table in LEDGER_TABLES:
                    privileges = "SELECT, INSERT"
                elif table in ERASE_ONLY_TABLES:
                    privileges = "SELECT, INSERT, UPDATE"
                elif table in READ_ONLY_TABLES:
                    privileges = "SELECT"
                else:
                    privileges = "SELECT, INSERT, UPDATE, DELETE"
                statements.append(
                    sql.SQL("GRANT " + privileges + " ON {} TO {}").format(sql.Identifier(schema, table), ident)
                )
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            f"{role}: read and write on "
            f"{len(tables) - len(LEDGER_TABLES) - len(ERASE_ONLY_TABLES) - len(READ_ONLY_TABLES)} tables, "
            f"SELECT and INSERT only on the ledger ({', '.join(LEDGER_TABLES)}), no DELETE on its personal data "
            f"({', '.join(ERASE_ONLY_TABLES)}); owner stays {owner}."
        )
