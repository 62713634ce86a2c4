"""governance.db: the one module that tells PostgreSQL from SQLite; each helper does the same
thing on both."""

import pathlib

import pytest

from governance import db
from people.models import Department, Employee
from tests.factories import DepartmentFactory, EmployeeFactory

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_only_the_dialect_module_asks_which_database_this_is():
    asking = [
        path.relative_to(ROOT).as_posix()
        for app in ("governance", "platforms", "policies")
        for path in (ROOT / app).rglob("*.py")
        if "/migrations/" not in path.as_posix() and "connection.vendor" in path.read_text().replace("db.vendor", "")
    ]
    assert asking == []  # governance/db.py reads it through _connection(using).vendor


def test_write_column_sets_each_rows_value():
    departments = DepartmentFactory.create_batch(3)
    db.write_column(Department, "path", {d.pk: f"/x{d.pk}/" for d in departments[:2]})
    paths = dict(Department.objects.values_list("pk", "path"))
    assert [paths[d.pk] for d in departments[:2]] == [f"/x{d.pk}/" for d in departments[:2]]
    assert paths[departments[2].pk] == departments[2].path


def test_update_rows_writes_the_named_fields_only():
    people = EmployeeFactory.create_batch(3)
    for person in people:
        person.full_name, person.country = f"Renamed {person.pk}", "JP"
    assert db.update_rows(Employee, people, ["full_name"], batch_size=2) == 3
    rows = {pk: (name, country) for pk, name, country in Employee.objects.values_list("pk", "full_name", "country")}
    assert all(rows[p.pk][0] == f"Renamed {p.pk}" and rows[p.pk][1] != "JP" for p in people)


def test_reserved_ids_are_new_and_distinct(on_postgres):
    reserved = db.reserve_ids(Employee, 5)
    if not on_postgres:
        assert reserved is None
        return
    existing = EmployeeFactory()
    assert len(set(reserved)) == 5 and existing.pk not in reserved
