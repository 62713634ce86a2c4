"""Employees and departments from the HR system: set-based upserts, termination.

One code path for everything that writes people from outside (the bulk endpoint, single
create/update/terminate, SCIM): :func:`upsert_people`, in named steps —

1. validate (:mod:`.validate`): read what the batch refers to once, then check every row
   against the batch and the database without writing: rows in, a plan out;
2. apply (:mod:`.apply`): the plan's valid rows with bulk writes, in one transaction;
3. paths and consequences: the reports of the people whose reporting path changed follow
   them (people.services.paths.follow_moves: in the request for a team, in a job for more),
   end the access of terminated people's accounts, tell old addresses of a change, and send
   ``people.signals.employees_changed`` (attestations re-scopes their obligations) and, for
   departments given a new parent, ``people.signals.departments_moved`` (the same for the
   people of the moved subtrees: in a job when they are many).

Query count grows with the batch size divided by a chunk size, never with each row, and no
step reads or writes people the batch does not name or move (issue 17): the reporting paths
are computed from the batch and its managers' stored paths, never from the whole organization.

Identity stays out of HR's hands: a row never links a record to an existing sign-in account,
never changes an account's login e-mail, and terminating a record ends its account's access
(people.services.accounts). Address changes are audited and the old address is told.
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from governance import audit
from people.models import Department, Employee
from people.services.accounts import deprovision_accounts, record_address_changes
from people.services.hr.apply import apply_plan
from people.services.hr.rows import MAX_ROWS, BulkOutcome, Data, FieldErrors, Outcome, Rows
from people.services.hr.validate import load_known, make_plan, sets_managers
from people.services.paths import follow_moves, lock_reporting_line
from people.signals import departments_moved, employees_changed

__all__ = ["MAX_ROWS", "BulkOutcome", "Outcome", "terminate_employee", "upsert_people"]


@transaction.atomic
def upsert_people(
    *,
    employee_rows: Iterable[tuple[int, Data]] = (),
    department_rows: Iterable[tuple[int, Data]] = (),
    employee_errors: dict[int, FieldErrors] | None = None,
    department_errors: dict[int, FieldErrors] | None = None,
    raw_keys: dict[str, dict[int, Any]] | None = None,
    actor: Any = None,
    actor_label: str = "",
    replace: bool = False,
    today: Any = None,
) -> BulkOutcome:
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
    departments = Rows(department_rows, "code", department_errors)
    employees = Rows(employee_rows, "external_id", employee_errors)
    if sets_managers(employees, replace=replace):
        lock_reporting_line()  # the managers' paths read below stay as read until this commits
    known = load_known(departments, employees, replace=replace)
    plan = make_plan(departments, employees, known, replace=replace, today=today, raw_keys=raw_keys)
    applied = apply_plan(plan)
    # New records are never attached to an existing account here: the account confirms its
    # record after signing in, or an admin links it (people.services.accounts).
    deprovision_accounts(
        user_ids=applied.ending_accounts, actor=actor, actor_label=actor_label, reason="employee terminated"
    )
    record_address_changes(changes=applied.address_changes, actor=actor, actor_label=actor_label)
    if applied.moves:
        follow_moves(applied.moves, actor=actor)
    if applied.departments_moved:
        departments_moved.send(sender=Department, department_ids=applied.departments_moved, actor=actor)
    if applied.affected:
        employees_changed.send(sender=Employee, employee_ids=applied.affected, actor=actor)
    for outcome, section, kind in (
        (applied.employees, employees, "employees"),
        (applied.departments, departments, "departments"),
    ):
        outcome.errors = section.error_list(raw_keys.get(kind, {}))
        outcome.failed = len(outcome.errors)
    if applied.affected or applied.departments.created or applied.departments.updated:
        audit.record(
            actor=actor,
            actor_label=actor_label,
            action="employees.upserted",
            obj=audit.Subject("employee_batch", str(len(applied.affected))),
            after={"employees": applied.employees.as_dict(), "departments": applied.departments.as_dict()},
        )
    return BulkOutcome(
        employees=applied.employees, departments=applied.departments, affected_employee_ids=applied.affected
    )


def terminate_employee(*, employee: Employee, actor: Any = None, actor_label: str = "", on: Any = None) -> BulkOutcome:
    """Set the status terminated; obligations close through rescoping, history stays, and the
    linked account's access ends (people.services.accounts.deprovision_accounts)."""
    row: Data = {"external_id": employee.external_id, "status": Employee.Status.TERMINATED}
    if on is not None:
        row["terminated_on"] = on
    return upsert_people(employee_rows=[(0, row)], actor=actor, actor_label=actor_label)
