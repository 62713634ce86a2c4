"""Signed one-click sign-in links for reminder e-mails.

A link carries the employee's id, a random nonce and a fingerprint, signed with the project's
secret (django.core.signing, salted for this purpose) and time-stamped. It is valid for
``settings.MAGIC_LINK_MAX_AGE`` (7 days by default) and signs in once: the nonce is stored
when used (LoginLinkUse, unique) and a second use is refused. Following a link opens /me/.

The fingerprint binds the link to the address it was mailed to and to the account it opens:
an HMAC of the employee's e-mail address and of the linked account's id, login e-mail and
password hash. When any of them changes (HR changes the address, the person changes their
password, termination makes the password unusable) every link sent before is dead.

What a link never does:

- open an account with rights beyond the employee pages (staff, superuser, compliance
  officer, governance admin): those sign in with their password or SSO, and the link leads
  to that sign-in with /me/ as the next page (``PasswordSignInRequired``);
- open an account whose login e-mail is not the address the link was mailed to (HR changed
  the employee's address: the account still signs in as before, by password);
- attach the employee record to an account that already exists: that account signs in and
  confirms the record itself (people.services.accounts);
- switch a signed-in person to someone else's account without asking (the view asks).

Trade-off, stated: the link signs in on GET so that one click is enough. Mail scanners that
pre-fetch links can therefore use it up; the employee then sees the normal sign-in form with
a clear message, never someone else's account.
"""

import datetime
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from governance import roles
from governance.models import User
from notifications.models import LoginLinkUse
from people.models import Employee

SALT = "notifications.magic_links.login"
FINGERPRINT_SALT = f"{SALT}.fingerprint"
_USED = "This sign-in link has already been used. Each link signs you in once; sign in below."


class LinkRefused(Exception):
    """Why a link does not sign anyone in; ``str()`` is the message shown to the person."""


class PasswordSignInRequired(LinkRefused):
    """The link is genuine, but its account signs in with a password (or SSO) only."""


@dataclass(frozen=True)
class LinkPayload:
    employee_id: int
    nonce: str
    fingerprint: str


@dataclass(frozen=True)
class Binding:
    """What a link's fingerprint covers besides the address: when HR last changed the address,
    and the linked account's id, login e-mail and password hash (None: no account yet)."""

    email_changed_at: datetime.datetime | None = None
    user_id: int | None = None
    user_email: str = ""
    password: str = ""


def fingerprint(*, mailed_to: str, binding: Binding) -> str:
    """The HMAC binding a link to the address it is mailed to and to ``binding``. One HMAC:
    cheap enough for every link of a reminder run."""
    parts = [
        mailed_to.lower(),
        binding.email_changed_at.isoformat() if binding.email_changed_at else "",
        str(binding.user_id or ""),
        binding.user_email.lower(),
        binding.password,
    ]
    return salted_hmac(FINGERPRINT_SALT, "\x1f".join(parts), algorithm="sha256").hexdigest()[:32]


def bindings_of(employee_ids: Iterable[int]) -> dict[int, Binding]:
    """{employee id: Binding} for the given employees (one query)."""
    rows = Employee.objects.filter(pk__in=list(employee_ids)).values_list(
        "pk", "email_changed_at", "user_id", "user__email", "user__password"
    )
    return {
        pk: Binding(email_changed_at=changed_at, user_id=user_id, user_email=email or "", password=password or "")
        for pk, changed_at, user_id, email, password in rows
    }


def _binding(employee: Employee) -> Binding:
    user = employee.user
    return Binding(
        email_changed_at=employee.email_changed_at,
        user_id=user.pk if user else None,
        user_email=user.email if user else "",
        password=user.password if user else "",
    )


def _sign(signer: signing.TimestampSigner, employee: Employee, binding: Binding) -> str:
    data = {
        "e": employee.pk,
        "n": secrets.token_urlsafe(18),
        "f": fingerprint(mailed_to=employee.email, binding=binding),
    }
    return signer.sign_object(data)


def make_token(employee: Employee) -> str:
    return _sign(signing.TimestampSigner(salt=SALT), employee, bindings_of([employee.pk])[employee.pk])


def make_login_link(employee: Employee) -> str:
    """Absolute URL (settings.SITE_URL) that signs ``employee`` in once and opens /me/."""
    return login_link_maker()(employee)


