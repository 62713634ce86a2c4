"""The hand-written SQL has one home (governance.sqldefs): the database's functions and
triggers are exactly the files' definitions."""

import re

import pytest
from django.db import connection

from governance import sqldefs

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_the_files_declare_every_maintained_count_function_and_trigger():
    functions, triggers = sqldefs.declared_functions(), sqldefs.declared_triggers()
    assert {
        "governance_obligation_count_apply",
        "governance_employee_count_facets",
        "governance_ledger_no_truncate",
    } <= set(functions)
    assert {
        "governance_obligation_count_update",
        "governance_attestation_append_only",
        "policies_rule_immutable",
    } <= set(triggers)


def test_the_database_holds_exactly_the_declared_definitions():
    assert sqldefs.drift() == {"functions": [], "triggers": []}


def test_a_definition_changed_in_the_database_alone_is_found():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION governance_obligation_count_truncate() RETURNS trigger AS $$ "
            "BEGIN RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE OR REPLACE TRIGGER governance_department_moved AFTER UPDATE ON governance_department "
            "FOR EACH ROW EXECUTE FUNCTION governance_obligation_count_truncate()"
        )
    assert sqldefs.drift() == {
        "functions": ["governance_obligation_count_truncate"],
        "triggers": ["governance_department_moved"],
    }
    assert sqldefs.install()
    assert sqldefs.drift() == {"functions": [], "triggers": []}


def test_migrate_installs_the_files_and_a_flush_leaves_them_alone(monkeypatch):
    installed = []
    monkeypatch.setattr(sqldefs, "install", lambda using=None: installed.append(using) or True)
    sqldefs.install_after_migrate(using="default", plan=[])
    sqldefs.install_after_migrate(using="default", plan=None)  # what flush sends
    assert installed == ["default"]


def test_no_statement_trigger_joins_its_transition_tables_with_each_other():
    # Transition tables have no statistics: a join of one with the other is planned blind and
    # runs as a nested loop (quadratic). They are read in FROM ... UNION ALL and grouped instead.
    transition = r"(?:old_rows|new_rows|new_answers)"
    for name, body in sqldefs.declared_functions().items():
        assert not re.search(rf"JOIN\s+{transition}\b", body, re.I), name
        assert not re.search(rf"{transition}(?:\s+AS\s+\w+)?\s*,\s*{transition}\b", body, re.I), name
