"""SCIM 2.0 endpoints. Authentication: an API key; reading needs ``employees:read``,
writing ``employees:write`` (identity providers read before they write: give them both)."""

import json
from functools import wraps

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError
from scim2_models import Context, PatchOp, SCIMException

from governance.validators import parse_id, visible
from integrations.api.parsers import loads
from integrations.api.throttling import failed_key_wait, key_budget_wait, record_failed_key
from integrations.keys import authenticate_key
from integrations.models import ScimUser, Scope
from integrations.scim import schemas
from integrations.scim.dialects import normalized_patch
from integrations.scim.filters import InvalidFilter, filter_employees, filter_groups
from integrations.scim.groups import (
    GroupChange,
    delete_group,
    group_location,
    group_queryset,
    save_group,
    to_scim_group,
)
from integrations.scim.resources import ScimError, UserChange, location, to_scim
from integrations.scim.users import delete_user, save_user, user_queryset

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
            except IntegrityError:  # a concurrent request took the userName, displayName or id first
                return error_response(
                    409, "Another request wrote a conflicting resource; read it and retry.", "uniqueness"
                )

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


def _scim_error(exc):
    """A scim2-models validation failure as a SCIM error (its scimType when it names one)."""
    if isinstance(exc, SCIMException):
        return ScimError(exc.status, str(exc) or "Invalid request.", exc.scim_type or "invalidValue")
    problems = exc.errors()
    scim_type = next((e["ctx"]["scim_type"] for e in problems if (e.get("ctx") or {}).get("scim_type")), None)
    detail = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in problems[:5])
    return ScimError(400, visible(detail), scim_type or "invalidValue")


def _validated(model, body, context):
    """``body`` as the scim2-models class of the resource reads it (the tolerances of schemas.POLICY)."""
    if not isinstance(body, dict):
        raise ScimError(400, "The body must be a SCIM resource object.", "invalidSyntax")
    try:
        resource = model.model_validate(body, scim_ctx=context, scim_policy=schemas.POLICY)
    except (ValidationError, SCIMException) as exc:
        raise _scim_error(exc) from None
    return resource.model_dump(scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=schemas.POLICY)


def _patched(model, current, body):
    """The resource ``current`` with the PatchOp ``body`` applied by scim2-models: Entra ID's
    capitalized ops and "False", filtered paths, value objects with dotted or URN keys."""
    declared = body.get("schemas") if isinstance(body, dict) else None
    if not isinstance(declared, list) or schemas.PATCH_OP not in declared:
        raise ScimError(400, f"A PATCH body is a {schemas.PATCH_OP} message.", "invalidSyntax")
    try:
        resource = model.model_validate(current, scim_ctx=Context.RESOURCE_QUERY_RESPONSE, scim_policy=schemas.POLICY)
        patch = PatchOp[model].model_validate(
            normalized_patch(body), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=schemas.POLICY
        )
        patch.patch(resource, schemas.POLICY)
    except (ValidationError, SCIMException) as exc:
        raise _scim_error(exc) from None
    return resource.model_dump(scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=schemas.POLICY)


def _project(resource, request):
    """``attributes`` / ``excludedAttributes`` (RFC 7644 §3.4.2.5) on top-level attributes
    and extension attributes; schemas, id and meta are always returned."""
    wanted = _names(request.GET.get("attributes"))
    unwanted = _names(request.GET.get("excludedAttributes"))
    if not wanted and not unwanted:
        return resource
    projected = {}
    for key, value in resource.items():
        if key in ("schemas", "id", "meta"):
            projected[key] = value
        elif isinstance(value, dict) and key.startswith("urn:"):
            inner = {k: v for k, v in value.items() if _keep(f"{key}:{k}".lower(), key.lower(), wanted, unwanted)}
            if inner:
                projected[key] = inner
        elif _keep(key.lower(), None, wanted, unwanted):
            projected[key] = value
    return projected


def _names(value):
    """Attribute names of an ``attributes`` parameter, lower case, to the top level (or to the
    extension's attribute): "name.givenName" is "name"; the core URN prefix is dropped."""
    names = set()
    extension = schemas.ENTERPRISE_USER.lower()
    for raw in (value or "").split(","):
        name = raw.strip().lower()
        for core in (schemas.CORE_USER, schemas.CORE_GROUP):
            name = name.removeprefix(core.lower() + ":")
        if name.startswith(extension):
            rest = name[len(extension) :].lstrip(":")
            name = f"{extension}:{rest.split('.')[0]}" if rest else extension
        else:
            name = name.split(".")[0]
        if name:
            names.add(name)
    return names


def _keep(name, extension, wanted, unwanted):
    if wanted:
        return name in wanted or (extension is not None and extension in wanted)
    return name not in unwanted and (extension is None or extension not in unwanted)


def _int_param(request, name, default, minimum):
    value = request.GET.get(name)
    if value in (None, ""):
        return default
    try:
        return max(int(value), minimum)
    except ValueError:
        raise ScimError(400, f"{name} must be a number.", "invalidValue") from None


def _list(request, queryset, filter_function, render):
    expression = request.GET.get("filter")
    if expression:
        try:
            queryset = filter_function(queryset, expression)
        except InvalidFilter as exc:
            raise ScimError(400, str(exc), "invalidFilter") from None
    start = _int_param(request, "startIndex", 1, 1)
    count = min(_int_param(request, "count", 100, 0), schemas.MAX_RESULTS)
    total = queryset.count()
    # A start past the end is an empty page, not an OFFSET the database cannot hold.
    page = list(queryset.order_by("id")[start - 1 : start - 1 + count]) if count and start <= total else []
    resources = [_project(render(item), request) for item in page]
    return scim_response(list_response(resources, total=total, start=start))


