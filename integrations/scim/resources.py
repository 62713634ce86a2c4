"""Employees as SCIM User resources, and SCIM User payloads as rows for the people service."""

from governance.validators import control_character_message, parse_id
from integrations.scim.schemas import CORE_USER, ENTERPRISE_USER, base_url
from people.models import Department, Employee


class ScimError(Exception):
    def __init__(self, status, detail, scim_type=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type


def location(employee):
    return f"{base_url()}/Users/{employee.pk}"


def to_scim(employee):
    """The SCIM User for an employee (select_related department and manager)."""
    given, _, family = employee.full_name.partition(" ")
    enterprise = {"employeeNumber": employee.external_id}
    if employee.department_id:
        enterprise["department"] = employee.department.code
    if employee.manager_id:
        enterprise["manager"] = {
            "value": str(employee.manager_id),
            "$ref": f"{base_url()}/Users/{employee.manager_id}",
            "displayName": employee.manager.full_name,
        }
    resource = {
        "schemas": [CORE_USER, ENTERPRISE_USER],
        "id": str(employee.pk),
        "externalId": employee.external_id,
        "userName": employee.email,
        "displayName": employee.full_name,
        "name": {"formatted": employee.full_name, "givenName": given, "familyName": family},
        "title": employee.job_title,
        "active": employee.status != Employee.Status.TERMINATED,
        "emails": [{"value": employee.email, "type": "work", "primary": True}],
        ENTERPRISE_USER: enterprise,
        "meta": {
            "resourceType": "User",
            "created": employee.created_at.isoformat(),
            "lastModified": employee.updated_at.isoformat(),
            "location": location(employee),
        },
    }
    if employee.country:
        resource["addresses"] = [{"type": "work", "country": employee.country}]
    return resource


def _string(value, name):
    if value is None:
        return None
    if not isinstance(value, str):
        raise ScimError(400, f"{name} must be a string.", "invalidValue")
    if message := control_character_message(value):
        raise ScimError(400, f"{name}: {message}", "invalidValue")
    return value.strip()


def to_row(resource, *, current=None):
    """A people-service row from a full SCIM User. ``current`` is the employee being replaced."""
    if not isinstance(resource, dict):
        raise ScimError(400, "The body must be a SCIM User object.", "invalidSyntax")
    user_name = _string(resource.get("userName"), "userName")
    if not user_name:
        raise ScimError(400, "userName is required.", "invalidValue")
    enterprise = resource.get(ENTERPRISE_USER) or {}
    if not isinstance(enterprise, dict):
        raise ScimError(400, f"{ENTERPRISE_USER} must be an object.", "invalidSyntax")
    name = resource.get("name") or {}
    if not isinstance(name, dict):
        raise ScimError(400, "name must be an object.", "invalidSyntax")
    full_name = (
        _string(name.get("formatted"), "name.formatted")
        or _string(resource.get("displayName"), "displayName")
        or " ".join(
            p
            for p in (
                _string(name.get("givenName"), "name.givenName"),
                _string(name.get("familyName"), "name.familyName"),
            )
            if p
        )
    )
    if current is not None:
        external_id = current.external_id
    else:
        external_id = _string(enterprise.get("employeeNumber"), "employeeNumber") or _string(
            resource.get("externalId"), "externalId"
        )
        if not external_id:
            raise ScimError(
                400, "Send externalId or the enterprise employeeNumber (the HR system's id).", "invalidValue"
            )
    row = {
        "external_id": external_id,
        "email": user_name,
        "full_name": full_name or user_name,
        "job_title": _string(resource.get("title"), "title") or "",
    }
    active = resource.get("active", True)
    if not isinstance(active, bool):
        raise ScimError(400, "active must be true or false.", "invalidValue")
    row["status"] = Employee.Status.ACTIVE if active else Employee.Status.TERMINATED
    if current is not None and active and current.status == Employee.Status.ON_LEAVE:
        row["status"] = Employee.Status.ON_LEAVE  # SCIM knows only active or not
    addresses = resource.get("addresses") or []
    if isinstance(addresses, list):
        for address in addresses:
            if isinstance(address, dict) and address.get("country"):
                row["country"] = _string(address["country"], "addresses.country")
                break
    department = enterprise.get("department")
    if department:
        department = _string(department, "department")
        code = Department.objects.filter(code=department).values_list("code", flat=True).first()
        if code is None:
            codes = list(Department.objects.filter(name=department).values_list("code", flat=True)[:2])
            if len(codes) != 1:
                raise ScimError(400, f"Unknown department {department!r}.", "invalidValue")
            code = codes[0]
        row["department"] = code
    else:
        row["department"] = None
    manager = enterprise.get("manager")
    manager_id = manager.get("value") if isinstance(manager, dict) else manager
    if manager_id:
        manager_ext = None
        if manager_pk := parse_id(str(manager_id)):
            manager_ext = Employee.objects.filter(pk=manager_pk).values_list("external_id", flat=True).first()
        if manager_ext is None:
            raise ScimError(400, f"Unknown manager id {manager_id!r}.", "invalidValue")
        row["manager"] = manager_ext
    else:
        row["manager"] = None
    return row


def _split_path(path):
    """'name.givenName' -> ('name', 'givenName'); enterprise URN paths -> (URN, attr[, sub])."""
    if path.startswith(ENTERPRISE_USER):
        rest = path[len(ENTERPRISE_USER) :].lstrip(":")
        return (ENTERPRISE_USER, *rest.split(".")) if rest else (ENTERPRISE_USER,)
    if path.startswith(CORE_USER + ":"):
        path = path[len(CORE_USER) + 1 :]
    return tuple(path.split("."))


SUPPORTED_PATCH_PATHS = {
    ("active",),
    ("userName",),
    ("displayName",),
    ("title",),
    ("externalId",),
    ("name",),
    ("name", "formatted"),
    ("name", "givenName"),
    ("name", "familyName"),
    ("emails",),
    ("addresses",),
    (ENTERPRISE_USER,),
    (ENTERPRISE_USER, "employeeNumber"),
    (ENTERPRISE_USER, "department"),
    (ENTERPRISE_USER, "manager"),
    (ENTERPRISE_USER, "manager", "value"),
}


def apply_patch(resource, operations):
    """Apply SCIM PatchOp operations (add / replace / remove) to a resource dict."""
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "Operations must be a non-empty list.", "invalidSyntax")
    for operation in operations:
        if not isinstance(operation, dict):
            raise ScimError(400, "Each operation must be an object.", "invalidSyntax")
        op = str(operation.get("op", "")).lower()
        if op not in ("add", "replace", "remove"):
            raise ScimError(400, f"Unsupported op {operation.get('op')!r}.", "invalidSyntax")
        path = operation.get("path")
        value = operation.get("value")
        if not path:
            if op == "remove" or not isinstance(value, dict):
                raise ScimError(400, "An operation without a path needs an object value.", "noTarget")
            for key, item in value.items():
                apply_patch(resource, [{"op": op, "path": key, "value": item}])
            continue
        if not isinstance(path, str):
            raise ScimError(400, "path must be a string.", "invalidPath")
        if path.startswith("emails[") and path.endswith("].value"):
            path = "emails"
            value = [{"value": value, "type": "work", "primary": True}] if isinstance(value, str) else value
        parts = _split_path(path)
        if parts not in SUPPORTED_PATCH_PATHS:
            raise ScimError(400, f"Unsupported path {path!r}.", "invalidPath")
        if parts == ("emails",) and op != "remove":
            emails = value if isinstance(value, list) else [value]
            primary = next(
                (e for e in emails if isinstance(e, dict) and e.get("primary")), emails[0] if emails else None
            )
            if not isinstance(primary, dict) or not primary.get("value"):
                raise ScimError(400, "emails needs a value.", "invalidValue")
            resource["userName"] = primary["value"]
            continue
        if parts == ("active",) and isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"  # some identity providers send "False"
        target = resource
        for part in parts[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ScimError(400, f"Cannot patch {path!r}.", "invalidPath")
        if op == "remove":
            target.pop(parts[-1], None)
        elif isinstance(value, dict) and isinstance(target.get(parts[-1]), dict) and parts[-1] != "manager":
            target[parts[-1]].update(value)
        else:
            target[parts[-1]] = value
        if parts[0] == "name":
            name = resource.get("name") or {}
            if parts[-1] in ("givenName", "familyName"):
                name["formatted"] = " ".join(p for p in (name.get("givenName"), name.get("familyName")) if p)
        if parts == ("displayName",):
            resource.setdefault("name", {})["formatted"] = value
    return resource
