"""An obligation's employee and rule are checked per statement, not by a foreign key
(attestations/sql/obligation_references.sql): what a foreign key refuses is refused, with its
error, and a concurrent delete of what an obligation references waits and is refused."""

import datetime

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from attestations.models import Obligation
from tests.clock import noon_on
from tests.connections import another_connection, connect_as
from tests.factories import EmployeeFactory, ObligationFactory, ToolRuleFactory

TODAY = datetime.date(2026, 11, 29)
NOW = noon_on(TODAY)

pytestmark = [pytest.mark.postgres, pytest.mark.time_machine(NOW, tick=True)]

COLUMNS = "employee_id, policy_version_id, rule_id, platform_id, department_id, status, due_on, opened_at, close_reason"


def insert(cursor, rows):
    """Write ``rows`` of (employee id, rule) in one INSERT statement, as the services do."""
    values = ", ".join(["(%s, %s, %s, %s, NULL, 'pending', %s, %s, '')"] * len(rows))
    params = []
    for employee_id, rule in rows:
        params += [employee_id, rule.version_id, rule.pk, rule.platform_id, TODAY, NOW]
    cursor.execute(f"INSERT INTO governance_obligation ({COLUMNS}) VALUES {values}", params)


def missing_id(model):
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


@pytest.mark.django_db
def test_an_obligation_for_an_employee_or_a_rule_that_does_not_exist_is_refused_and_its_statement_writes_nothing():
    employee, rule = EmployeeFactory(), ToolRuleFactory()
    nobody, no_rule = missing_id(type(employee)), ToolRuleFactory.build(pk=missing_id(type(rule)), version=rule.version)
    no_rule.platform_id = rule.platform_id
    with connection.cursor() as cursor:
        for rows, message in (
            ([(employee.pk, rule), (nobody, rule)], f"references employee {nobody}, which does not exist"),
            ([(employee.pk, rule), (employee.pk, no_rule)], f"references rule {no_rule.pk}, which does not exist"),
        ):
            with pytest.raises(IntegrityError, match=message) as refused, transaction.atomic():
                insert(cursor, rows)
            assert isinstance(refused.value.__cause__, psycopg.errors.ForeignKeyViolation)
        insert(cursor, [(employee.pk, rule)])
    assert list(Obligation.objects.values_list("employee_id", "rule_id")) == [(employee.pk, rule.pk)]
    with pytest.raises(IntegrityError, match="which does not exist"), transaction.atomic():
        ObligationFactory(employee_id=nobody, rule=rule, department=None)


@pytest.mark.django_db
def test_an_obligation_cannot_move_to_another_employee_or_rule_and_its_other_columns_change():
    rule = ToolRuleFactory()
    other_employee, other_rule = EmployeeFactory(), ToolRuleFactory(version=rule.version)
    obligation = ObligationFactory(rule=rule)  # marks the version in force: its rules come first
    for change in ({"employee": other_employee}, {"rule": other_rule}):
        with pytest.raises(IntegrityError, match="it cannot move to another"), transaction.atomic():
            Obligation.objects.filter(pk=obligation.pk).update(**change)
    Obligation.objects.filter(pk=obligation.pk).update(status="compliant", employee=obligation.employee)
    obligation.refresh_from_db()
    assert (obligation.employee_id, obligation.rule_id, obligation.status) == (
        obligation.employee.pk,
        obligation.rule.pk,
        "compliant",
    )


