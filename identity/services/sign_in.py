"""Who a provider's subject is here, decided once, and what every single sign-on does.

A subject seen for the first time is linked to an employee record by the HR id (the
employee-number claim equals ``Employee.external_id``) or else by the e-mail address, and only
when the provider says it verified that address. The link is then kept (allauth's
``SocialAccount``) and keys every later sign-in. The rules, in order:

- nobody HR lists: refused ("not in the HR records yet"), unless the provider has
  just-in-time creation switched on (off by default; it needs a verified address in one of the
  provider's allowed domains) which creates the employee record through the HR upsert;
- a terminated employee, an inactive account, an address outside the provider's allowed
  domains: refused;
- an account with rights beyond the employee pages (staff, superuser, officer, admin; see
  ``governance.roles.is_privileged``) is never linked silently: a ``PendingLink`` waits for
  an admin to approve it;
- an employee without an account gets a plain one (no password), linked to the record.

Every sign-in then takes the provider-managed roles from the groups claim (identity.services.roles)
and is audited; so is every link and every refusal.
"""

import hashlib
from typing import Any

from allauth.socialaccount.models import SocialAccount
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance import audit, roles
from governance.models import User
from identity.claims import Claims
from identity.models import PendingLink
from identity.providers import Options
from identity.services.roles import sync_roles
from people.models import Employee
from people.services.accounts import link_account
from people.services.hr import upsert_people

NOT_IN_HR = (
    "You signed in with your organization's identity provider, but you are not in the HR records "
    "of this product yet. Once HR adds you, sign in again; if you think this is a mistake, ask your "
    "governance admin."
)


class SignInRefused(Exception):
    """A sign-in that must not happen; ``reason`` is a short code, ``str()`` the person's message."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class LinkAwaitsApproval(SignInRefused):
    """The subject would open an account with extra rights: an admin must approve the link."""

    def __init__(self, *, user: User, employee: Employee):
        super().__init__(
            "pending_approval",
            "Your account has compliance officer or admin rights, so a governance admin must confirm "
            "once that this sign-in is yours. You can sign in as soon as they have.",
        )
        self.user, self.employee = user, employee


def label(provider_id: str) -> str:
    return f"sso:{provider_id}"[:64]


def check_linked(*, user: User, claims: Claims, options: Options) -> None:
    """A subject already linked to ``user`` may sign in: the account and its record are current."""
    employee = roles.employee_of(user)
    if employee is not None and not employee.is_active:
        raise SignInRefused("terminated", "Your employee record has ended, so you can no longer sign in here.")
    if not user.is_active:
        raise SignInRefused("inactive", "This account is disabled. Ask your governance admin.")
    _check_domain(options, claims.email or user.email)


def link_subject(*, claims: Claims, options: Options, today: Any = None) -> tuple[User, str]:
    """The account a first-time subject signs in as, and how it was found ("hr_id",
    "verified_email", "just_in_time"). Raises SignInRefused (or LinkAwaitsApproval)."""
    employee, how = find_employee(claims)
    if employee is None:
        if not options.just_in_time:
            raise SignInRefused("not_in_hr", NOT_IN_HR)
        employee, how = create_just_in_time(claims=claims, options=options, today=today), "just_in_time"
    if not employee.is_active:
        raise SignInRefused("terminated", "Your employee record has ended, so you can no longer sign in here.")
    _check_domain(options, claims.email or employee.email)
    return account_for(employee=employee, claims=claims, options=options), how


def find_employee(claims: Claims) -> tuple[Employee | None, str]:
    employees = Employee.objects.select_related("user")
    if claims.employee_number:
        employee = employees.filter(external_id=claims.employee_number).first()
        if employee is not None:
            return employee, "hr_id"
    if claims.email and claims.email_verified:
        employee = employees.filter(email__iexact=claims.email).first()
        if employee is not None:
            return employee, "verified_email"
    return None, ""


def _check_domain(options: Options, email: str) -> None:
    if not options.allows_email(email):
        raise SignInRefused(
            "domain", "This identity provider may not sign in addresses of that domain here. Ask your governance admin."
        )


def account_for(*, employee: Employee, claims: Claims, options: Options) -> User:
    """The employee's account (linking the one with the record's address, or creating a plain one)."""
    user = employee.user
    if user is None:
        user = User.objects.filter(email__iexact=employee.email).first()
        if user is not None and roles.employee_of(user) is not None:
            raise SignInRefused(
                "conflict", "The account with your address belongs to another HR record. Ask your governance admin."
            )
    if user is None:
        return _create_account(employee, options)
    if not user.is_active:
        raise SignInRefused("inactive", "This account is disabled. Ask your governance admin.")
    if SocialAccount.objects.filter(user=user, provider=options.provider_id).exists():
        raise SignInRefused(
            "conflict",
            "Another sign-in of this identity provider is already linked to your account. Ask your governance admin.",
        )
    if roles.is_privileged(user):
        raise LinkAwaitsApproval(user=user, employee=employee)
    if employee.user_id is None:
        link_account(employee=employee, user=user, actor=None, actor_label=label(options.provider_id))
    return user


@transaction.atomic
def _create_account(employee: Employee, options: Options) -> User:
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=employee.email, full_name=employee.full_name)
    except IntegrityError as error:  # another sign-in created it meanwhile
        raise SignInRefused("conflict", "Your account was being created at the same time; sign in again.") from error
    audit.record(
        actor_label=label(options.provider_id),
        action="account.created",
        obj=user,
        after={"email": user.email, "by": "single sign-on", "employee": employee.pk},
    )
    link_account(employee=employee, user=user, actor=None, actor_label=label(options.provider_id))
    return user


def request_approval(*, waiting: LinkAwaitsApproval, claims: Claims, options: Options) -> PendingLink:
    """The open PendingLink for this subject (created once, audited), for an admin to decide."""
    user, employee = waiting.user, waiting.employee
    snapshot = {
        "email": claims.email,
        "email_verified": claims.email_verified,
        "employee_number": claims.employee_number,
        "full_name": claims.full_name,
        "groups": list(claims.groups),
    }
    pending, created = PendingLink.objects.get_or_create(
        provider_id=options.provider_id,
        uid=claims.subject,
        status=PendingLink.Status.PENDING,
        defaults={"user": user, "employee": employee, "claims": snapshot},
    )
    if created:
        audit.record(
            actor_label=label(options.provider_id),
            action="identity.link_requested",
            obj=pending,
            after={
                "provider": options.provider_id,
                "subject": claims.subject,
                "user": user.pk,
                "employee": employee.pk,
            },
        )
    return pending


def create_just_in_time(*, claims: Claims, options: Options, today: Any = None) -> Employee:
    """A new employee record (HR upsert: validation, obligations, audit) for a verified address
    in an allowed domain. Its HR id is the provider's employee number, else one derived from
    the provider and subject."""
    if not (claims.email and claims.email_verified and options.allowed_email_domains):
        raise SignInRefused("not_in_hr", NOT_IN_HR)
    _check_domain(options, claims.email)
    digest = hashlib.sha256(f"{options.provider_id}\0{claims.subject}".encode()).hexdigest()[:40]
    external_id = claims.employee_number or f"sso-{digest}"
    row = {"external_id": external_id, "email": claims.email, "full_name": claims.full_name or claims.email}
    outcome = upsert_people(employee_rows=[(0, row)], actor_label=label(options.provider_id), today=today)
    if outcome.employees.failed:
        raise SignInRefused("not_in_hr", NOT_IN_HR)
    employee = Employee.objects.select_related("user").get(external_id=external_id)
    audit.record(
        actor_label=label(options.provider_id),
        action="employee.created_just_in_time",
        obj=employee,
        after={"provider": options.provider_id, "subject": claims.subject, "email": claims.email},
    )
    return employee


def record_link(*, user: User, claims: Claims, options: Options, how: str) -> None:
    audit.record(
        actor=user,
        actor_label=label(options.provider_id),
        action="identity.subject_linked",
        obj=user,
        after={"provider": options.provider_id, "subject": claims.subject, "how": how},
    )


def finish_sign_in(*, user: User, claims: Claims, options: Options) -> None:
    """Roles from the groups claim (at every sign-in), then the sign-in's audit event."""
    sync_roles(user, claims.groups, source=label(options.provider_id), actor_label=label(options.provider_id))
    audit.record(
        actor=user,
        actor_label=label(options.provider_id),
        action="account.signed_in",
        obj=user,
        after={"method": "single sign-on", "provider": options.provider_id, "subject": claims.subject},
    )


