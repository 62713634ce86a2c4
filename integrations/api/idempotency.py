"""``Idempotency-Key``: a retried request gets the first response and changes nothing again.

A key names one request: the same caller, method, path and body. Sending it again with any
of those changed is refused (422), never answered with another request's response."""

import hashlib

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from rest_framework.response import Response

from integrations.api.exceptions import ProblemError
from integrations.api.parsers import too_large
from integrations.api.permissions import is_key_request
from integrations.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
# Printable ASCII with something besides spaces (HTTP drops the spaces around a header value).
PATTERN = r"^[ -~]*[!-~][ -~]*$"


def request_owner(request):
    return f"key:{request.auth.pk}" if is_key_request(request) else f"user:{request.user.pk}"


def run_idempotent(request, compute):
    """Run ``compute()`` (returns a Response) at most once per (caller, Idempotency-Key), for
    the method, path and body it was first sent with.

    The record is written in the same transaction as the work, so a crash leaves neither;
    a concurrent duplicate loses on the unique constraint and gets 409 without writing."""
    key = request.headers.get(HEADER)
    if key is None:
        return compute()
    if len(key) > MAX_LENGTH or not key.strip() or not key.isascii() or not key.isprintable():
        raise ProblemError(
            400,
            f"The Idempotency-Key header must be 1 to {MAX_LENGTH} printable ASCII characters.",
            errors={HEADER: [f"1 to {MAX_LENGTH} printable ASCII characters."]},
            type_slug="validation-error",
        )
    key = key.strip()
    try:
        body = request._request.body
    except RequestDataTooBig:
        raise too_large() from None
    body_hash = hashlib.sha256(body).hexdigest()
    owner = request_owner(request)
    method, path = request.method, request.path
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
            if record is not None:
                if (record.method, record.path) != (method, path):
                    raise ProblemError(
                        422,
                        f"This Idempotency-Key was already used for {record.method or 'another'} "
                        f"{record.path or 'request'}; use a new key for each request.",
                        type_slug="idempotency-key-reused",
                    )
                if record.request_hash != body_hash:
                    raise ProblemError(
                        422,
                        "This Idempotency-Key was already used with a different request body.",
                        type_slug="idempotency-key-reused",
                    )
                return Response(
                    record.response_body,
                    status=record.response_status,
                    headers={"Idempotent-Replayed": "true"},
                    content_type="application/problem+json" if record.response_status >= 400 else None,
                )
            response = compute()
            if response.status_code < 500:
                IdempotencyRecord.objects.create(
                    owner=owner,
                    key=key,
                    method=method,
                    path=path,
                    request_hash=body_hash,
                    response_status=response.status_code,
                    response_body=response.data,
                )
            return response
    except IntegrityError:
        raise ProblemError(
            409, "A request with this Idempotency-Key is being processed; retry shortly.", type_slug="conflict"
        ) from None
