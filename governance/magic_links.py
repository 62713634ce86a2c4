"""One-click sign-in links for reminder e-mails (stand-in until the attestation feature's
module replaces this file at merge; the signature is the shared contract)."""

from django.conf import settings
from django.core.signing import TimestampSigner

SALT = "governance.magic-login"


def make_login_link(employee):
    """An absolute URL that signs ``employee`` in with one click (signed, time-limited)."""
    token = TimestampSigner(salt=SALT).sign(str(employee.pk))
    return f"{settings.SITE_URL}/me/login/{token}/"
