"""The public keys that verify the ledger's checkpoints, for anyone: no sign-in, cacheable."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from governance import signing

# An hour: a rotation is announced by publishing the new key before it signs (README).
KEYS_MAX_AGE = 3600


@require_safe
@cache_control(public=True, max_age=KEYS_MAX_AGE)
def ledger_keys(request: HttpRequest) -> JsonResponse:
    """A JWK Set (RFC 7517/8037): every Ed25519 key the installation signs or signed with, each
    with its id (RFC 7638 thumbprint) and validity (``valid_from``/``valid_until``, ISO 8601)."""
    response = JsonResponse(signing.jwks())
    response["Access-Control-Allow-Origin"] = "*"
    return response
