"""Validate an HR batch: what the database knows is read once (:func:`load_known`), then
:func:`make_plan` checks every row against the batch and that knowledge, without touching the
database, and returns the plan: which rows are refused and why, and each valid employee row's
final values. Invalid rows are refused whole; a row that refers to a refused row (a parent
department, a manager) is refused in turn; cycles in the department tree or the reporting line
refuse the rows that would close them.
"""

import datetime
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from people.models import Department, Employee
from people.services.hr.rows import EMPLOYEE_DEFAULTS, PLAIN_FIELDS, Data, Rows, chunks
from people.services.paths import Placement, current_paths, place_under

DEPARTMENT_VALUES = ("id", "code", "name", "parent_id")


@dataclass
class Known:
    """What the database holds that a batch refers to, read before validating it."""

    departments: dict[str, dict[str, Any]]  # code -> {"id", "code", "name", "parent_id"}
    code_by_id: dict[int, str]
    employees: dict[str, Employee]  # external id -> Employee: the rows' own records and their managers
    email_owner: dict[str, str]  # lower-cased e-mail address -> external id of the record that has it
    # The reporting path (people.services.paths.current_paths) of the rows' records, the managers
    # they name and the managers they keep; only when the batch sets managers (else no reporting
    # path changes).
    paths: dict[int, str] | None


@dataclass
class Plan:
    """A validated batch: the sections with their refused rows, and the valid employees' values."""

    departments: Rows
    employees: Rows
    finals: dict[int, Data]  # index -> final values (department as a code or kept id, manager as an id or pk)
    known: Known
    replace: bool

    def valid_employees(self) -> dict[int, Data]:
        return {i: d for i, d in self.employees.valid().items() if i in self.finals}


def load_known(departments: Rows, employees: Rows, *, replace: bool) -> Known:
    """Read what validation needs, in queries that grow with the batch divided by a chunk size."""
    rows = employees.rows.values()
    external_ids = {d["external_id"] for d in rows}
    manager_refs = {d["manager"] for d in rows if d.get("manager")}
    department_refs = {d["department"] for d in rows if d.get("department")}
    if departments.rows:  # the tree is checked whole for cycles
        known_departments = Department.objects.order_by().values(*DEPARTMENT_VALUES)
    else:
        known_departments = Department.objects.filter(code__in=department_refs).values(*DEPARTMENT_VALUES)
    by_code = {row["code"]: row for row in known_departments} if departments.rows or department_refs else {}
    known_employees = {}
    for chunk in chunks(external_ids | manager_refs):
        for employee in Employee.objects.filter(external_id__in=chunk).order_by():
            known_employees[employee.external_id] = employee
    email_owner = {}
    # E-mail addresses arrive lower-cased; an indexed IN finds the owners.
    for chunk in chunks({d["email"].lower() for d in rows if d.get("email")}):
        for email, owner in Employee.objects.filter(email__in=chunk).order_by().values_list("email", "external_id"):
            email_owner[email.lower()] = owner
    paths = None
    if sets_managers(employees, replace=replace):
        paths = {employee.pk: employee.reporting_path for employee in known_employees.values()}
        kept = {e.manager_id for e in known_employees.values() if e.manager_id and e.manager_id not in paths}
        for chunk in chunks(kept):
            paths.update(Employee.objects.filter(pk__in=chunk).order_by().values_list("pk", "reporting_path"))
        paths = current_paths(paths)  # through moves whose reports still wait for their job
    return Known(
        departments=by_code,
        code_by_id={row["id"]: code for code, row in by_code.items()},
        employees=known_employees,
        email_owner=email_owner,
        paths=paths,
    )


def sets_managers(employees: Rows, *, replace: bool) -> bool:
    """Whether the batch may change anyone's manager, hence reporting paths."""
    return replace or any("manager" in d for d in employees.rows.values())


def placement_of(
    external_id: str, manager: Any, batch: Collection[str], batch_pk: dict[int, str], known: Known
) -> Placement:
    """Where a valid row of the batch will hang in the reporting line: under its manager when
    that is a row of the batch, else under the manager's nearest stored ancestor in the batch
    (people.services.paths.place_under). ``manager`` is the row's final manager (an external
    id or a kept pk); ``batch_pk``, pk -> external id of the batch's existing records."""
    if manager is None:
        return Placement(None)
    if isinstance(manager, str):
        if manager in batch:
            return Placement(manager)
        manager = known.employees[manager].pk
    if manager in batch_pk:
        return Placement(batch_pk[manager])
    return place_under(manager, (known.paths or {}).get(manager), batch_pk)


