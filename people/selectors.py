from typing import Any, cast

from django.db.models import Q, QuerySet

from people.models import Department, Employee


def department_tree() -> list[dict[str, Any]]:
    """Every department as {id, name, path, parent_id, depth}, in tree order (parents before their
    children, siblings by name; one query)."""
    rows = cast(list[dict[str, Any]], list(Department.objects.values("id", "name", "path", "parent_id").order_by()))
    children: dict[int | None, list[dict[str, Any]]] = {}
    for row in rows:
        row["depth"] = row["path"].count("/") - 2
        children.setdefault(row["parent_id"], []).append(row)
    ordered = []

    def walk(parent_id: int | None) -> None:
        for row in sorted(children.get(parent_id, []), key=lambda r: r["name"].lower()):
            ordered.append(row)
            walk(row["id"])

    walk(None)
    return ordered


def reports_of(*, manager: Employee) -> QuerySet[Employee]:
    """A manager's direct and indirect reports (not the manager), via the materialized path."""
    return Employee.objects.filter(reporting_path__startswith=manager.subtree_prefix)


def employees_under(*, department_ids: list[int]) -> QuerySet[Employee]:
    """The people (not terminated) of these departments and their sub-departments: one indexed
    prefix match per department on the materialized paths."""
    where = Q()
    for path in Department.objects.filter(pk__in=department_ids).values_list("path", flat=True):
        where |= Q(department__path__startswith=path)
    if not where:
        return Employee.objects.none()
    return Employee.objects.filter(where).exclude(status=Employee.Status.TERMINATED)
