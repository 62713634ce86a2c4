"""Apply a validated HR batch (:class:`~people.services.hr.validate.Plan`) with bulk writes:
departments first (new ones, then parents and names), then employees (new rows with their ids
reserved up front on PostgreSQL, so that managers and reporting paths go in with the INSERT;
changed rows in one UPDATE per batch). Unchanged rows are not written. The reporting paths of
the rows are computed from the batch and the stored paths of the managers it names; the
reports of the people it moves follow afterwards (people.services.paths.follow_moves)."""

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from governance import db
from people.models import Department, Employee
from people.services.hr.rows import PLAIN_FIELDS, WRITE_BATCH, Outcome
from people.services.hr.validate import Plan, placement_of
from people.services.paths import Move, recompute_department_paths, resolve_reporting_paths

ManagerRef = str | int | None  # a batch row's external id, a kept manager's pk, or none


@dataclass
class Applied:
    """What the writes did, and what the account and audit steps after them need."""

    departments: Outcome = field(default_factory=Outcome)
    employees: Outcome = field(default_factory=Outcome)
    affected: list[int] = field(default_factory=list)  # ids of employees created or changed
    address_changes: list[tuple[int, str, str]] = field(default_factory=list)  # (id, old, new)
    ending_accounts: list[int] = field(default_factory=list)  # accounts of employees terminated now
    moves: list[Move] = field(default_factory=list)  # existing employees whose reporting path changed
    departments_moved: list[int] = field(default_factory=list)  # existing departments with a new parent


def apply_plan(plan: Plan, *, now: Any = None) -> Applied:
    now = now or timezone.now()
    applied = Applied()
    department_pk = write_departments(plan, applied.departments, now=now, moved=applied.departments_moved)
    write_employees(plan, applied, department_pk=department_pk, now=now)
    return applied


def write_departments(plan: Plan, outcome: Outcome, *, now: Any, moved: list[int]) -> dict[str, int]:
    """Create and update the valid department rows; returns code -> id for every known department."""
    existing, code_by_id = plan.known.departments, plan.known.code_by_id
    valid = plan.departments.valid()
    department_pk = {code: row["id"] for code, row in existing.items()}
    new = [
        Department(code=d["code"], name=d["name"], path="")
        for _, d in sorted(valid.items())
        if d["code"] not in existing
    ]
    Department.objects.bulk_create(new, batch_size=WRITE_BATCH)
    department_pk.update({department.code: department.pk for department in new})
    updates = []
    for _index, data in sorted(valid.items()):
        current = existing.get(data["code"])
        parent_code = data.get("parent", code_by_id.get(current["parent_id"]) if current else None)
        parent_id = department_pk[parent_code] if parent_code else None
        if current is None:
            outcome.created += 1
            if parent_id:
                updates.append(Department(id=department_pk[data["code"]], name=data["name"], parent_id=parent_id))
        elif current["name"] != data.get("name", current["name"]) or current["parent_id"] != parent_id:
            outcome.updated += 1
            if current["parent_id"] != parent_id:
                moved.append(current["id"])
            updates.append(Department(id=current["id"], name=data.get("name", current["name"]), parent_id=parent_id))
        else:
            outcome.unchanged += 1
        outcome.ids[data["code"]] = department_pk[data["code"]]
    for department in updates:
        department.updated_at = now
    if updates:
        Department.objects.bulk_update(updates, ["name", "parent_id", "updated_at"], batch_size=WRITE_BATCH)
    if new or updates:
        recompute_department_paths()
    return department_pk


class ReportingLine:
    """Managers and reporting paths as the batch leaves them, for the rows it writes."""

    def __init__(
        self,
        plan: Plan,
        targets: dict[str, Employee],
        manager_ref: dict[str, ManagerRef],
        values: dict[str, dict[str, Any]],
    ) -> None:
        self.known = plan.known
        self.targets = targets  # external id -> Employee (new or existing) for every valid row
        self.manager_ref = manager_ref  # external id -> final manager
        self.values = values  # external id -> the columns the row will have
        self.stored = {ext: e.reporting_path for ext, e in targets.items() if e.pk}  # before the batch
        self._paths: dict[str, str] | None = None

    def manager_pk(self, external_id: str) -> int | None:
        ref = self.manager_ref[external_id]
        if ref is None or isinstance(ref, int):
            return ref
        return (self.targets.get(ref) or self.known.employees[ref]).pk

    def path_of(self, external_id: str) -> str:
        """The reporting path the row will have (every row's id must be known by now)."""
        if self.known.paths is None:  # nobody's manager changes: the paths stay as they are
            return self.stored.get(external_id, "/")
        if self._paths is None:
            batch_pk = {e.pk: ext for ext, e in self.targets.items() if ext in self.stored}
            placements = {
                ext: placement_of(ext, self.manager_ref[ext], self.targets, batch_pk, self.known)
                for ext in self.targets
            }
            self._paths = resolve_reporting_paths(placements, lambda ext: self.targets[ext].pk)
        return self._paths[external_id]