def make_plan(
    departments: Rows,
    employees: Rows,
    known: Known,
    *,
    replace: bool,
    today: datetime.date,
    raw_keys: dict[str, dict[int, Any]],
) -> Plan:
    """Check every row; refused rows get their errors in the sections. Reads no database."""
    if departments.rows:
        check_departments(departments, known)
    finals = check_employees(employees, known, departments, replace=replace, today=today, raw_keys=raw_keys)
    check_managers(employees, finals, known, replace=replace)
    return Plan(departments=departments, employees=employees, finals=finals, known=known, replace=replace)


def find_cycles(parent_of: Callable[[Any], Any], start_nodes: Iterable[Hashable]) -> set:
    """Nodes (among start_nodes) that lie on a cycle of ``parent_of``."""
    start_nodes = list(start_nodes)
    on_cycle: set = set()
    done: set = set()
    for start in start_nodes:
        path: list = []
        index_of: dict = {}
        node = start
        while node is not None and node not in done:
            if node in index_of:
                on_cycle.update(path[index_of[node] :])
                break
            index_of[node] = len(path)
            path.append(node)
            node = parent_of(node)
        done.update(path)
    return on_cycle & set(start_nodes)


# --- Departments ---------------------------------------------------------------------------


def check_departments(section: Rows, known: Known) -> None:
    """New departments need a URL-safe code and a name; parents must exist (in the batch or
    the database) and not be refused; the tree stays a tree."""
    existing = known.departments
    section.refuse_duplicates("Department code")
    for index, data in section.valid().items():
        if data["code"] not in existing:
            section.refuse_unsafe_new_key(index, data["code"])
            if not data.get("name"):
                section.fail(index, "name", "This field is required.")
    while _refuse_unknown_parents(section, existing):
        pass
    while True:
        valid = section.valid()
        batch = {d["code"]: i for i, d in valid.items()}

        def parent_of(code: str, batch: dict[str, int] = batch, valid: dict[int, Data] = valid) -> str | None:
            if code in batch and "parent" in valid[batch[code]]:
                return valid[batch[code]]["parent"]
            row = existing.get(code)
            return known.code_by_id.get(row["parent_id"]) if row and row["parent_id"] else None

        cycles = find_cycles(parent_of, batch)
        if not cycles:
            return
        for code in cycles:
            section.fail(batch[code], "parent", "This parent would make the department tree a cycle.")
        while _refuse_unknown_parents(section, existing):
            pass


def _refuse_unknown_parents(section: Rows, existing: dict[str, Any]) -> bool:
    """One pass refusing rows whose parent is themselves, unknown or refused; True if any was."""
    valid = section.valid()
    batch = {d["code"] for d in valid.values()}
    changed = False
    for index, data in valid.items():
        parent = data.get("parent")
        if parent is None:
            continue
        if parent == data["code"]:
            section.fail(index, "parent", "A department cannot be its own parent.")
            changed = True
        elif parent not in batch and parent not in existing:
            refused = any(section.key(i) == parent for i in section.errors)
            message = f"Parent department {parent!r} is refused in this batch." if refused else None
            section.fail(index, "parent", message or f"Unknown department code {parent!r}.")
            changed = True
    return changed


# --- Employees -----------------------------------------------------------------------------


def check_employees(
    section: Rows,
    known: Known,
    departments: Rows,
    *,
    replace: bool,
    today: datetime.date,
    raw_keys: dict[str, dict[int, Any]],
) -> dict[int, Data]:
    """Each row's final values (the record's current values, unless ``replace``, overlaid with
    the row's), checked field by field. Returns index -> final values for the rows checked."""
    section.refuse_duplicates("Employee id")
    batch_ids = {d["external_id"] for d in section.rows.values()}
    batch_departments = {d["code"] for d in departments.valid().values()}
    emails: dict[str, list[int]] = {}
    for index, data in section.rows.items():
        if data.get("email"):
            emails.setdefault(data["email"].lower(), []).append(index)
    refused_ids = {raw_keys.get("employees", {}).get(i) for i in section.errors} - {None}
    finals = {}
    for index, data in sorted(section.rows.items()):
        if index in section.errors:
            continue
        current = known.employees.get(data["external_id"])
        if current is None:
            section.refuse_unsafe_new_key(index, data["external_id"])
        final = {**_base_values(current, known, replace), **{k: v for k, v in data.items() if k != "external_id"}}
        _check_required_and_termination(section, index, data, final, current, today)
        _check_email(section, index, data, final, known, emails)
        department = data.get("department")
        if department and department not in known.departments and department not in batch_departments:
            section.fail(index, "department", f"Unknown department code {department!r}.")
        _check_manager_reference(section, index, data, known, batch_ids, refused_ids)
        finals[index] = final
    return finals


