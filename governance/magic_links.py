"""Signed one-click sign-in links for reminder e-mails.

A link carries the employee's id and a random nonce, signed with the project's secret
(django.core.signing, salted for this purpose) and time-stamped. It is valid for
``settings.MAGIC_LINK_MAX_AGE`` (7 days by default), bound to the employee it was made for,
and signs in once: the nonce is stored when used (LoginLinkUse, unique) and a second use is
refused. Following a link opens /me/.

Trade-off, stated: the link signs in on GET so that one click is enough. Mail scanners that
pre-fetch links can therefore use it up; the employee then sees the normal sign-in form with
a clear message, never someone else's account.
"""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse

from governance.models import Employee, User
from governance.models.ledger import LoginLinkUse

SALT = "governance.magic_links.login"


class LinkRefused(Exception):
    """Why a link does not sign anyone in; ``str()`` is the message shown to the person."""


@dataclass(frozen=True)
class LinkPayload:
    employee_id: int
    nonce: str


def _sign(signer, employee):
    return signer.sign_object({"e": employee.pk, "n": secrets.token_urlsafe(18)})


def make_token(employee):
    return _sign(signing.TimestampSigner(salt=SALT), employee)


def make_login_link(employee):
    """Absolute URL (settings.SITE_URL) that signs ``employee`` in once and opens /me/."""
    return login_link_maker()(employee)


def login_link_maker():
    """``make_login_link`` for many employees (a reminder run): the signer and the URL around
    the token are made once, so each link costs one signing call and no URL reversing."""
    signer = signing.TimestampSigner(salt=SALT)
    placeholder = "TOKEN"  # tokens use only characters that reverse() leaves as they are
    before, after = reverse("magic-login", args=[placeholder]).split(placeholder)
    prefix = settings.SITE_URL + before

    def make(employee):
        return f"{prefix}{_sign(signer, employee)}{after}"

    return make


def _max_age_seconds():
    max_age = settings.MAGIC_LINK_MAX_AGE
    return max_age.total_seconds() if hasattr(max_age, "total_seconds") else int(max_age)


def read_token(token):
    """The link's payload; raises LinkRefused when it is tampered with or expired."""
    try:
        data = signing.loads(token, salt=SALT, max_age=_max_age_seconds())
    except signing.SignatureExpired as error:
        days = max(1, round(_max_age_seconds() / 86400))
        raise LinkRefused(
            f"This sign-in link has expired (links are valid for {days} day{'s' if days != 1 else ''}). Sign in below."
        ) from error
    except signing.BadSignature as error:
        raise LinkRefused(
            "This sign-in link is not valid. It may have been cut off or changed. Sign in below."
        ) from error
    if not isinstance(data, dict) or not isinstance(data.get("e"), int) or not isinstance(data.get("n"), str):
        raise LinkRefused("This sign-in link is not valid. Sign in below.")
    return LinkPayload(employee_id=data["e"], nonce=data["n"])


def belongs_to(token, user):
    """True when the (valid, unexpired) link was made for ``user``'s employee record."""
    payload = read_token(token)
    return Employee.objects.filter(pk=payload.employee_id, user=user).exists()


def redeem(token):
    """Use the link: returns the User to sign in, creating the account for an employee who has
    none yet (unusable password). Raises LinkRefused for an expired, tampered or reused link,
    or for an employee who left."""
    payload = read_token(token)
    employee = Employee.objects.select_related("user").filter(pk=payload.employee_id).first()
    if employee is None or not employee.is_active:
        raise LinkRefused("This sign-in link is no longer valid. Sign in below.")
    if employee.user is None and User.objects.filter(email__iexact=employee.email, employee__isnull=False).exists():
        raise LinkRefused("This sign-in link cannot be used for this account. Sign in below.")
    try:
        with transaction.atomic():
            LoginLinkUse.objects.create(nonce=payload.nonce, employee=employee)
            user = employee.user
            if user is None:
                user = User.objects.filter(email__iexact=employee.email).first()
                if user is None:
                    user = User.objects.create_user(email=employee.email, full_name=employee.full_name)
                Employee.objects.filter(pk=employee.pk).update(user=user)
    except IntegrityError as error:
        raise LinkRefused(
            "This sign-in link has already been used. Each link signs you in once; sign in below."
        ) from error
    if not user.is_active:
        raise LinkRefused("This account is disabled. Ask your governance admin.")
    return user
