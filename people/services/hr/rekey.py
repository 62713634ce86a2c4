"""Changing an employee's HR id (``external_id``), the key every HR sync matches on."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from governance import audit
from governance.validators import EXTERNAL_ID_HELP, is_url_safe_id
from people.models import Employee


@transaction.atomic
def rekey_employee(*, employee: Employee, external_id: str, actor: Any = None, actor_label: str = "") -> Employee:
    """Give ``employee`` the HR id ``external_id``: an identity provider that first sent a person
    without one (people got a generated id) sends it later. Refused when another record has
    it or it is not URL-safe. Ids are only keys: obligations and history follow the record."""
    if external_id == employee.external_id:
        return employee
    if not is_url_safe_id(external_id):
        raise ValidationError({"external_id": f"Use a URL-safe id: {EXTERNAL_ID_HELP}"})
    if Employee.objects.filter(external_id=external_id).exclude(pk=employee.pk).exists():
        raise ValidationError({"external_id": f"The employee id {external_id!r} is already used."})
    before = employee.external_id
    Employee.objects.filter(pk=employee.pk).update(external_id=external_id)
    employee.external_id = external_id
    audit.record(
        actor=actor,
        actor_label=actor_label,
        action="employee.rekeyed",
        obj=employee,
        before={"external_id": before},
        after={"external_id": external_id},
    )
    return employee
