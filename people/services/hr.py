"""Employees and departments from the HR system: set-based upserts, termination.

One code path for everything that writes people from outside (the bulk endpoint, single
create/update/terminate, SCIM): ``upsert_people`` validates every row against the batch and
the database, applies the valid rows in one transaction with bulk writes, rebuilds the
materialized paths and rescopes the affected employees' obligations. Query count grows
with the batch size divided by a chunk size, never with each row.

Identity stays out of HR's hands: a row never links a record to an existing sign-in account,
never changes an account's login e-mail, and terminating a record ends its account's access
(people.services.accounts). Address changes are audited and the old address is told.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from governance import audit, db
from governance.validators import EXTERNAL_ID_HELP, is_url_safe_id
from people.models import Department, Employee
from people.services.accounts import deprovision_accounts, record_address_changes
from people.services.paths import recompute_department_paths, recompute_reporting_paths
from people.signals import employees_changed

MAX_ROWS = 10_000
CHUNK = 2000
WRITE_BATCH = 1000

EMPLOYEE_DEFAULTS = {
    "email": None,
    "full_name": None,
    "department": None,
    "manager": None,
    "job_title": "",
    "country": "",
    "handles_customer_data": False,
    "status": Employee.Status.ACTIVE,
    "hired_on": None,
    "terminated_on": None,
}
# Plain columns compared and written as they are (department and manager are resolved to ids).
PLAIN_FIELDS = (
    "email",
    "full_name",
    "job_title",
    "country",
    "handles_customer_data",
    "status",
    "hired_on",
    "terminated_on",
)


@dataclass
class Outcome:
    """What an upsert did, per section, and the refused rows with their errors."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list = field(default_factory=list)  # [{"index", "id", "errors": {field: [msg]}}]
    ids: dict = field(default_factory=dict)  # key (external id / code) -> pk for applied rows

    def as_dict(self):
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "failed": self.failed}


@dataclass
class BulkOutcome:
    employees: Outcome
    departments: Outcome
    affected_employee_ids: list


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Rows:
    """Rows of one section with their indexes and accumulated errors."""

    def __init__(self, rows, key_name, preset_errors):
        self.key_name = key_name
        self.rows = {}  # index -> data
        self.errors = {}  # index -> {field: [messages]}
        for index, data in rows:
            self.rows[index] = data
        for index, errors in (preset_errors or {}).items():
            self.errors[index] = errors

    def fail(self, index, field_name, message):
        self.errors.setdefault(index, {}).setdefault(field_name, []).append(message)

    def valid(self):
        return {i: d for i, d in self.rows.items() if i not in self.errors}

    def key(self, index, data=None):
        data = data if data is not None else self.rows.get(index, {})
        return data.get(self.key_name)

    def error_list(self, raw_keys):
        result = []
        for index in sorted(self.errors):
            key = self.key(index) if index in self.rows else raw_keys.get(index)
            result.append({"index": index, "id": key, "errors": self.errors[index]})
        return result

    def refuse_duplicates(self, label):
        seen = {}
        for index, data in sorted(self.rows.items()):
            seen.setdefault(data[self.key_name], []).append(index)
        for key, indexes in seen.items():
            if len(indexes) > 1:
                for index in indexes:
                    self.fail(index, self.key_name, f"{label} {key!r} appears more than once in this batch.")


def _refuse_new_key(section, index, field_name, key):
    """A new record's key must be URL-safe; existing records keep the ids they were created with."""
    if not is_url_safe_id(key):
        section.fail(index, field_name, f"Use a URL-safe id: {EXTERNAL_ID_HELP}")


def _find_cycles(parent_of, start_nodes):
    """Nodes (among start_nodes) that lie on a cycle of ``parent_of``."""
    on_cycle = set()
    state = {}  # node -> "done"
    for start in start_nodes:
        path = []
        index_of = {}
        node = start
        while node is not None and state.get(node) != "done":
            if node in index_of:
                on_cycle.update(path[index_of[node] :])
                break
            index_of[node] = len(path)
            path.append(node)
            node = parent_of(node)
        for visited in path:
            state[visited] = "done"
    return on_cycle & set(start_nodes)


