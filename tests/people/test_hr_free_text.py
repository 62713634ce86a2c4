"""Departments named in free text, and changing an employee's HR id (people.services.hr)."""

import pytest
from django.core.exceptions import ValidationError

from governance.models import AuditEvent
from people.models import Department
from people.services.hr import upsert_people
from people.services.hr.departments import UNASSIGNED_CODE, department_for_text, unassigned_code_for
from people.services.hr.rekey import rekey_employee
from tests.factories import DepartmentFactory, EmployeeFactory

pytestmark = pytest.mark.django_db


def test_a_code_wins_then_a_unique_name_without_case():
    DepartmentFactory(code="ENG", name="Platform")
    DepartmentFactory(code="OPS", name="Engineering")
    assert department_for_text("ENG") == ("ENG", [])
    assert department_for_text("engineering") == ("OPS", [])


def test_an_unknown_or_ambiguous_name_gets_a_department_under_unassigned_once():
    DepartmentFactory(code="A", name="Sales")
    DepartmentFactory(code="B", name="Sales")
    code, rows = department_for_text("Sales")
    assert code == unassigned_code_for("sales") and [r["code"] for _, r in rows] == [UNASSIGNED_CODE, code]
    outcome = upsert_people(department_rows=rows)
    assert outcome.departments.created == 2
    assert Department.objects.get(code=code).parent.code == UNASSIGNED_CODE
    assert department_for_text("  SALES ".strip()) == (code, [])  # the same name finds it again
    other, rows = department_for_text("Legal")
    assert [r["code"] for _, r in rows] == [other]  # the root exists now


def test_the_code_for_a_name_ignores_case_and_spacing_and_is_url_safe():
    assert unassigned_code_for("Research  &  Development") == unassigned_code_for("research & development")
    assert unassigned_code_for("Legal") != unassigned_code_for("Finance")
    assert len(unassigned_code_for("x" * 200)) <= 64


def test_rekey_moves_the_hr_id_and_audits_it():
    employee = EmployeeFactory(external_id="scim-1")
    rekey_employee(employee=employee, external_id="HR-1", actor_label="API key x")
    employee.refresh_from_db()
    assert employee.external_id == "HR-1"
    event = AuditEvent.objects.get(action="employee.rekeyed")
    assert (event.before, event.after) == ({"external_id": "scim-1"}, {"external_id": "HR-1"})


@pytest.mark.parametrize(("taken", "wanted", "message"), [("HR-1", "HR-1", "already used"), (None, "a/b", "URL-safe")])
def test_rekey_refuses_a_used_or_unsafe_id(taken, wanted, message):
    if taken:
        EmployeeFactory(external_id=taken)
    employee = EmployeeFactory(external_id="scim-2")
    with pytest.raises(ValidationError, match=message):
        rekey_employee(employee=employee, external_id=wanted)
    employee.refresh_from_db()
    assert employee.external_id == "scim-2"
