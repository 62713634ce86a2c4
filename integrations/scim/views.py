"""SCIM 2.0 endpoints. Authentication: an API key; reading needs ``employees:read``,
writing ``employees:write`` (identity providers read before they write: give them both)."""

import json
from functools import wraps

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from governance.validators import parse_id
from integrations.api.parsers import loads
from integrations.api.rows import EMPLOYEE_FIELDS, validate_row
from integrations.api.throttling import failed_key_wait, key_budget_wait, record_failed_key
from integrations.keys import authenticate_key
from integrations.models import Scope
from integrations.scim import schemas
from integrations.scim.filters import InvalidFilter, filter_employees
from integrations.scim.resources import ScimError, apply_patch, location, to_row, to_scim
from people.models import Employee
from people.services.hr import upsert_people

CONTENT_TYPE = "application/scim+json"
ACCEPTED_CONTENT_TYPES = ("application/scim+json", "application/json")


def scim_response(data, status=200, headers=None):
    response = HttpResponse(json.dumps(data), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(status, detail, scim_type=None):
    body = {"schemas": [schemas.ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if status == 401 else None
    return scim_response(body, status, headers)


def too_many_requests(wait, detail):
    response = error_response(429, detail)
    response["Retry-After"] = str(wait)
    return response


def scim_view(methods):
    """Bearer key with the method's scope (reads employees:read, writes employees:write), the
    key's request budget, allowed methods, SCIM errors for anything raised. Wrong keys are
    counted per client address and answered 429 past a limit."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            header = request.headers.get("Authorization", "")
            keyword, _, raw = header.partition(" ")
            if keyword.lower() != "bearer" or not raw.strip():
                return error_response(401, "Send an API key: Authorization: Bearer <key>.")
            wait = failed_key_wait(request)
            if wait is not None:
                return too_many_requests(wait, "Too many requests with a wrong API key from this address.")
            api_key = authenticate_key(raw.strip())
            if api_key is None:
                record_failed_key(request)
                return error_response(401, "Unknown or revoked API key.")
            request.api_key = api_key
            wait = key_budget_wait(request)
            if wait is not None:
                return too_many_requests(wait, "This API key has used its request budget; try again later.")
            scope = Scope.EMPLOYEES_READ if request.method in ("GET", "HEAD") else Scope.EMPLOYEES_WRITE
            if not api_key.has_scope(scope):
                return error_response(403, f"This SCIM request needs an API key with the {scope} scope.")
            if request.method not in methods:
                response = error_response(405, f"{request.method} is not allowed here.")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except ScimError as exc:
                return error_response(exc.status, exc.detail, exc.scim_type)

        return wrapper

    return decorator


def _body(request):
    content_type = request.content_type or ""
    if content_type not in ACCEPTED_CONTENT_TYPES:
        raise ScimError(415, f"Send {CONTENT_TYPE} (got {content_type or 'no content type'}).")
    try:
        return loads((request.body or b"null").decode())
    except RequestDataTooBig:
        raise ScimError(413, "The request body is larger than this server accepts.") from None
    except ValueError:  # bad JSON, nested too deeply, or not UTF-8
        raise ScimError(400, "The body is not valid JSON.", "invalidSyntax") from None


def _employees():
    return Employee.objects.select_related("department", "manager")


def _get(pk):
    employee_id = parse_id(pk)
    employee = _employees().filter(pk=employee_id).first() if employee_id else None
    if employee is None:
        raise ScimError(404, f"No User {pk}.")
    return employee


def _save(request, row, *, replace):
    # The REST API's field rules (lengths, e-mail, country, control characters) hold here too.
    row, errors = validate_row(row, EMPLOYEE_FIELDS, partial=True)
    if errors is None:
        outcome = upsert_people(employee_rows=[(0, row)], actor_label=request.api_key.label, replace=replace)
        errors = outcome.employees.errors[0]["errors"] if outcome.employees.errors else None
    if errors:
        messages = "; ".join(f"{field}: {' '.join(m)}" for field, m in errors.items())
        conflict = any("already" in m for msgs in errors.values() for m in msgs)
        raise ScimError(409 if conflict else 400, messages, "uniqueness" if conflict else "invalidValue")
    return _employees().get(external_id=row["external_id"])


def _int_param(request, name, default, minimum):
    value = request.GET.get(name)
    if value in (None, ""):
        return default
    try:
        return max(int(value), minimum)
    except ValueError:
        raise ScimError(400, f"{name} must be a number.", "invalidValue") from None


@scim_view(("GET", "POST"))
def users(request):
    if request.method == "POST":
        resource = _body(request)
        row = to_row(resource)
        if Employee.objects.filter(email__iexact=row["email"]).exists():
            raise ScimError(409, f"A User with userName {row['email']!r} exists.", "uniqueness")
        if Employee.objects.filter(external_id=row["external_id"]).exists():
            raise ScimError(409, f"A User with employeeNumber {row['external_id']!r} exists.", "uniqueness")
        employee = _save(request, row, replace=True)
        return scim_response(to_scim(employee), 201, {"Location": location(employee)})
    queryset = _employees().order_by("id")
    expression = request.GET.get("filter")
    if expression:
        try:
            queryset = filter_employees(queryset, expression)
        except InvalidFilter as exc:
            raise ScimError(400, str(exc), "invalidFilter") from None
    start = _int_param(request, "startIndex", 1, 1)
    count = min(_int_param(request, "count", 100, 0), schemas.MAX_RESULTS)
    total = queryset.count()
    # A start past the end is an empty page, not an OFFSET the database cannot hold.
    page = list(queryset[start - 1 : start - 1 + count]) if count and start <= total else []
    return scim_response(list_response([to_scim(e) for e in page], total=total, start=start))


@scim_view(("GET", "PUT", "PATCH", "DELETE"))
def user(request, pk):
    employee = _get(pk)
    if request.method == "GET":
        return scim_response(to_scim(employee), headers={"Location": location(employee)})
    if request.method == "DELETE":
        # Termination, not erasure: obligations close and the ledger keeps its history.
        _save(request, {"external_id": employee.external_id, "status": Employee.Status.TERMINATED}, replace=False)
        return HttpResponse(status=204)
    body = _body(request)
    if request.method == "PUT":
        row = to_row(body, current=employee)
    else:
        declared = body.get("schemas") if isinstance(body, dict) else None
        if not isinstance(declared, list) or schemas.PATCH_OP not in declared:
            raise ScimError(400, f"A PATCH body is a {schemas.PATCH_OP} message.", "invalidSyntax")
        resource = apply_patch(to_scim(employee), body.get("Operations"))
        row = to_row(resource, current=employee)
    # Attributes SCIM does not carry (customer-data handling, hire date...) stay as the HR sync set them.
    employee = _save(request, row, replace=False)
    return scim_response(to_scim(employee), headers={"Location": location(employee)})


@scim_view(("GET",))
def service_provider_config(request):
    return scim_response(schemas.service_provider_config())


@scim_view(("GET",))
def schema_list(request, schema_id=None):
    return _all_or_one([schemas.user_schema(), schemas.enterprise_schema()], schema_id, "schema")


@scim_view(("GET",))
def resource_type_list(request, type_id=None):
    return _all_or_one(schemas.resource_types(), type_id, "resource type")


def list_response(resources, *, total, start=1):
    """A SCIM ListResponse envelope around one page of ``resources``."""
    return {
        "schemas": [schemas.LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def _all_or_one(items, item_id, what):
    """The whole (small, fixed) discovery list, or the one item with ``item_id`` (404 otherwise)."""
    if item_id is None:
        return scim_response(list_response(items, total=len(items)))
    for item in items:
        if item["id"] == item_id:
            return scim_response(item)
    raise ScimError(404, f"No {what} {item_id}.")


@csrf_exempt
def not_found(request, *args, **kwargs):
    return error_response(404, f"No SCIM endpoint at {request.path}.")
