"""Requests authenticated by a credential that is not an account: an integration's API key
(integrations.api) or a paired browser's device token (browser_extension.api).

- :class:`CredentialPrincipal` is such a request's ``request.user``: authenticated, but not a
  User, with no role, no group, no employee record and no permission, so that role checks
  (governance.roles) find nothing and only what the credential itself allows opens.
- :class:`RefusedCredentials` counts wrong, unknown or revoked credentials per client address
  (django-ratelimit's window): past the rate, the address waits out the window whatever it
  sends, so that credentials cannot be guessed or sprayed.
"""

from typing import Any

from django.conf import settings
from django_ratelimit.core import get_usage

from governance.net import client_network


class CredentialPrincipal:
    """The request.user of a request a credential authenticated (subclasses say which)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = False
    is_staff = False
    pk = None
    id = None

    def has_perm(self, *args: Any, **kwargs: Any) -> bool:
        return False


class RefusedCredentials:
    """Refused credentials of one kind (``group``), counted per address at the rate the setting
    named ``rate_setting`` gives (read at request time)."""

    def __init__(self, *, group: str, rate_setting: str) -> None:
        self.group = group
        self.rate_setting = rate_setting

    def _usage(self, request: Any, *, increment: bool) -> dict[str, Any] | None:
        return get_usage(
            request,
            group=self.group,
            key=lambda group, request: client_network(request) or "",
            rate=getattr(settings, self.rate_setting),
            increment=increment,
        )

    def wait(self, request: Any) -> int | None:
        """Seconds this address must wait after too many refused credentials, or None."""
        usage = self._usage(request, increment=False)
        if usage is None or usage["count"] < usage["limit"]:
            return None
        return max(1, usage["time_left"])

    def record(self, request: Any) -> None:
        """Count one refused credential from this request's address."""
        self._usage(request, increment=True)
