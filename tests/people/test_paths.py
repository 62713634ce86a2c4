import pytest
from django.core.exceptions import ValidationError

from people import selectors
from people.models import Department, Employee
from people.services import paths as services
from tests.factories import DepartmentFactory, EmployeeFactory

pytestmark = pytest.mark.django_db


def test_department_path_holds_its_ancestry():
    root = DepartmentFactory()
    child = DepartmentFactory(parent=root)
    grandchild = DepartmentFactory(parent=child)
    assert grandchild.path == f"/{root.pk}/{child.pk}/{grandchild.pk}/"


def test_moving_a_department_moves_its_subtree():
    a, b = DepartmentFactory(), DepartmentFactory()
    child = DepartmentFactory(parent=a)
    leaf = DepartmentFactory(parent=child)
    services.move_department(department=child, parent=b)
    leaf.refresh_from_db()
    assert leaf.path == f"/{b.pk}/{child.pk}/{leaf.pk}/"
    assert set(Department.objects.filter(path__startswith=b.path)) == {b, child, leaf}


def test_a_department_cannot_move_under_its_own_subtree():
    root = DepartmentFactory()
    child = DepartmentFactory(parent=root)
    with pytest.raises(ValidationError):
        services.move_department(department=root, parent=child)


def test_reports_of_returns_direct_and_indirect_reports_only():
    boss = EmployeeFactory()
    lead = EmployeeFactory(manager=boss)
    engineer = EmployeeFactory(manager=lead)
    EmployeeFactory()  # someone else
    assert set(selectors.reports_of(manager=boss)) == {lead, engineer}
    assert set(selectors.reports_of(manager=lead)) == {engineer}


def test_changing_a_manager_moves_the_whole_reporting_subtree():
    old_boss, new_boss = EmployeeFactory(), EmployeeFactory()
    lead = EmployeeFactory(manager=old_boss)
    engineer = EmployeeFactory(manager=lead)
    services.set_manager(employee=lead, manager=new_boss)
    assert set(selectors.reports_of(manager=new_boss)) == {lead, engineer}
    assert not selectors.reports_of(manager=old_boss).exists()


def test_a_manager_cycle_is_refused():
    boss = EmployeeFactory()
    lead = EmployeeFactory(manager=boss)
    with pytest.raises(ValidationError):
        services.set_manager(employee=boss, manager=lead)


def test_recompute_reporting_paths_fixes_bulk_loaded_rows_and_writes_only_changes():
    boss = EmployeeFactory()
    lead = EmployeeFactory()
    Employee.objects.filter(pk=lead.pk).update(manager=boss)  # as a bulk load would
    assert services.recompute_reporting_paths() == 1
    lead.refresh_from_db()
    assert lead.reporting_path == f"/{boss.pk}/"
    assert services.recompute_reporting_paths() == 0


def test_recompute_refuses_a_cycle():
    a, b = EmployeeFactory(), EmployeeFactory()
    Employee.objects.filter(pk=a.pk).update(manager=b)
    Employee.objects.filter(pk=b.pk).update(manager=a)
    with pytest.raises(ValidationError):
        services.recompute_reporting_paths()


def test_an_account_and_an_employee_with_the_same_address_are_not_linked_by_themselves(make_user):
    employee = EmployeeFactory(email="late.account@example.test")
    user = make_user(employee=False, email="late.account@example.test")
    employee.refresh_from_db()
    assert employee.user is None
    employee.save()  # nor by a later save of the record
    employee.refresh_from_db()
    assert employee.user is None and not hasattr(user, "employee")