def login_link_maker() -> Callable[..., str]:
    """``make_login_link`` for many employees (a reminder run): the signer and the URL around
    the token are made once, so each link costs one signing call, one HMAC and no URL
    reversing. Pass each employee's ``binding`` (read for a whole batch, as ``bindings_of``
    does) to save the look-up per link."""
    signer = signing.TimestampSigner(salt=SALT)
    placeholder = "TOKEN"  # tokens use only characters that reverse() leaves as they are
    before, after = reverse("magic-login", args=[placeholder]).split(placeholder)
    prefix = settings.SITE_URL + before

    def make(employee: Employee, binding: Binding | None = None) -> str:
        if binding is None:
            binding = bindings_of([employee.pk])[employee.pk]
        return f"{prefix}{_sign(signer, employee, binding)}{after}"

    return make


def link_max_age_seconds() -> int:
    """MAGIC_LINK_MAX_AGE (a timedelta or seconds) in whole seconds."""
    max_age: Any = settings.MAGIC_LINK_MAX_AGE
    return int(max_age.total_seconds()) if hasattr(max_age, "total_seconds") else int(max_age)


def read_token(token: str) -> LinkPayload:
    """The link's payload; raises LinkRefused when it is tampered with or expired."""
    try:
        data = signing.loads(token, salt=SALT, max_age=link_max_age_seconds())
    except signing.SignatureExpired as error:
        days = max(1, round(link_max_age_seconds() / 86400))
        raise LinkRefused(
            f"This sign-in link has expired (links are valid for {days} day{'s' if days != 1 else ''}). Sign in below."
        ) from error
    except signing.BadSignature as error:
        raise LinkRefused(
            "This sign-in link is not valid. It may have been cut off or changed. Sign in below."
        ) from error
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("e"), int)
        or not isinstance(data.get("n"), str)
        or not isinstance(data.get("f"), str)
    ):
        raise LinkRefused("This sign-in link is not valid. Sign in below.")
    return LinkPayload(employee_id=data["e"], nonce=data["n"], fingerprint=data["f"])


def belongs_to(token: str, user: Any) -> bool:
    """True when the (valid, unexpired) link was made for ``user``'s employee record."""
    payload = read_token(token)
    return Employee.objects.filter(pk=payload.employee_id, user=user).exists()


def check(token: str) -> Employee:
    """The employee a genuine, current link is for, without using it up; raises LinkRefused
    (or PasswordSignInRequired) when the link must not sign anyone in."""
    return _check(token)[1]


def _check(token: str) -> tuple[LinkPayload, Employee]:
    payload = read_token(token)
    employee = Employee.objects.select_related("user").filter(pk=payload.employee_id).first()
    if employee is None or not employee.is_active:
        raise LinkRefused("This sign-in link is no longer valid. Sign in below.")
    user = employee.user
    expected = fingerprint(mailed_to=employee.email, binding=_binding(employee))
    if not constant_time_compare(payload.fingerprint, expected):
        raise LinkRefused(
            "This sign-in link is no longer valid: the address or the account it was sent for has changed "
            "since. Use the link in your latest reminder, or sign in below."
        )
    if LoginLinkUse.objects.filter(nonce=payload.nonce).exists():
        raise LinkRefused(_USED)
    if user is None:
        if User.objects.filter(email__iexact=employee.email).exists():
            raise PasswordSignInRequired(
                "An account with this address already exists. Sign in with it below; you will then be asked "
                "to confirm that the HR record is yours."
            )
        return payload, employee
    if not user.is_active:
        raise LinkRefused("This account is disabled. Ask your governance admin.")
    if user.email.lower() != employee.email.lower():
        raise PasswordSignInRequired(
            "This link was sent to an address that is not the one this account signs in with. "
            "Sign in with your password below."
        )
    if roles.is_privileged(user):
        raise PasswordSignInRequired(
            "This account has compliance officer or admin rights, so a sign-in link cannot open it. "
            "Sign in with your password (or single sign-on); you will then go on to My AI tools."
        )
    return payload, employee


def redeem(token: str) -> User:
    """Use the link: returns the User to sign in, creating the account for an employee who has
    none yet (a new address only: unusable password, linked to the employee). Raises
    LinkRefused for every case ``check`` refuses, and for a link used before."""
    payload, employee = _check(token)
    try:
        with transaction.atomic():
            LoginLinkUse.objects.create(nonce=payload.nonce, employee=employee)
    except IntegrityError as error:
        raise LinkRefused(_USED) from error
    user = employee.user
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(email=employee.email, full_name=employee.full_name)
                if not Employee.objects.filter(pk=employee.pk, user__isnull=True).update(user=user):
                    raise IntegrityError("the employee was linked meanwhile")
        except IntegrityError as error:
            raise LinkRefused("This sign-in link is no longer valid. Sign in below.") from error
    return user
