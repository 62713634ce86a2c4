"""``Authorization: Bearer <key>`` for integrations."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from governance.credentials import CredentialPrincipal
from integrations.api.throttling import failed_key_wait, record_failed_key
from integrations.keys import authenticate_key


class ApiKeyPrincipal(CredentialPrincipal):
    """The request.user of a key-authenticated request (governance.credentials): a key reaches
    only what its scopes allow."""

    def __init__(self, api_key):
        self.api_key = api_key

    def __str__(self):
        return self.api_key.label


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, raw = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        wait = failed_key_wait(request)
        if wait is not None:
            raise exceptions.Throttled(wait, "Too many requests with a wrong API key from this address.")
        raw = raw.strip()
        if not raw or " " in raw:
            record_failed_key(request)
            raise exceptions.AuthenticationFailed("Send the key as: Authorization: Bearer <key>.")
        api_key = authenticate_key(raw)
        if api_key is None:
            record_failed_key(request)
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.")
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key created by a governance admin (Integrations page or "
            "`manage.py create_api_key`). Each endpoint lists the scope it needs.",
        }