def record_refusal(*, provider_id: str, subject: str, email: str, reason: str) -> None:
    audit.record(
        actor_label=label(provider_id),
        action="account.sign_in_refused",
        obj=audit.Subject("sso_subject", f"{provider_id}:{subject}"),
        after={"provider": provider_id, "subject": subject, "email": email, "reason": reason},
    )


@transaction.atomic
def approve_link(*, pending: PendingLink, actor: Any, now: Any = None) -> SocialAccount:
    """Admin action: the pending subject now signs in as its account (and its record is linked)."""
    now = now or timezone.now()
    if not PendingLink.objects.filter(pk=pending.pk, status=PendingLink.Status.PENDING).update(
        status=PendingLink.Status.APPROVED, decided_at=now, decided_by=actor
    ):
        raise SignInRefused("decided", "This link was already decided.")
    account = SocialAccount.objects.create(user=pending.user, provider=pending.provider_id, uid=pending.uid)
    employee = pending.employee
    if employee is not None and employee.user_id is None and roles.employee_of(pending.user) is None:
        link_account(employee=employee, user=pending.user, actor=actor)
    audit.record(
        actor=actor,
        action="identity.link_approved",
        obj=pending,
        after={"provider": pending.provider_id, "subject": pending.uid, "user": pending.user_id},
    )
    return account


def refuse_link(*, pending: PendingLink, actor: Any, now: Any = None) -> bool:
    now = now or timezone.now()
    done = PendingLink.objects.filter(pk=pending.pk, status=PendingLink.Status.PENDING).update(
        status=PendingLink.Status.REFUSED, decided_at=now, decided_by=actor
    )
    if done:
        audit.record(actor=actor, action="identity.link_refused", obj=pending, after={"subject": pending.uid})
    return bool(done)
