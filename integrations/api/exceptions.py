"""Every API error as RFC 9457 problem details (``application/problem+json``)."""

from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:ai-governance:problem:"

TYPES = {
    400: "invalid-request",
    401: "not-authenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "unprocessable",
    429: "throttled",
}


def problem(status_code, detail, *, errors=None, type_slug=None, title=None):
    """The problem-details body for a status."""
    body = {
        "type": PROBLEM_TYPE_BASE + (type_slug or TYPES.get(status_code, "error")),
        "title": title or HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def _flatten(detail):
    """DRF error details into plain strings / lists / dicts."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


class ProblemError(exceptions.APIException):
    """An error with a chosen status, detail and field errors."""

    def __init__(self, status_code, detail, *, errors=None, type_slug=None):
        self.status_code = status_code
        self.errors = errors
        self.type_slug = type_slug
        super().__init__(detail)


def problem_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(errors)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = response.status_code
    errors = None
    if isinstance(exc, ProblemError):
        detail = str(exc.detail)
        errors = exc.errors
        type_slug = exc.type_slug
    elif isinstance(exc, exceptions.ValidationError):
        detail = "The request has invalid fields; see errors."
        data = _flatten(exc.detail)
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        type_slug = "validation-error"
    else:
        detail = str(exc.detail) if hasattr(exc, "detail") else HTTPStatus(code).phrase
        type_slug = None
    if code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    body = problem(code, detail, errors=errors, type_slug=type_slug)
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    if code == status.HTTP_429_TOO_MANY_REQUESTS and getattr(exc, "wait", None) is not None:
        body["retry_after"] = int(exc.wait) if exc.wait == int(exc.wait) else int(exc.wait) + 1
        headers["Retry-After"] = str(body["retry_after"])
    return Response(body, status=code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_response(status_code, detail, **kwargs):
    """A plain Django problem response, for URLs no DRF view answers (unknown /api/ paths)."""
    return JsonResponse(problem(status_code, detail, **kwargs), status=status_code, content_type=PROBLEM_CONTENT_TYPE)


@csrf_exempt  # nothing is changed here, and a CSRF failure page would not be a problem document
def api_not_found(request, *args, **kwargs):
    return problem_response(404, f"No API endpoint at {request.path}.")
