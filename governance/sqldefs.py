"""The one home of the hand-written SQL: functions and triggers, PostgreSQL only.

Each app keeps its definitions under ``<app>/sql/``: ``*.sql`` files, and an ``SQL`` string
where the package renders them from templates (compliance/sql/maintained_counts.py). They hold
``CREATE OR REPLACE`` definitions and are the live truth: :func:`install` runs them after every
``migrate`` (once the schema is fully migrated), and tests/governance/test_sqldefs.py checks
that the database's functions and triggers are exactly the declared ones (:func:`drift`).
Migrations create tables, columns and indexes; a definition changes here, in one place, never
inside a migration. (Migrations governance 0005, 0011, 0014, 0020 and policies 0002 keep the
definitions of their day, which these files replace when they have run.) Triggers are written
as ``pg_get_triggerdef`` prints them (events in the order INSERT, DELETE, UPDATE, TRUNCATE), so
the comparison is exact up to whitespace.
"""

import re
from importlib import import_module
from pathlib import Path
from typing import Any

from django.apps import apps

from governance import db

ROOT = Path(__file__).resolve().parent.parent
PREFIXES = ("governance_", "policies_")
_FUNCTION = re.compile(r"CREATE OR REPLACE FUNCTION (\w+)\(.*?\) RETURNS .*? AS \$\$(.*?)\$\$", re.S)
_TRIGGER = re.compile(r"CREATE OR REPLACE TRIGGER (\w+)\s+(.*?);", re.S)


def _sources() -> list[str]:
    """Every definition, in installation order: app by app as INSTALLED_APPS lists them, each
    app's ``sql/*.sql`` files by name, then its ``sql`` package's rendered ``SQL``."""
    sources = []
    for config in apps.get_app_configs():
        folder = Path(config.path) / "sql"
        if ROOT not in folder.parents or not folder.is_dir():
            continue
        sources += [path.read_text() for path in sorted(folder.glob("*.sql"))]
        if (folder / "__init__.py").exists():
            rendered = getattr(import_module(f"{config.name}.sql"), "SQL", None)
            if rendered:
                sources.append(rendered)
    return sources


def _text() -> str:
    return "\n".join(_sources())


def _spaces(text: str) -> str:
    return " ".join(text.split())


def declared_functions() -> dict[str, str]:
    """{function name: body} as the files define them."""
    return dict(_FUNCTION.findall(_text()))


def declared_triggers() -> dict[str, str]:
    """{trigger name: definition, whitespace collapsed} as the files define them."""
    return {name: _spaces(f"CREATE TRIGGER {name} {body}") for name, body in _TRIGGER.findall(_text())}


def installed_functions(using: db.Using = None) -> dict[str, str]:
    with db.cursor(using) as cursor:
        cursor.execute(
            "SELECT p.proname, p.prosrc FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')"
        )
        return {name: body for name, body in cursor.fetchall() if name.startswith(PREFIXES)}


def installed_triggers(using: db.Using = None) -> dict[str, str]:
    with db.cursor(using) as cursor:
        cursor.execute("SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal")
        rows = cursor.fetchall()
    # pg_get_triggerdef qualifies the table with its schema; the files do not.
    return {
        name: _spaces(re.sub(r" ON \w+\.", " ON ", definition))
        for name, definition in rows
        if name.startswith(PREFIXES)
    }


def drift(using: db.Using = None) -> dict[str, list[str]]:
    """What differs between the database and the files: {"functions": [...], "triggers": [...]}
    naming each function or trigger missing, extra or different. Empty lists: none."""
    found = {}
    for kind, declared, installed in (
        ("functions", declared_functions(), installed_functions(using)),
        ("triggers", declared_triggers(), installed_triggers(using)),
    ):
        names = set(declared) | set(installed)
        found[kind] = sorted(name for name in names if declared.get(name) != installed.get(name))
    return found


def _fully_migrated(using: db.Using) -> bool:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(db.connection_for(using))
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def install(using: db.Using = None) -> bool:
    """Run every file's definitions (PostgreSQL, once the schema is fully migrated); idempotent.
    Returns True when it installed."""
    if not db.on_postgres(using) or not _fully_migrated(using):
        return False
    with db.cursor(using) as cursor:
        for source in _sources():
            cursor.execute(source)
    return True


def install_after_migrate(using: str | None = None, plan: Any = None, **kwargs: Any) -> None:
    """The ``post_migrate`` receiver: install after every ``migrate``. ``flush`` sends the same
    signal without a plan; it empties tables and leaves functions and triggers as they are."""
    if plan is not None:
        install(using)