def write_employees(plan: Plan, applied: Applied, *, department_pk: dict[str, int], now: Any) -> None:
    creates, updates, line = _targets(plan, department_pk)
    # New rows get their ids up front (PostgreSQL), so managers and reporting paths are
    # written with the INSERT, and changed rows can point at new managers. Elsewhere the
    # INSERT gives the ids, and managers and paths follow in an UPDATE.
    reserved = db.reserve_ids(Employee, len(creates))
    for employee, pk in zip(creates, reserved or [], strict=False):
        employee.pk = employee.id = pk
    if reserved is None:
        _insert_for_ids(creates, line)
    outcome = applied.employees
    changed = []
    for employee in updates:
        if _take_changes(employee, line, applied, now=now):
            changed.append(employee)
        else:
            outcome.unchanged += 1
            outcome.ids[employee.external_id] = employee.pk
    _insert(creates, line, ids_reserved=reserved is not None)
    if changed:
        db.update_rows(
            Employee,
            changed,
            [*PLAIN_FIELDS, "department_id", "manager_id", "reporting_path", "email_changed_at", "updated_at"],
        )
    for employee in [*creates, *changed]:
        outcome.ids[employee.external_id] = employee.pk
    outcome.created, outcome.updated = len(creates), len(changed)
    applied.affected = [e.pk for e in creates] + [e.pk for e in changed]


def _targets(plan: Plan, department_pk: dict[str, int]) -> tuple[list[Employee], list[Employee], ReportingLine]:
    """The Employee objects the valid rows become, and the columns each will have."""
    creates: list[Employee] = []
    updates: list[Employee] = []
    targets: dict[str, Employee] = {}
    manager_ref: dict[str, ManagerRef] = {}
    values_of: dict[str, dict[str, Any]] = {}
    for index, data in sorted(plan.valid_employees().items()):
        final = plan.finals[index]
        department = final["department"]
        values = {name: final[name] for name in PLAIN_FIELDS}
        values["department_id"] = department if isinstance(department, int) else department_pk.get(department)
        current = plan.known.employees.get(data["external_id"])
        employee = current if current is not None else Employee(external_id=data["external_id"])
        values_of[data["external_id"]] = values
        targets[data["external_id"]] = employee
        manager_ref[data["external_id"]] = final["manager"]
        (creates if current is None else updates).append(employee)
    return creates, updates, ReportingLine(plan, targets, manager_ref, values_of)


def _take_changes(employee: Employee, line: ReportingLine, applied: Applied, *, now: Any) -> bool:
    """Set an existing record's new values; False when nothing changes."""
    values = line.values[employee.external_id]
    values["manager_id"] = line.manager_pk(employee.external_id)
    if all(getattr(employee, name) == value for name, value in values.items()):
        return False
    if values["email"] != employee.email:
        applied.address_changes.append((employee.pk, employee.email, values["email"]))
        employee.email_changed_at = now  # every sign-in link mailed before is dead
    terminated = values["status"] == Employee.Status.TERMINATED
    if terminated and employee.status != Employee.Status.TERMINATED and employee.user_id:
        applied.ending_accounts.append(employee.user_id)
    for name, value in values.items():
        setattr(employee, name, value)
    old_path, employee.reporting_path = employee.reporting_path, line.path_of(employee.external_id)
    if employee.reporting_path != old_path:
        applied.moves.append(Move(employee.pk, f"{old_path}{employee.pk}/", employee.subtree_prefix))
    employee.updated_at = now
    return True


def _set_values(employee: Employee, line: ReportingLine) -> None:
    for name, value in line.values[employee.external_id].items():
        setattr(employee, name, value)


def _insert_for_ids(creates: list[Employee], line: ReportingLine) -> None:
    """Insert the new rows without managers, for the INSERT to give their ids (not PostgreSQL)."""
    for employee in creates:
        _set_values(employee, line)
    Employee.objects.bulk_create(creates, batch_size=WRITE_BATCH)


def _insert(creates: list[Employee], line: ReportingLine, *, ids_reserved: bool) -> None:
    """Write the new rows' managers and reporting paths: with the INSERT when their ids were
    reserved, else in an UPDATE of the rows ``_insert_for_ids`` inserted."""
    for employee in creates:
        _set_values(employee, line)
        employee.manager_id = line.manager_pk(employee.external_id)
        employee.reporting_path = line.path_of(employee.external_id)
    if ids_reserved:
        Employee.objects.bulk_create(creates, batch_size=WRITE_BATCH)
    elif creates:
        Employee.objects.bulk_update(creates, ["manager_id", "reporting_path"], batch_size=WRITE_BATCH)
