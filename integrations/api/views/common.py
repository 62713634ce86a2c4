"""What every API view shares: problem responses in the schema, scope notes, the acting key or
person, and per-row problems of a bulk request."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from integrations.api import examples
from integrations.api.exceptions import ProblemError
from integrations.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from integrations.api.idempotency import MAX_LENGTH as IDEMPOTENCY_MAX_LENGTH
from integrations.api.idempotency import PATTERN as IDEMPOTENCY_PATTERN
from integrations.api.permissions import is_key_request

PROBLEM = OpenApiResponse(response=examples.ProblemSerializer, description="Problem details (RFC 9457).")


def problems(*codes):
    """Schema responses for error statuses, served as application/problem+json."""
    return {(code, "application/problem+json"): PROBLEM for code in codes}


ERRORS = problems(400, 401, 403, 429)
# 422: well-formed, but refers to a record that does not exist or breaks a rule between records
# (the problem's type says which: unknown-reference, rule-violated, idempotency-key-reused, ...).
REFUSED = problems(422)
ERRORS_WITH_404 = problems(400, 401, 403, 404, 429)
IDEMPOTENCY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_MAX_LENGTH, "pattern": IDEMPOTENCY_PATTERN},
    OpenApiParameter.HEADER,
    description=f"Any unique string (e.g. a UUID) of 1 to {IDEMPOTENCY_MAX_LENGTH} printable ASCII characters. "
    "A retry with the same key and body returns the first response without applying anything twice; the "
    "same key with another method, path or body is refused with 422 (type idempotency-key-reused).",
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


def row_problem(outcome):
    """The problem for a single-row write that upsert_people refused. Every field already had
    the form the schema states, so what is left is a conflict with what is stored: an e-mail
    address another record holds (409), a department or manager that does not exist, or a rule
    between fields and records (a termination date without status terminated, a cycle): 422."""
    item = outcome.errors[0]
    messages = [m for msgs in item["errors"].values() for m in msgs]
    if any("already" in m for m in messages):
        code, slug, detail = 409, "conflict", "The request conflicts with a stored record; see errors."
    elif any(m.startswith("Unknown") for m in messages):
        code, slug, detail = 422, "unknown-reference", "The request refers to a record that does not exist; see errors."
    else:
        code, slug, detail = 422, "rule-violated", "The request breaks a rule of the records; see errors."
    raise ProblemError(code, detail, errors=item["errors"], type_slug=slug)


def compliance_filters(params):
    """ComplianceFilters from params whose form was validated already: what it still refuses is
    an id that names no record (422, unknown-reference)."""
    from django.core.exceptions import ValidationError

    from compliance.selectors import ComplianceFilters

    try:
        return ComplianceFilters.from_params(params)
    except ValidationError as exc:
        raise ProblemError(
            422,
            "A filter names a record that does not exist; see errors.",
            errors=exc.message_dict,
            type_slug="unknown-reference",
        ) from None