@pytest.mark.django_db
def test_an_employee_or_a_rule_that_an_obligation_references_cannot_be_deleted_or_renumbered_and_others_can():
    # Closed, under a draft's rule: neither the ledger nor the published versions' own guard
    # (policies_refuse_rule_change) stands in front of these rows, only the obligation.
    obligation = ObligationFactory(closed_at=NOW, close_reason=Obligation.CloseReason.SUPERSEDED)
    free_employee, free_rule = EmployeeFactory(), ToolRuleFactory(version=obligation.rule.version)
    with connection.cursor() as cursor:
        for table, pk in (("governance_employee", obligation.employee_id), ("policies_toolrule", obligation.rule_id)):
            with (
                pytest.raises(IntegrityError, match=f"{table} {pk} is referenced by obligations; it cannot be deleted"),
                transaction.atomic(),
            ):
                cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
            renumbered = f"{table} {pk} is referenced by obligations; its id cannot"
            with pytest.raises(IntegrityError, match=renumbered), transaction.atomic():
                cursor.execute(f"UPDATE {table} SET id = id + 100000 WHERE id = %s", [pk])
        cursor.execute("DELETE FROM governance_employee WHERE id = %s", [free_employee.pk])
        cursor.execute("DELETE FROM policies_toolrule WHERE id = %s", [free_rule.pk])
        assert cursor.rowcount == 1
    assert not type(free_employee).objects.filter(pk=free_employee.pk).exists()
    assert Obligation.objects.filter(pk=obligation.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_delete_of_what_a_writer_references_waits_for_its_commit_then_is_refused():
    employee, rule = EmployeeFactory(), ToolRuleFactory()
    with another_connection() as writer, another_connection() as deleter:
        insert(writer.cursor(), [(employee.pk, rule)])  # not committed: holds FOR KEY SHARE
        deleter.execute("SET lock_timeout = '300ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            deleter.execute("DELETE FROM governance_employee WHERE id = %s", [employee.pk])
        deleter.rollback()
        writer.commit()
        with pytest.raises(psycopg.errors.ForeignKeyViolation, match="referenced by obligations"):
            deleter.execute("DELETE FROM governance_employee WHERE id = %s", [employee.pk])
        deleter.rollback()

        # The other order: the delete first, uncommitted; the writer waits, then finds nobody.
        gone = EmployeeFactory()
        deleter.execute("DELETE FROM governance_employee WHERE id = %s", [gone.pk])
        writer.execute("SET lock_timeout = '300ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            insert(writer.cursor(), [(gone.pk, rule)])
        writer.rollback()
        deleter.commit()
        with pytest.raises(psycopg.errors.ForeignKeyViolation, match=f"employee {gone.pk}, which does not exist"):
            insert(writer.cursor(), [(gone.pk, rule)])
        writer.rollback()
    assert list(Obligation.objects.values_list("employee_id", flat=True)) == [employee.pk]


@pytest.mark.django_db(transaction=True)
def test_truncating_the_rules_while_obligations_are_left_is_refused_and_with_them_passes():
    ObligationFactory()
    with connection.cursor() as cursor:
        with (
            pytest.raises(
                IntegrityError, match="policies_toolrule is referenced by obligations; it cannot be truncated"
            ),
            transaction.atomic(),
        ):
            cursor.execute("TRUNCATE policies_toolrule CASCADE")
        assert Obligation.objects.count() == 1
        with transaction.atomic():
            # The ledger (which references obligations) lets its owner truncate it on purpose.
            cursor.execute("SET LOCAL governance.allow_ledger_truncate = 'on'")
            cursor.execute("TRUNCATE governance_obligation, policies_toolrule CASCADE")
    assert not Obligation.objects.exists()


def test_the_application_role_writes_obligations_locking_what_they_reference(app_role):
    employee, rule = EmployeeFactory(), ToolRuleFactory()
    with connect_as(app_role) as app:
        insert(app.cursor(), [(employee.pk, rule)])  # FOR KEY SHARE needs UPDATE on the referenced tables
        app.commit()
    assert Obligation.objects.filter(employee=employee, rule=rule).count() == 1


def estimated_rows(cursor, rule, table="governance_obligation"):
    cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT * FROM {table} WHERE rule_id = %s", [rule.pk])
    return cursor.fetchone()[0][0]["Plan"]["Plan Rows"]


def test_the_application_role_has_the_obligations_analyzed_in_its_transaction_for_the_end_of_a_publish(app_role):
    """The end of a publish counts its new rules' rows, whose ids no histogram holds yet; it
    has them sampled first, through a function that analyzes as the tables' owner."""
    old_rule, new_rule = ToolRuleFactory(), ToolRuleFactory()
    people = EmployeeFactory.create_batch(300)
    with connection.cursor() as cursor:
        insert(cursor, [(person.pk, old_rule) for person in people])
        cursor.execute("ANALYZE governance_obligation")
    with connect_as(app_role) as app:
        cursor = app.cursor()
        insert(cursor, [(person.pk, new_rule) for person in people])
        assert estimated_rows(cursor, new_rule) < 10  # the statistics know only the old rule
        cursor.execute("ANALYZE governance_obligation")  # its own ANALYZE is skipped: not the owner
        assert estimated_rows(cursor, new_rule) < 10
        cursor.execute("SELECT governance_analyze_obligations()")
        assert estimated_rows(cursor, new_rule) == 300  # its uncommitted rows sampled
        app.rollback()


def test_a_temporary_table_of_the_callers_does_not_stand_in_for_the_obligations_it_analyzes(app_role):
    rule = ToolRuleFactory()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE governance_obligation")  # empty: the statistics know no rule
        insert(cursor, [(person.pk, rule) for person in EmployeeFactory.create_batch(300)])
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
    with connect_as(app_role) as app:
        cursor = app.cursor()
        cursor.execute("CREATE TEMP TABLE governance_obligation (rule_id bigint)")  # searched first by name
        cursor.execute("SELECT governance_analyze_obligations()")
        assert estimated_rows(cursor, rule, table=f'"{schema}".governance_obligation') == 300
        app.rollback()
