"""``Authorization: Bearer gext_...``: a paired device, for the extension's own endpoints only.

This class is the only way into /api/extension/v1/ (besides the pairing endpoint, which takes a
code): the views accept no session and no API key, and the device's principal has no role and
no account, so nothing else in the product (the officers' pages, /api/v1/) opens for it."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from browser_extension import services, tokens
from browser_extension.models import Device
from governance.credentials import CredentialPrincipal, RefusedCredentials
from people.models import Employee

FAILED_TOKEN_GROUP = "extension-token-failures"


class DevicePrincipal(CredentialPrincipal):
    """The request.user of a device request (governance.credentials): no role, no account."""

    def __init__(self, device: Device):
        self.device = device
        self.employee = device.employee

    def __str__(self):
        return f"extension device {self.device.pk}"


FAILED = RefusedCredentials(group=FAILED_TOKEN_GROUP, rate_setting="EXTENSION_FAILED_TOKEN_RATE")


def failed_wait(request):
    """Seconds this address must wait after too many refused tokens or codes, or None."""
    return FAILED.wait(request)


def record_failure(request):
    FAILED.record(request)


class Refused(exceptions.AuthenticationFailed):
    def __init__(self, detail, code):
        super().__init__(detail, code)


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _, raw = header.partition(" ")
        if not header or keyword.lower() != self.keyword.lower():
            return None  # the permission answers 401: this endpoint needs a device token
        wait = failed_wait(request)
        if wait is not None:
            raise exceptions.Throttled(wait, "Too many refused tokens from this address.")
        raw = raw.strip()
        device = None
        if raw.startswith(tokens.TOKEN_PREFIX) and " " not in raw:
            device = Device.objects.select_related("employee").filter(token_hash=tokens.token_digest(raw)).first()
        if device is None:
            record_failure(request)
            raise Refused("Unknown device token. Pair the extension again from your My AI tools page.", "unknown_token")
        if device.revoked_at is not None:
            record_failure(request)
            raise Refused("This device was revoked. Pair the extension again from your My AI tools page.", "revoked")
        if device.employee.status == Employee.Status.TERMINATED:
            raise Refused("This device's employee record is no longer active.", "inactive")
        services.device_seen(device=device)
        return DevicePrincipal(device), device

    def authenticate_header(self, request):
        return f'{self.keyword} realm="extension"'


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "browser_extension.api.authentication.DeviceTokenAuthentication"
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A paired browser's device token (`gext_...`), from POST /api/extension/v1/pair. "
            "It reads and writes only its own employee's status and signals; API keys and sessions are refused here, "
            "and it opens nothing else.",
        }