def _get_user(pk):
    employee_id = parse_id(pk)
    employee = user_queryset().filter(pk=employee_id).first() if employee_id else None
    if employee is None:
        raise ScimError(404, f"No User {pk}.")
    return employee


# A User write that moves a manager with many reports leaves their reporting line to a job
# (people.jobs, started in the same transaction). SCIM answers 200/201 with the User all the
# same: RFC 7644 (3.1, 3.5.1) fixes ``Location`` as the resource's own URI and the body as the
# resource, and defines no 202 or pointer to follow-up work; identity providers retry anything
# else. The User is written when the answer comes; the job is visible at /api/v1/jobs/<id>/
# (readable with the SCIM key's employees:write scope) and on the admins' job pages.
def _user_response(request, employee, status=200):
    employee = _get_user(str(employee.pk))
    return scim_response(_project(to_scim(employee), request), status, {"Location": location(employee)})


def _with_defaults(body, *, active):
    """What a User body leaves out and this server assumes (schemas.user_schema says so):
    ``active`` (true for a new User, unchanged for a replaced one) and ``emails`` when the
    userName is an e-mail address."""
    if isinstance(body, dict):
        body.setdefault("active", active)
        user_name = body.get("userName")
        if not body.get("emails") and isinstance(user_name, str) and "@" in user_name:
            body["emails"] = [{"value": user_name, "type": "work", "primary": True}]
    return body


@scim_view(("GET", "POST"))
def users(request):
    if request.method == "GET":
        return _list(request, user_queryset(), filter_employees, to_scim)
    body = _with_defaults(_body(request), active=True)
    resource = _validated(schemas.user_model(), body, Context.RESOURCE_CREATION_REQUEST)
    change = UserChange(resource)
    deleted = ScimUser.objects.filter(user_name__iexact=change.scim["user_name"], deleted_at__isnull=False).first()
    current = deleted.employee if deleted is not None else None  # provisioned again after a DELETE
    if current is not None:
        change = UserChange(resource, current=current)
    employee = save_user(change, employee=current, actor_label=request.api_key.label)
    return _user_response(request, employee, 201)


@scim_view(("GET", "PUT", "PATCH", "DELETE"))
def user(request, pk):
    employee = _get_user(pk)
    if request.method == "GET":
        return _user_response(request, employee)
    if request.method == "DELETE":
        # Termination, not erasure: obligations close and the ledger keeps its history.
        delete_user(employee, actor_label=request.api_key.label)
        return HttpResponse(status=204)
    body = _body(request)
    model = schemas.user_model()
    if request.method == "PUT":
        body = _with_defaults(body, active=employee.is_active)
        resource = _validated(model, body, Context.RESOURCE_REPLACEMENT_REQUEST)
        change = UserChange(resource, current=employee, enterprise_sent=schemas.ENTERPRISE_USER in body)
    else:
        change = UserChange(_patched(model, to_scim(employee), body), current=employee, removes_missing=True)
    employee = save_user(change, employee=employee, actor_label=request.api_key.label)
    return _user_response(request, employee)


def _get_group(pk, *, members=True):
    group_id = parse_id(pk)
    group = group_queryset(members=members).filter(pk=group_id).first() if group_id else None
    if group is None:
        raise ScimError(404, f"No Group {pk}.")
    return group


def _group_response(request, group, status=200):
    members = "members" not in _names(request.GET.get("excludedAttributes"))
    group = _get_group(str(group.pk), members=members)
    resource = _project(to_scim_group(group, members=members), request)
    return scim_response(resource, status, {"Location": group_location(group)})


@scim_view(("GET", "POST"))
def groups(request):
    if request.method == "GET":
        members = "members" not in _names(request.GET.get("excludedAttributes"))
        return _list(
            request, group_queryset(members=members), filter_groups, lambda g: to_scim_group(g, members=members)
        )
    resource = _validated(schemas.group_model(), _body(request), Context.RESOURCE_CREATION_REQUEST)
    group = save_group(GroupChange(resource), actor_label=request.api_key.label)
    return _group_response(request, group, 201)


@scim_view(("GET", "PUT", "PATCH", "DELETE"))
def group(request, pk):
    if request.method == "GET":
        return _group_response(
            request, _get_group(pk, members="members" not in _names(request.GET.get("excludedAttributes")))
        )
    current = _get_group(pk)
    if request.method == "DELETE":
        delete_group(current, actor_label=request.api_key.label)
        return HttpResponse(status=204)
    body = _body(request)
    model = schemas.group_model()
    if request.method == "PUT":
        resource = _validated(model, body, Context.RESOURCE_REPLACEMENT_REQUEST)
    else:
        resource = _patched(model, to_scim_group(current), body)
    group = save_group(GroupChange(resource), group=current, actor_label=request.api_key.label)
    return _group_response(request, group)


@scim_view(("GET",))
def service_provider_config(request):
    return scim_response(schemas.service_provider_config())


@scim_view(("GET",))
def schema_list(request, schema_id=None):
    return _all_or_one(schemas.all_schemas(), schema_id, "schema")


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
def search(request):
    """POST /.search across resource types is not offered (RFC 7644 §3.4.3 lets a server answer 501)."""
    return error_response(501, "Searching several resource types at once is not supported; use GET /Users or /Groups.")


@csrf_exempt
def not_found(request, *args, **kwargs):
    return error_response(404, f"No SCIM endpoint at {request.path}.")
