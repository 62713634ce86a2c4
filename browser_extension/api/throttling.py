from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from browser_extension.models import Device
from governance.net import client_network


class DeviceRateThrottle(SimpleRateThrottle):
    """One request budget per device (EXTENSION_THROTTLE_RATE); the pairing endpoint, which has
    no device yet, is budgeted per client address."""

    scope = "extension_device"

    def get_rate(self):
        return settings.EXTENSION_THROTTLE_RATE

    def get_cache_key(self, request, view):
        ident = f"device:{request.auth.pk}" if isinstance(request.auth, Device) else f"net:{client_network(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
