"""Closing an obligation skips every index but three (attestations migration 0006).

A publish that changes every rule closes millions of rows, and a close writes a new version of
the row into each index whose condition it still meets. So only the primary key, the (employee,
rule) uniqueness and the index by rule hold closed rows; every other index is of open rows.
The obligation's tool and terms version have no index of all rows: deleting a tool or a version
that obligations follow is refused through the obligation's rule instead.
"""

import datetime
import importlib

import pytest
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from attestations.models import Obligation
from platforms.models import Platform
from policies.models import PolicyVersion, ToolRule
from tests.clock import noon_on
from tests.factories import ObligationFactory, ToolRuleFactory

TODAY = datetime.date(2026, 12, 4)
NOW = noon_on(TODAY)

pytestmark = [pytest.mark.time_machine(NOW, tick=True)]

HOLD_CLOSED_ROWS = {"governance_obligation_pkey", "one_obligation_per_employee_rule"}


def obligation_indexes():
    """The obligations' indexes: {name: (definition, valid)}."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisvalid FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'governance_obligation'::regclass"
        )
        return {name: (definition, valid) for name, definition, valid in cursor.fetchall()}


def of_open_rows(definition):
    """Whether the index's condition holds only while the obligation is open."""
    condition = definition.partition(" WHERE ")[2]
    return "(closed_at IS NULL)" in condition and " OR " not in condition


@pytest.mark.postgres
@pytest.mark.django_db
def test_only_the_primary_key_the_uniqueness_and_the_rule_index_hold_closed_obligations():
    found = obligation_indexes()
    assert all(valid for _, valid in found.values()), found
    indexes = {name: definition for name, (definition, _) in found.items()}
    by_rule = [name for name, definition in indexes.items() if definition.endswith("USING btree (rule_id)")]
    assert len(by_rule) == 1, indexes
    all_rows = {name for name, definition in indexes.items() if not of_open_rows(definition)}
    assert all_rows == HOLD_CLOSED_ROWS | set(by_rule), indexes
    # The reads that the old indexes served still have one, of open rows.
    assert "(employee_id) WHERE (closed_at IS NULL)" in indexes["obligation_open_employee"]
    assert "(policy_version_id, status) WHERE (closed_at IS NULL)" in indexes["obligation_open_version_status"]


def closed_obligation():
    # Closed, under a draft's rule: only the obligation stands in front of its rule's delete.
    return ObligationFactory(closed_at=NOW, close_reason=Obligation.CloseReason.SUPERSEDED)


def obligation_lookups(queries, column):
    return [q["sql"] for q in queries if 'FROM "governance_obligation"' in q["sql"] and column in q["sql"]]


@pytest.mark.django_db
def test_a_tool_that_obligations_follow_cannot_be_deleted_and_no_obligation_is_looked_up_by_tool():
    obligation = closed_obligation()
    with CaptureQueriesContext(connection) as queries, pytest.raises(ProtectedError) as refused:
        obligation.platform.delete()
    assert set(refused.value.protected_objects) == {obligation.rule}
    assert obligation_lookups(queries.captured_queries, '"platform_id"') == []
    assert Platform.objects.filter(pk=obligation.platform_id).exists()


@pytest.mark.django_db
def test_a_version_that_obligations_follow_cannot_be_deleted_through_its_rules_and_one_without_them_can():
    obligation = closed_obligation()
    with CaptureQueriesContext(connection) as queries, pytest.raises(ProtectedError) as refused:
        obligation.policy_version.delete()
    assert set(refused.value.protected_objects) == {obligation}
    assert obligation_lookups(queries.captured_queries, '"policy_version_id"') == []
    assert PolicyVersion.objects.filter(pk=obligation.policy_version_id).exists()
    assert ToolRule.objects.filter(pk=obligation.rule_id).exists()

    free = ToolRuleFactory()  # its own draft version and tool, and no obligation
    free.version.delete()
    assert not ToolRule.objects.filter(pk=free.pk).exists()
    free.platform.delete()
    assert not Platform.objects.filter(pk=free.platform_id).exists()


@pytest.fixture
def migration():
    """Migration 0006's module; whatever a test leaves, the schema is migrated forwards after it."""
    module = importlib.import_module("attestations.migrations.0006_closes_skip_open_indexes")
    yield module
    with connection.schema_editor(atomic=False) as editor:
        module.forwards(None, editor)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_migration_rebuilds_an_index_an_interrupted_run_left_invalid_and_goes_back_and_forth(migration):
    migrated = obligation_indexes()
    # What an interrupted CREATE INDEX CONCURRENTLY leaves: the index, marked invalid (unused).
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'obligation_open_employee'::regclass")
    assert obligation_indexes()["obligation_open_employee"][1] is False
    with connection.schema_editor(atomic=False) as editor:
        migration.forwards(None, editor)
    assert obligation_indexes() == migrated
    with connection.schema_editor(atomic=False) as editor:
        migration.backwards(None, editor)
    back = obligation_indexes()
    assert {"obligation_employee", "obligation_version_status", "governance_obligation_platform_id_d9857589"} <= set(
        back
    )
    assert not {"obligation_open_employee", "obligation_open_version_status"} & set(back)
    assert all(valid for _, valid in back.values())
    with connection.schema_editor(atomic=False) as editor:
        migration.forwards(None, editor)
        migration.forwards(None, editor)  # a second run finds its work done
    assert obligation_indexes() == migrated
