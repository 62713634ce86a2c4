"""What every API view shares: problem responses in the schema, scope notes, the acting key or
person, and per-row problems of a bulk request."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from integrations.api import examples
from integrations.api.exceptions import ProblemError
from integrations.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from integrations.api.permissions import is_key_request

PROBLEM = OpenApiResponse(response=examples.ProblemSerializer, description="Problem details (RFC 9457).")


def problems(*codes):
    """Schema responses for error statuses, served as application/problem+json."""
    return {(code, "application/problem+json"): PROBLEM for code in codes}


ERRORS = problems(400, 401, 403, 429)
ERRORS_WITH_404 = problems(400, 401, 403, 404, 429)
IDEMPOTENCY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any unique string (e.g. a UUID). A retry with the same key and body returns the first "
    "response without applying anything twice.",
)


def scopes_note(read=None, write=None, people="Compliance officers read; governance admins write."):
    parts = []
    if read:
        parts.append(f"Scope `{read}`")
    if write:
        parts.append(f"scope `{write}`")
    return " / ".join(parts) + f". {people}"


def actor_of(request):
    """(user, label) for audit records: the signed-in person or the key's name."""
    if is_key_request(request):
        return None, request.auth.label
    return request.user, ""


def row_problem(outcome, section="employees"):
    item = outcome.errors[0]
    raise ProblemError(
        409 if any("already" in m for msgs in item["errors"].values() for m in msgs) else 400,
        "The request has invalid fields; see errors.",
        errors=item["errors"],
        type_slug="validation-error",
    )
