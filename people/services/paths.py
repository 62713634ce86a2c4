"""Writes to people: departments, employees and the materialized tree paths."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Concat, Length, Substr

from governance import audit, db
from people.models import Department, Employee

PATH_BATCH = 2000


def _rewrite_prefix(queryset: QuerySet, field: str, old_prefix: str, new_prefix: str) -> int:
    """Replace ``old_prefix`` by ``new_prefix`` at the start of ``field`` in one UPDATE."""
    return queryset.filter(**{f"{field}__startswith": old_prefix}).update(
        **{field: Concat(Value(new_prefix), Substr(field, len(old_prefix) + 1, Length(F(field))))}
    )


@transaction.atomic
def move_department(*, department: Department, parent: Department | None, actor: Any = None) -> Department:
    """Give ``department`` a new parent; every sub-department's path follows in one UPDATE."""
    if parent is not None and (parent.pk == department.pk or parent.path.startswith(department.path)):
        raise ValidationError({"parent": "A department cannot be moved under itself or its own sub-department."})
    old_path = department.path
    department.parent = parent
    new_path = (parent.path if parent else "/") + f"{department.pk}/"
    Department.objects.filter(pk=department.pk).update(parent=parent)
    _rewrite_prefix(Department.objects.all(), "path", old_path, new_path)
    department.path = new_path
    audit.record(
        actor=actor,
        action="department.moved",
        obj=department,
        before={"path": old_path},
        after={"path": new_path},
    )
    return department


@transaction.atomic
def set_manager(*, employee: Employee, manager: Employee | None, actor: Any = None) -> Employee:
    """Change an employee's manager; the whole reporting subtree's paths follow in one UPDATE."""
    if manager is not None and (
        manager.pk == employee.pk or manager.reporting_path.startswith(employee.subtree_prefix)
    ):
        raise ValidationError({"manager": "This would make the employee their own (indirect) manager."})
    old_prefix = employee.subtree_prefix
    employee.manager = manager
    employee.reporting_path = manager.subtree_prefix if manager else "/"
    Employee.objects.filter(pk=employee.pk).update(manager=manager, reporting_path=employee.reporting_path)
    _rewrite_prefix(Employee.objects.all(), "reporting_path", old_prefix, employee.subtree_prefix)
    return employee


def compute_paths(parent_of: Mapping[int, int | None]) -> dict[int, str]:
    """Paths ("/1/5/") for an id -> parent id mapping; raises ValidationError on a cycle."""
    paths: dict[int, str] = {}

    def path_of(node: int | None) -> dict[int, str]:
        chain = []
        seen = set()
        while node is not None and node not in paths:
            if node in seen:
                raise ValidationError(f"Cycle in the hierarchy at id {node}.")
            seen.add(node)
            chain.append(node)
            node = parent_of.get(node)
        prefix = paths[node] if node is not None else "/"
        for item in reversed(chain):
            prefix = f"{prefix}{item}/"
            paths[item] = prefix
        return paths

    for node in parent_of:
        path_of(node)
    return paths


def recompute_reporting_paths() -> int:
    """Rebuild every employee's ``reporting_path`` after a bulk load; writes only changes.

    Reads two integer columns per employee (a few MB at 100,000 people) and writes the
    changed paths in one statement on PostgreSQL (batches elsewhere), never a query per row.
    """
    rows = list(Employee.objects.values_list("id", "manager_id", "reporting_path"))
    parent_of = {pk: manager for pk, manager, _ in rows}
    paths = compute_paths(parent_of)
    changed = {
        pk: (paths[manager] if manager else "/")
        for pk, manager, current in rows
        if (paths[manager] if manager else "/") != current
    }
    db.write_column(Employee, "reporting_path", changed, batch_size=PATH_BATCH)
    return len(changed)


def recompute_department_paths() -> int:
    """Rebuild every department's ``path`` after a bulk load; writes only changes."""
    rows = list(Department.objects.values_list("id", "parent_id", "path"))
    paths = compute_paths({pk: parent for pk, parent, _ in rows})
    changed = {pk: paths[pk] for pk, _, current in rows if paths[pk] != current}
    db.write_column(Department, "path", changed, batch_size=PATH_BATCH)
    return len(changed)