def _base_values(current: Employee | None, known: Known, replace: bool) -> Data:
    """What a row starts from: the record as it is (a partial update), or the defaults."""
    if current is None or replace:
        return dict(EMPLOYEE_DEFAULTS)
    base = {name: getattr(current, name) for name in PLAIN_FIELDS}
    # The department as its code when it was read, else its id (kept as it is).
    department_id = current.department_id
    base["department"] = known.code_by_id.get(department_id, department_id) if department_id else None
    base["manager"] = current.manager_id
    return base


def _check_required_and_termination(
    section: Rows, index: int, data: Data, final: Data, current: Employee | None, today: datetime.date
) -> None:
    for name in ("email", "full_name"):
        if not final.get(name):
            section.fail(index, name, "This field is required.")
    if final["status"] == Employee.Status.TERMINATED:
        if final.get("terminated_on") is None:
            final["terminated_on"] = current.terminated_on if current and current.terminated_on else today
    elif data.get("terminated_on") is not None:
        section.fail(index, "terminated_on", "Only a terminated employee has a termination date.")
    else:
        final["terminated_on"] = None


def _check_email(
    section: Rows, index: int, data: Data, final: Data, known: Known, emails: dict[str, list[int]]
) -> None:
    if not final.get("email"):
        return
    email = final["email"].lower()
    if len(emails.get(email, [])) > 1:
        section.fail(index, "email", f"The e-mail address {final['email']!r} appears more than once in this batch.")
    elif known.email_owner.get(email, data["external_id"]) != data["external_id"]:
        section.fail(index, "email", f"The e-mail address is already used by employee {known.email_owner[email]!r}.")


def _check_manager_reference(
    section: Rows, index: int, data: Data, known: Known, batch_ids: set[str], refused_ids: set[Any]
) -> None:
    manager = data.get("manager")
    if manager == data["external_id"]:
        section.fail(index, "manager", "An employee cannot be their own manager.")
    elif manager and manager not in known.employees and manager not in batch_ids:
        if manager in refused_ids:
            section.fail(index, "manager", f"The manager {manager!r} is refused in this batch.")
        else:
            section.fail(index, "manager", f"Unknown employee id {manager!r} for the manager.")


def check_managers(section: Rows, finals: dict[int, Data], known: Known, *, replace: bool) -> None:
    """Managers that are refused rows of this batch refuse their reports in turn, and a
    reporting line may not become a cycle (through the batch or the records it leaves as they are)."""
    while True:
        while _refuse_reports_of_refused(section, finals, known):
            pass
        valid = {i: d for i, d in section.valid().items() if i in finals}
        if known.paths is None or not any("manager" in d or replace for d in valid.values()):
            return
        batch = {d["external_id"]: i for i, d in valid.items()}
        cycles = find_cycles(_reporting_line(batch, finals, known), batch)
        if not cycles:
            return
        for external_id in cycles:
            section.fail(batch[external_id], "manager", "This manager would make the reporting line a cycle.")


def _refuse_reports_of_refused(section: Rows, finals: dict[int, Data], known: Known) -> bool:
    valid = {i: d for i, d in section.valid().items() if i in finals}
    batch = {d["external_id"] for d in valid.values()}
    refused = {section.key(i) for i in section.errors if i in section.rows}
    changed = False
    for index, data in valid.items():
        manager = data.get("manager")
        if manager and manager not in batch and (manager in refused or manager not in known.employees):
            section.fail(index, "manager", f"The manager {manager!r} is refused in this batch.")
            changed = True
    return changed


def _reporting_line(batch: dict[str, int], finals: dict[int, Data], known: Known) -> Callable[[Any], Any]:
    """``parent_of`` for the reporting line as the batch would leave it, between the batch's
    rows (external ids): a row's next row up, through the stored paths of the people between
    them (who keep their managers), so that no one's manager outside the batch is read."""
    batch_pk = {known.employees[ext].pk: ext for ext in batch if ext in known.employees}

    def parent_of(node: Any) -> Any:
        return placement_of(node, finals[batch[node]]["manager"], batch, batch_pk, known).base

    return parent_of