def _upsert_departments(section, *, today):
    """Validate department rows and compute writes; returns (creates, updates, unchanged_keys, all_by_code)."""
    existing = {row["code"]: row for row in Department.objects.order_by().values("id", "code", "name", "parent_id")}
    code_by_id = {row["id"]: code for code, row in existing.items()}
    section.refuse_duplicates("Department code")
    for index, data in section.valid().items():
        if data["code"] not in existing:
            _refuse_new_key(section, index, "code", data["code"])
            if not data.get("name"):
                section.fail(index, "name", "This field is required.")
    while True:
        valid = section.valid()
        batch = {d["code"]: i for i, d in valid.items()}
        changed = False
        for index, data in valid.items():
            parent = data.get("parent")
            if parent is None:
                continue
            if parent == data["code"]:
                section.fail(index, "parent", "A department cannot be its own parent.")
                changed = True
            elif parent not in batch and parent not in existing:
                in_error = any(section.key(i) == parent for i in section.errors)
                message = (
                    f"Parent department {parent!r} is refused in this batch."
                    if in_error
                    else f"Unknown department code {parent!r}."
                )
                section.fail(index, "parent", message)
                changed = True
        if changed:
            continue

        def parent_of(code, batch=batch, valid=valid):
            if code in batch:
                data = valid[batch[code]]
                if "parent" in data:
                    return data["parent"]
            row = existing.get(code)
            return code_by_id.get(row["parent_id"]) if row and row["parent_id"] else None

        cycles = _find_cycles(parent_of, list(batch))
        if not cycles:
            break
        for code in cycles:
            section.fail(batch[code], "parent", "This parent would make the department tree a cycle.")
    return existing, code_by_id


