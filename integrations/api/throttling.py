"""Request budgets for integrations (REST API and SCIM).

- Every API key has one budget (``api_key`` rate) that its REST and SCIM requests share;
  signed-in people have one per account.
- Presenting a wrong, unknown or revoked key is counted per client address
  (``FAILED_KEY_RATE``): after that many failures the address gets 429 for the rest of the
  window, whatever key it sends, so keys cannot be guessed or sprayed.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from governance.credentials import RefusedCredentials
from governance.net import client_network
from integrations.models import ApiKey

FAILED_KEY_GROUP = "api-key-failures"


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self):
        # Read at request time so a changed setting takes effect without a restart of the class.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def __init__(self):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_ident(self, request):
        return client_network(request)

    def get_cache_key(self, request, view):
        # A DRF request carries the key as ``auth``; a SCIM request (plain Django) as ``api_key``.
        api_key = getattr(request, "auth", None) or getattr(request, "api_key", None)
        if isinstance(api_key, ApiKey):
            ident = f"key:{api_key.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            return None  # anonymous requests reach only the public schema and docs
        return self.cache_format % {"scope": self.scope, "ident": ident}


def key_budget_wait(request):
    """For callers outside DRF (SCIM): spend one request of the key's budget; the seconds to
    wait when it is spent, None when the request may go ahead."""
    throttle = ApiKeyRateThrottle()
    if throttle.allow_request(request, None):
        return None
    return max(1, round(throttle.wait() or 1))


FAILED_KEYS = RefusedCredentials(group=FAILED_KEY_GROUP, rate_setting="FAILED_KEY_RATE")


def failed_key_wait(request):
    """Seconds this address must wait because it sent too many wrong keys, or None."""
    return FAILED_KEYS.wait(request)


def record_failed_key(request):
    """Count one wrong, unknown or revoked key from this request's address."""
    FAILED_KEYS.record(request)
