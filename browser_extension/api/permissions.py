from rest_framework.permissions import BasePermission

from browser_extension.models import Device


class IsPairedDevice(BasePermission):
    """Only a request authenticated by a device token (DeviceTokenAuthentication)."""

    message = "Send this browser's device token: Authorization: Bearer <token>."

    def has_permission(self, request, view):
        return isinstance(request.auth, Device)
