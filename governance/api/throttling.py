"""Per-key throttling: every API key has its own budget; signed-in people one per account."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from governance.models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self):
        # Read at request time so a changed setting takes effect without a restart of the class.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def __init__(self):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            return None  # anonymous requests reach only the public schema and docs
        return self.cache_format % {"scope": self.scope, "ident": ident}