@transaction.atomic
def upsert_people(
    *,
    employee_rows=(),
    department_rows=(),
    employee_errors=None,
    department_errors=None,
    raw_keys=None,
    actor=None,
    actor_label="",
    replace=False,
    today=None,
):
    """Create or update departments (by code) and employees (by external id) in one transaction.

    ``employee_rows`` / ``department_rows`` are (index, cleaned data) pairs; rows that failed
    earlier validation come in ``*_errors`` (index -> field errors) and are only reported.
    A department row's ``parent`` and an employee row's ``department`` and ``manager`` may
    refer to rows of the same batch. Fields missing from an existing row keep their value
    unless ``replace`` (PUT) is set; a new row needs an e-mail and a full name (a department:
    a name) and a URL-safe key. Invalid rows are refused whole; valid rows are applied.
    """
    today = today or timezone.localdate()
    raw_keys = raw_keys or {}
    now = timezone.now()
    deps = _Rows(department_rows, "code", department_errors)
    emps = _Rows(employee_rows, "external_id", employee_errors)
    dep_outcome = Outcome()
    emp_outcome = Outcome()

    existing_departments, code_by_id = _upsert_departments(deps, today=today) if deps.rows else (None, None)
    if existing_departments is None:
        existing_departments, code_by_id = {}, {}
    valid_departments = deps.valid()
    batch_department_codes = {d["code"] for d in valid_departments.values()}

    # --- employees: validate against the batch and the database -----------------------
    emps.refuse_duplicates("Employee id")
    ext_ids = {d["external_id"] for d in emps.rows.values()}
    manager_refs = {d["manager"] for d in emps.rows.values() if d.get("manager")}
    department_refs = {d["department"] for d in emps.rows.values() if d.get("department")}
    existing = {}
    for chunk in _chunks(ext_ids | manager_refs):
        for employee in Employee.objects.filter(external_id__in=chunk).order_by():
            existing[employee.external_id] = employee
    if not existing_departments and department_refs:
        existing_departments = {
            row["code"]: row
            for row in Department.objects.filter(code__in=department_refs).values("id", "code", "name", "parent_id")
        }
        code_by_id = {row["id"]: code for code, row in existing_departments.items()}
    emails = {}
    for index, data in emps.rows.items():
        if data.get("email"):
            emails.setdefault(data["email"].lower(), []).append(index)
    email_owner = {}
    for chunk in _chunks(emails):
        # E-mail addresses arrive lowercased; an indexed IN finds the owners.
        for email, ext in Employee.objects.filter(email__in=chunk).order_by().values_list("email", "external_id"):
            email_owner[email.lower()] = ext

    refused_keys = {raw_keys.get("employees", {}).get(i) for i in emps.errors} - {None}
    finals = {}  # index -> final field values (department/manager as codes / external ids)
    for index, data in sorted(emps.rows.items()):
        if index in emps.errors:
            continue
        current = existing.get(data["external_id"])
        if current is not None and not replace:
            base = {name: getattr(current, name) for name in PLAIN_FIELDS}
            base["department"] = code_by_id.get(current.department_id) if current.department_id else None
            if current.department_id and base["department"] is None:
                base["department"] = current.department_id  # resolved below
            base["manager"] = current.manager_id
        else:
            base = dict(EMPLOYEE_DEFAULTS)
        if current is None:
            _refuse_new_key(emps, index, "external_id", data["external_id"])
        final = {**base, **{k: v for k, v in data.items() if k != "external_id"}}
        for name in ("email", "full_name"):
            if not final.get(name):
                emps.fail(index, name, "This field is required.")
        if final["status"] == Employee.Status.TERMINATED:
            if final.get("terminated_on") is None:
                final["terminated_on"] = current.terminated_on if current and current.terminated_on else today
        elif data.get("terminated_on") is not None:
            emps.fail(index, "terminated_on", "Only a terminated employee has a termination date.")
        else:
            final["terminated_on"] = None
        if final.get("email"):
            email = final["email"].lower()
            if len(emails.get(email, [])) > 1:
                emps.fail(
                    index, "email", f"The e-mail address {final['email']!r} appears more than once in this batch."
                )
            elif email_owner.get(email, data["external_id"]) != data["external_id"]:
                emps.fail(index, "email", f"The e-mail address is already used by employee {email_owner[email]!r}.")
        department_ref = data.get("department")
        if (
            department_ref
            and department_ref not in existing_departments
            and department_ref not in batch_department_codes
        ):
            emps.fail(index, "department", f"Unknown department code {data['department']!r}.")
        if data.get("manager") == data["external_id"]:
            emps.fail(index, "manager", "An employee cannot be their own manager.")
        elif data.get("manager") and data["manager"] not in existing and data["manager"] not in ext_ids:
            if data["manager"] in refused_keys:
                emps.fail(index, "manager", f"The manager {data['manager']!r} is refused in this batch.")
            else:
                emps.fail(index, "manager", f"Unknown employee id {data['manager']!r} for the manager.")
        finals[index] = final

    # Managers that are refused rows of this batch, and cycles, refuse their reports in turn.
    pk_managers = None
    while True:
        valid = {i: d for i, d in emps.valid().items() if i in finals}
        batch_index = {d["external_id"]: i for i, d in valid.items()}
        failed_ids = {emps.key(i) for i in emps.errors if i in emps.rows}
        changed = False
        for index, data in valid.items():
            ref = data.get("manager")
            if ref and ref not in batch_index and (ref in failed_ids or ref not in existing):
                emps.fail(index, "manager", f"The manager {ref!r} is refused in this batch.")
                changed = True
        if changed:
            continue
        touches_managers = any("manager" in d or replace for d in valid.values())
        if not touches_managers:
            break
        if pk_managers is None:
            pk_managers = dict(Employee.objects.order_by().values_list("id", "manager_id"))
        ext_by_pk = {e.pk: ext for ext, e in existing.items()}

        def parent_of(node, batch_index=batch_index, ext_by_pk=ext_by_pk, pk_managers=pk_managers):
            # Nodes are external ids for batch rows and ("pk", id) for everyone else.
            if isinstance(node, str) and node in batch_index:
                manager = finals[batch_index[node]]["manager"]
                if manager is None:
                    return None
                if isinstance(manager, int):  # kept from the database
                    return ext_by_pk.get(manager, ("pk", manager))
                return (
                    manager
                    if manager in batch_index
                    else ext_by_pk.get(existing[manager].pk, ("pk", existing[manager].pk))
                )
            pk = existing[node].pk if isinstance(node, str) else node[1]
            manager_pk = pk_managers.get(pk)
            if manager_pk is None:
                return None
            ext = ext_by_pk.get(manager_pk)
            return ext if ext in batch_index else ("pk", manager_pk)

        cycles = _find_cycles(parent_of, list(batch_index))
        if not cycles:
            break
        for ext in cycles:
            emps.fail(batch_index[ext], "manager", "This manager would make the reporting line a cycle.")

    # --- write ------------------------------------------------------------------------
    department_pk = {code: row["id"] for code, row in existing_departments.items()}
    new_departments = []
    for index, data in sorted(valid_departments.items()):
        if index in deps.errors:
            continue
        if data["code"] not in existing_departments:
            new_departments.append(Department(code=data["code"], name=data["name"], path=""))
    Department.objects.bulk_create(new_departments, batch_size=WRITE_BATCH)
    for department in new_departments:
        department_pk[department.code] = department.pk
    dep_updates = []
    for _index, data in sorted(deps.valid().items()):
        current = existing_departments.get(data["code"])
        parent_code = data.get("parent", code_by_id.get(current["parent_id"]) if current else None)
        parent_id = department_pk[parent_code] if parent_code else None
        if current is None:
            dep_outcome.created += 1
            if parent_id:
                dep_updates.append(Department(id=department_pk[data["code"]], name=data["name"], parent_id=parent_id))
        elif current["name"] != data.get("name", current["name"]) or current["parent_id"] != parent_id:
            dep_outcome.updated += 1
            name = data.get("name", current["name"])
            dep_updates.append(Department(id=current["id"], name=name, parent_id=parent_id))
        else:
            dep_outcome.unchanged += 1
        dep_outcome.ids[data["code"]] = department_pk[data["code"]]
    if dep_updates:
        for department in dep_updates:
            department.updated_at = now
        Department.objects.bulk_update(dep_updates, ["name", "parent_id", "updated_at"], batch_size=WRITE_BATCH)
    if new_departments or dep_updates:
        recompute_department_paths()

    valid = {i: d for i, d in emps.valid().items() if i in finals}
    creates, updates = [], []
    target = {}  # external id -> Employee (new or existing) for every valid row
    manager_ref = {}  # external id -> final manager as external id (str), pk (int) or None
    for index, data in sorted(valid.items()):
        final = finals[index]
        department = final["department"]
        values = {name: final[name] for name in PLAIN_FIELDS}
        values["department_id"] = (
            department if isinstance(department, int) else (department_pk[department] if department else None)
        )
        current = existing.get(data["external_id"])
        employee = current if current is not None else Employee(external_id=data["external_id"])
        employee._values = values
        target[data["external_id"]] = employee
        manager_ref[data["external_id"]] = final["manager"]
        (creates if current is None else updates).append(employee)

    # New rows get their ids up front (PostgreSQL), so managers and reporting paths are
    # written with the INSERT instead of being patched afterwards.
    reserved = db.reserve_ids(Employee, len(creates))
    for employee, pk in zip(creates, reserved or [], strict=False):
        employee.pk = employee.id = pk

    def manager_pk(ext):
        ref = manager_ref[ext]
        if ref is None or isinstance(ref, int):
            return ref
        other = target.get(ref) or existing.get(ref)
        return other.pk

    paths = {}

    def path_of(ext):
        """The reporting path a row will have, or None when it depends on rows not loaded
        (recompute_reporting_paths fills those in). Iterative: chains can be long."""
        chain = []
        node = ext
        while node not in paths:
            ref = manager_ref[node]
            if isinstance(ref, str) and ref in target:
                chain.append(node)
                node = ref
                continue
            if ref is None:
                paths[node] = "/"
            else:
                holder = existing.get(ref) if isinstance(ref, str) else None
                mpk = manager_pk(node)
                paths[node] = f"{holder.reporting_path}{mpk}/" if holder is not None and mpk else None
            break
        for child in reversed(chain):
            parent = manager_ref[child]
            base, parent_pk = paths[parent], target[parent].pk
            paths[child] = f"{base}{parent_pk}/" if base is not None and parent_pk else None
        return paths[ext]

    final_updates = []
    address_changes = []  # (employee id, old, new): audited, and the old address is told
    ending_accounts = []  # accounts of employees terminated by this batch: their access ends now
    for employee in updates:
        values = employee._values
        values["manager_id"] = manager_pk(employee.external_id)
        if all(getattr(employee, name) == value for name, value in values.items()):
            emp_outcome.unchanged += 1
            emp_outcome.ids[employee.external_id] = employee.pk
            continue
        if values["email"] != employee.email:
            address_changes.append((employee.pk, employee.email, values["email"]))
            employee.email_changed_at = now  # every sign-in link mailed before is dead
        terminated = values["status"] == Employee.Status.TERMINATED
        if terminated and employee.status != Employee.Status.TERMINATED and employee.user_id:
            ending_accounts.append(employee.user_id)
        for name, value in values.items():
            setattr(employee, name, value)
        path = path_of(employee.external_id)
        if path is not None:
            employee.reporting_path = path
        employee.updated_at = now
        final_updates.append(employee)
    if reserved is not None:
        for employee in creates:
            for name, value in employee._values.items():
                setattr(employee, name, value)
            employee.manager_id = manager_pk(employee.external_id)
            employee.reporting_path = path_of(employee.external_id) or "/"
        Employee.objects.bulk_create(creates, batch_size=WRITE_BATCH)
    else:  # SQLite: ids come back from the INSERT; managers among the new rows follow in an UPDATE
        for employee in creates:
            for name, value in employee._values.items():
                setattr(employee, name, value)
            ref = manager_ref[employee.external_id]
            employee.manager_id = ref if isinstance(ref, int) else (existing[ref].pk if ref in existing else None)
        Employee.objects.bulk_create(creates, batch_size=WRITE_BATCH)
        fixes = []
        for employee in creates:
            wanted = manager_pk(employee.external_id)
            if employee.manager_id != wanted:
                employee.manager_id = wanted
                fixes.append(employee)
        if fixes:
            Employee.objects.bulk_update(fixes, ["manager_id"], batch_size=WRITE_BATCH)
    if final_updates:
        db.update_rows(
            Employee,
            final_updates,
            [*PLAIN_FIELDS, "department_id", "manager_id", "reporting_path", "email_changed_at", "updated_at"],
        )
    for employee in [*creates, *final_updates]:
        emp_outcome.ids[employee.external_id] = employee.pk
    emp_outcome.created = len(creates)
    emp_outcome.updated = len(final_updates)
    # New records are never attached to an existing account here: the account confirms its
    # record after signing in, or an admin links it (people.services.accounts).
    deprovision_accounts(user_ids=ending_accounts, actor=actor, actor_label=actor_label, reason="employee terminated")
    record_address_changes(changes=address_changes, actor=actor, actor_label=actor_label)
    affected = [e.pk for e in creates] + [e.pk for e in final_updates]
    if creates or final_updates:
        recompute_reporting_paths()
        employees_changed.send(sender=Employee, employee_ids=affected, actor=actor)
    emp_outcome.errors = emps.error_list(raw_keys.get("employees", {}))
    emp_outcome.failed = len(emp_outcome.errors)
    dep_outcome.errors = deps.error_list(raw_keys.get("departments", {}))
    dep_outcome.failed = len(dep_outcome.errors)
    if affected or dep_outcome.created or dep_outcome.updated:
        audit.record(
            actor=actor,
            actor_label=actor_label,
            action="employees.upserted",
            obj=audit.Subject("employee_batch", str(len(affected))),
            after={"employees": emp_outcome.as_dict(), "departments": dep_outcome.as_dict()},
        )
    return BulkOutcome(employees=emp_outcome, departments=dep_outcome, affected_employee_ids=affected)


def terminate_employee(*, employee, actor=None, actor_label="", on=None):
    """Set the status terminated; obligations close through rescoping, history stays, and the
    linked account's access ends (people.services.accounts.deprovision_accounts)."""
    row = {"external_id": employee.external_id, "status": Employee.Status.TERMINATED}
    if on is not None:
        row["terminated_on"] = on
    return upsert_people(employee_rows=[(0, row)], actor=actor, actor_label=actor_label)
