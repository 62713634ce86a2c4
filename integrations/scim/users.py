"""Writing SCIM Users: through the people service (people.services.hr.upsert_people), which
validates, writes, re-scopes obligations and ends the accounts of people it terminates."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.api.rows import EMPLOYEE_FIELDS, validate_row
from integrations.models import ScimUser
from integrations.scim.resources import ScimError, UserChange, live_employees, scim_of
from people.models import Employee
from people.services.hr import upsert_people
from people.services.hr.rekey import rekey_employee


def _refuse_taken_user_name(user_name, employee):
    taken = ScimUser.objects.filter(user_name__iexact=user_name)
    hr_only = Employee.objects.filter(scim__isnull=True, email__iexact=user_name)
    if employee is not None:
        taken, hr_only = taken.exclude(employee=employee), hr_only.exclude(pk=employee.pk)
    if taken.exists() or hr_only.exists():
        raise ScimError(409, f"A User with userName {user_name!r} exists.", "uniqueness")


def _upsert(row, department_rows, *, actor_label, replace):
    # The REST API's field rules (lengths, e-mail, control characters) hold here too.
    row, errors = validate_row(row, EMPLOYEE_FIELDS, partial=True)
    if errors is None:
        outcome = upsert_people(
            employee_rows=[(0, row)], department_rows=department_rows, actor_label=actor_label, replace=replace
        )
        errors = outcome.employees.errors[0]["errors"] if outcome.employees.errors else None
        if not errors and outcome.departments.errors:
            errors = outcome.departments.errors[0]["errors"]
    if errors:
        messages = "; ".join(f"{field}: {' '.join(m)}" for field, m in errors.items())
        conflict = any("already" in m for msgs in errors.values() for m in msgs)
        raise ScimError(409 if conflict else 400, messages, "uniqueness" if conflict else "invalidValue")


def _rekey(employee, change, *, actor_label):
    """Give the record the HR id the User names. Its employeeNumber when sent; when a PATCH
    removed it, a generated id (the one SCIM gave the person at creation, else a new one), so
    the User reads back without one. A PUT that leaves it out keeps the id: the HR system's key
    is never dropped by omission."""
    scim = scim_of(employee)
    generated = scim.generated_employee_id if scim is not None else ""
    wanted = change.employee_number
    if wanted is None and change.removes_missing and employee.external_id != generated:
        wanted = generated or f"scim-{secrets.token_hex(10)}"
        change.scim["generated_employee_id"] = wanted
    if wanted and wanted != employee.external_id:
        try:
            rekey_employee(employee=employee, external_id=wanted, actor_label=actor_label)
        except ValidationError as exc:
            message = " ".join(m for msgs in exc.message_dict.values() for m in msgs)
            conflict = "already" in message
            raise ScimError(
                409 if conflict else 400, f"employeeNumber: {message}", "uniqueness" if conflict else "invalidValue"
            ) from None


@transaction.atomic
def save_user(change: UserChange, *, employee=None, actor_label=""):
    """Create the User (``employee`` None) or replace the SCIM attributes of ``employee``.

    Attributes SCIM does not carry (country, customer-data handling, hire date...) stay as the
    HR sync set them. A User deleted over SCIM and sent again with its userName comes back."""
    _refuse_taken_user_name(change.scim["user_name"], employee)
    if employee is None:
        external_id = change.external_id_for_new()
        if Employee.objects.filter(external_id=external_id).exists():
            raise ScimError(409, f"A User with employeeNumber {external_id!r} exists.", "uniqueness")
    else:
        if change.enterprise_sent:
            _rekey(employee, change, actor_label=actor_label)
        external_id = employee.external_id
    _upsert(
        {"external_id": external_id, **change.row},
        change.department_rows,
        actor_label=actor_label,
        replace=employee is None,
    )
    employee = Employee.objects.get(external_id=external_id)
    fields = dict(change.scim, deleted_at=None)
    if not change.enterprise_sent:
        fields.pop("manager_ref")
    ScimUser.objects.update_or_create(employee=employee, defaults=fields)
    link_waiting_reports(employee, actor_label=actor_label)
    return employee


@transaction.atomic
def delete_user(employee, *, actor_label="", now=None):
    """Terminate the employee (their account's access ends; history stays) and hide the User from SCIM."""
    now = now or timezone.now()
    _upsert(
        {"external_id": employee.external_id, "status": Employee.Status.TERMINATED},
        [],
        actor_label=actor_label,
        replace=False,
    )
    scim, _ = ScimUser.objects.get_or_create(employee=employee, defaults={"user_name": employee.email})
    ScimUser.objects.filter(pk=scim.pk).update(deleted_at=now)


def link_waiting_reports(employee, *, actor_label=""):
    """Users sent earlier with this employee as their manager.value, before it was provisioned,
    get it as their manager now."""
    scim = scim_of(employee) or ScimUser.objects.get(employee=employee)
    names = Q(manager_ref=employee.external_id) | Q(manager_ref__iexact=scim.user_name)
    if scim.external_id:
        names |= Q(manager_ref=scim.external_id)
    waiting = list(
        ScimUser.objects.filter(names, deleted_at__isnull=True)
        .exclude(employee=employee)
        .exclude(manager_ref="")
        .values_list("employee_id", "employee__external_id")
    )
    if not waiting:
        return
    rows = [(i, {"external_id": ext, "manager": employee.external_id}) for i, (_, ext) in enumerate(waiting)]
    outcome = upsert_people(employee_rows=rows, actor_label=actor_label)
    refused = {error["id"] for error in outcome.employees.errors}
    linked = [pk for pk, ext in waiting if ext not in refused]  # a cycle stays pending, for an admin
    ScimUser.objects.filter(employee_id__in=linked).update(manager_ref="")


def user_queryset():
    return live_employees().select_related("department", "manager", "scim").prefetch_related("scim_groups")
