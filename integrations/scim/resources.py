"""Employees as SCIM User resources, and SCIM User payloads as rows for the people service.

A User reads back as it was written: the attributes the HR record has no column for (the
parts of the name, displayName, the list of e-mails, the provider's externalId, a manager
not provisioned yet) are kept on integrations.models.ScimUser. When the HR system changes the
record since (a new full name, another work address), the record wins and the User shows it.
"""

import secrets

from governance.validators import control_character_message, parse_id
from integrations.models import ScimUser
from integrations.scim.schemas import CORE_USER, ENTERPRISE_USER, base_url
from people.models import Employee
from people.services.hr.departments import MAX_NAME, department_for_text


class ScimError(Exception):
    def __init__(self, status, detail, scim_type=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type


def location(employee):
    return f"{base_url()}/Users/{employee.pk}"


def scim_of(employee):
    """The employee's ScimUser, or None for a record only the HR system wrote."""
    try:
        return employee.scim
    except ScimUser.DoesNotExist:
        return None


def full_name_of(name, display_name, user_name):
    """The full name a User's attributes give: displayName, else name.formatted, else the parts."""
    name = name or {}
    parts = " ".join(p for p in (name.get("givenName"), name.get("familyName")) if p)
    return display_name or name.get("formatted") or parts or user_name


def _primary(emails):
    """The address that is the employee's work e-mail: the primary one, else the first."""
    values = [e for e in emails or [] if isinstance(e, dict) and e.get("value")]
    chosen = next((e for e in values if e.get("primary")), values[0] if values else None)
    return chosen["value"] if chosen else None


def _names(employee, scim):
    if scim is not None and full_name_of(scim.name, scim.display_name, scim.user_name) == employee.full_name:
        return scim.name or None, scim.display_name or None
    given, _, family = employee.full_name.partition(" ")
    name = {"formatted": employee.full_name, "givenName": given}
    if family:
        name["familyName"] = family
    return name, employee.full_name


def _emails(employee, scim):
    stored = scim.emails if scim is not None else None
    if stored and (_primary(stored) or "").lower() == employee.email.lower():
        return stored
    return [{"value": employee.email, "type": "work", "primary": True}]


def _enterprise(employee, scim):
    enterprise = {}
    if scim is None or employee.external_id != scim.generated_employee_id:
        enterprise["employeeNumber"] = employee.external_id
    if employee.department_id:
        enterprise["department"] = employee.department.name
    if employee.manager_id:
        enterprise["manager"] = {"value": str(employee.manager_id), "$ref": f"{base_url()}/Users/{employee.manager_id}"}
    elif scim is not None and scim.manager_ref:
        enterprise["manager"] = {"value": scim.manager_ref}
    return enterprise


def to_scim(employee):
    """The SCIM User for an employee (select_related department and scim; prefetch scim_groups)."""
    scim = scim_of(employee)
    resource = {"schemas": [CORE_USER], "id": str(employee.pk)}
    if scim is not None and scim.external_id:
        resource["externalId"] = scim.external_id
    resource["userName"] = scim.user_name if scim is not None else employee.email
    name, display_name = _names(employee, scim)
    if name:
        resource["name"] = name
    if display_name:
        resource["displayName"] = display_name
    if employee.job_title:
        resource["title"] = employee.job_title
    resource["active"] = employee.status != Employee.Status.TERMINATED
    resource["emails"] = _emails(employee, scim)
    groups = [
        {"value": str(g.pk), "$ref": f"{base_url()}/Groups/{g.pk}", "display": g.display_name}
        for g in employee.scim_groups.all()
    ]
    if groups:
        resource["groups"] = groups
    if enterprise := _enterprise(employee, scim):
        resource["schemas"].append(ENTERPRISE_USER)
        resource[ENTERPRISE_USER] = enterprise
    resource["meta"] = meta("User", employee, location(employee))
    return resource


def meta(resource_type, row, url):
    """A resource's ``meta``: its type, when the row was created and last changed, its address."""
    return {
        "resourceType": resource_type,
        "created": row.created_at.isoformat(),
        "lastModified": row.updated_at.isoformat(),
        "location": url,
    }


def clean_text(value, name, max_length=256):
    """A string attribute stripped, or None; ScimError for another type, control characters or length."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ScimError(400, f"{name} must be a string.", "invalidValue")
    if message := control_character_message(value):
        raise ScimError(400, f"{name}: {message}", "invalidValue")
    if len(value) > max_length:
        raise ScimError(400, f"{name}: at most {max_length} characters.", "invalidValue")
    return value.strip()


def _clean_name(name):
    clean = {}
    for key in ("formatted", "givenName", "familyName"):
        if value := clean_text(name.get(key), f"name.{key}", MAX_NAME):
            clean[key] = value
    return clean


MAX_EMAILS = 10


def _clean_emails(emails):
    if len(emails or []) > MAX_EMAILS:
        raise ScimError(400, f"emails: at most {MAX_EMAILS} addresses.", "invalidValue")
    clean = []
    for email in emails or []:
        entry = {"value": clean_text(email.get("value"), "emails.value", 254)}
        if email.get("type"):
            entry["type"] = clean_text(email["type"], "emails.type", 32)
        if email.get("primary") is not None:
            entry["primary"] = bool(email["primary"])
        clean.append(entry)
    return clean


class UserChange:
    """A full SCIM User (validated by the scim2-models class) as what each store needs:
    ``row`` for people.services.hr.upsert_people, ``scim`` for ScimUser, ``department_rows``
    for the departments a free-text name creates, ``employee_number`` for a new HR id.

    A PUT without the enterprise extension at all leaves department, manager and HR id as they
    are (a provider that does not manage them, while the HR system does); with the extension,
    or after a PATCH (which starts from the whole current User), a missing one is cleared."""

    def __init__(self, resource, *, current=None, enterprise_sent=True, removes_missing=False):
        self.current = current
        self.enterprise_sent = enterprise_sent
        self.removes_missing = removes_missing  # a PATCH: what the User lacks now was removed
        user_name = clean_text(resource.get("userName"), "userName")
        if not user_name:
            raise ScimError(400, "userName is required.", "invalidValue")
        enterprise = resource.get(ENTERPRISE_USER) or {}
        name = _clean_name(resource.get("name") or {})
        display_name = clean_text(resource.get("displayName"), "displayName", MAX_NAME) or ""
        emails = _clean_emails(resource.get("emails"))
        email = _primary(emails) or (user_name if "@" in user_name else None)
        if not email:
            raise ScimError(400, "Send emails (the work e-mail address), or a userName that is one.", "invalidValue")
        self.employee_number = clean_text(enterprise.get("employeeNumber"), "employeeNumber", 64) or None
        self.scim = {
            "user_name": user_name,
            "external_id": clean_text(resource.get("externalId"), "externalId") or "",
            "name": name,
            "display_name": display_name,
            "emails": emails,
            "manager_ref": "",
        }
        self.row = {
            "email": email,
            "full_name": full_name_of(name, display_name, user_name),
            # Its length is the people service's rule (the same message as the REST API's).
            "job_title": clean_text(resource.get("title"), "title", 10_000) or "",
        }
        active = resource.get("active", True) is not False
        self.row["status"] = Employee.Status.ACTIVE if active else Employee.Status.TERMINATED
        if current is not None and active and current.status == Employee.Status.ON_LEAVE:
            self.row["status"] = Employee.Status.ON_LEAVE  # SCIM knows only active or not
        self.department_rows = []
        if enterprise_sent:
            self._read_enterprise(enterprise, current)

    def _read_enterprise(self, enterprise, current):
        # What the record already has, named as to_scim names it, stays as it is: a PATCH of the
        # title must not move someone out of a department whose name is not unique.
        kept = current.department if current is not None and current.department_id else None
        self.row["department"] = None
        if department := clean_text(enterprise.get("department"), "department", MAX_NAME):
            if kept is not None and department.casefold() in (kept.name.casefold(), kept.code.casefold()):
                self.row["department"] = kept.code
            else:
                self.row["department"], self.department_rows = department_for_text(department)
        manager = enterprise.get("manager") or {}
        self.row["manager"] = None
        if manager_value := clean_text(manager.get("value"), "manager.value"):
            if current is not None and current.manager_id and manager_value == str(current.manager_id):
                self.row["manager"] = current.manager.external_id
            else:
                self.row["manager"] = find_manager(manager_value, exclude=current)
            if self.row["manager"] is None:
                self.scim["manager_ref"] = manager_value

    def external_id_for_new(self):
        """The HR id of a new record: the employeeNumber, else a generated one (kept on ScimUser)."""
        if self.employee_number:
            return self.employee_number
        self.scim["generated_employee_id"] = f"scim-{secrets.token_hex(10)}"
        return self.scim["generated_employee_id"]


def live_employees():
    """Employees a SCIM client sees: not deleted over SCIM."""
    return Employee.objects.filter(scim__deleted_at__isnull=True)


def find_manager(value, *, exclude=None):
    """The HR id of the employee ``value`` names (SCIM id, employeeNumber, externalId or userName), or None."""
    candidates = live_employees()
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    for lookup in (
        {"pk": parse_id(value)} if parse_id(value) else None,
        {"external_id": value},
        {"scim__external_id": value},
        {"scim__user_name__iexact": value},
        {"scim__isnull": True, "email__iexact": value},
    ):
        found = list(candidates.filter(**lookup).values_list("external_id", flat=True)[:2]) if lookup else []
        if len(found) == 1:
            return found[0]
    return None
