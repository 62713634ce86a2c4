"""Sign-in accounts as HR data touches them: linking, deprovisioning, address changes.

HR, SCIM and API data are untrusted input for identity. They may create employee records and
end them, but they never attach a record to an account that already exists (the account
confirms that itself after signing in, or an admin links it explicitly), never change an
account's login e-mail, and never grant a role. Ending an employee record ends its account's
access at once: the account is deactivated, loses every role, and gets an unusable password,
which changes the session auth hash that Django checks on every request (so every open
session ends) and the fingerprint of every sign-in link sent before (so they are dead).
A re-hire does not bring any of it back: an admin re-activates the account and grants roles
again, deliberately.
"""

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from governance import audit, outbox, roles
from governance.models import User
from people.models import Employee

logger = logging.getLogger(__name__)


def employee_awaiting_confirmation(user: Any) -> Employee | None:
    """The active employee record with this account's login e-mail that no account holds
    yet: HR lists this person, and the account may confirm that the record is theirs."""
    if not user.is_authenticated or roles.employee_of(user) is not None:
        return None
    return (
        Employee.objects.select_related("department")
        .filter(email__iexact=user.email, user__isnull=True)
        .exclude(status=Employee.Status.TERMINATED)
        .first()
    )


@transaction.atomic
def link_account(
    *, employee: Employee, user: User, actor: Any, actor_label: str = "", confirmed_by_account: bool = False
) -> Employee:
    """Attach ``employee`` to ``user``: the account confirming its own record
    (``confirmed_by_account``: the addresses must match) or an admin linking explicitly."""
    if roles.employee_of(user) is not None:
        raise ValidationError("This account is already linked to an employee record.")
    if confirmed_by_account and employee.email.lower() != user.email.lower():
        raise ValidationError("This employee record is not listed under your sign-in address.")
    if not Employee.objects.filter(pk=employee.pk, user__isnull=True).update(user=user):
        raise ValidationError("This employee record is already linked to an account.")
    employee.user = user
    audit.record(
        actor=actor,
        actor_label=actor_label,
        action="employee.account_linked",
        obj=employee,
        before={"user": None},
        after={"user": user.pk, "email": user.email, "confirmed_by_account": confirmed_by_account},
    )
    return employee


def link_same_address_accounts(
    *, employees: Iterable[Employee], actor: Any, actor_label: str = ""
) -> tuple[list[Employee], list[Employee]]:
    """Admin action: link each employee without an account to the plain account (no staff,
    superuser, officer or admin rights, no employee record yet) with the same e-mail address.
    Returns (linked, skipped): privileged accounts must confirm their record themselves."""
    linked, skipped = [], []
    for employee in employees:
        if employee.user_id is not None:
            continue
        user = User.objects.filter(email__iexact=employee.email, employee__isnull=True).first()
        if user is None:
            continue
        if roles.is_privileged(user) or not user.is_active:
            skipped.append(employee)
            continue
        link_account(employee=employee, user=user, actor=actor, actor_label=actor_label)
        linked.append(employee)
    return linked, skipped


def deprovision_accounts(*, user_ids: Sequence[int], actor: Any = None, actor_label: str = "", reason: str) -> int:
    """End the access of these accounts at once (inside the caller's transaction): inactive,
    no staff or superuser flag, no groups or permissions, an unusable password (every
    session and every sign-in link sent before dies). The audit event keeps what they had,
    so an admin can restore it deliberately. A fixed number of queries for any count."""
    users = list(User.objects.filter(pk__in=list(user_ids)).prefetch_related("groups").order_by("pk"))
    if not users:
        return 0
    events = []
    for user in users:
        before = {
            "is_active": user.is_active,
            "is_staff": user.is_staff,
            "is_superuser": user.is_superuser,
            "groups": sorted(group.name for group in user.groups.all()),
        }
        user.is_active = user.is_staff = user.is_superuser = False
        user.set_unusable_password()
        events.append(
            audit.event(
                actor=actor,
                actor_label=actor_label,
                action="account.deprovisioned",
                obj=user,
                before=before,
                after={"is_active": False, "is_staff": False, "is_superuser": False, "groups": [], "reason": reason},
            )
        )
    ids = [user.pk for user in users]
    User.objects.bulk_update(users, ["is_active", "is_staff", "is_superuser", "password"])
    User.groups.through.objects.filter(user_id__in=ids).delete()
    User.user_permissions.through.objects.filter(user_id__in=ids).delete()
    audit.record_many(events)
    return len(users)


def record_address_changes(
    *, changes: Sequence[tuple[int, str, str]], actor: Any = None, actor_label: str = ""
) -> None:
    """Audit each HR change of an employee's e-mail address (before and after) and, once the
    transaction commits, tell the old address. ``changes``: [(employee id, old, new)].

    The linked account's login e-mail stays as it is, for every account: HR data never
    changes how someone signs in. A one-click link mailed to the new address does not open
    an account that signs in with another address (notifications.magic_links)."""
    if not changes:
        return
    audit.record_many(
        audit.event(
            actor=actor,
            actor_label=actor_label,
            action="employee.email_changed",
            obj=audit.Subject.row(Employee, pk),
            before={"email": old},
            after={"email": new},
        )
        for pk, old, new in changes
    )
    notices = [[pk, old, new] for pk, old, new in changes]
    outbox.send("governance.send_address_change_notices", notices)


@shared_task(name="governance.send_address_change_notices")
def send_address_change_notices(notices: list[list[Any]]) -> None:
    """Mail each old address that HR moved its employee record to another address."""
    names = dict(Employee.objects.filter(pk__in=[pk for pk, _, _ in notices]).values_list("pk", "full_name"))
    for pk, old, new in notices:
        context = {"full_name": names.get(pk, ""), "old": old, "new": new, "site_url": settings.SITE_URL}
        message = EmailMultiAlternatives(
            subject="Your e-mail address in AI Governance was changed",
            body=render_to_string("people/email/address_changed.txt", context),
            to=[old],
        )
        message.attach_alternative(render_to_string("people/email/address_changed.html", context), "text/html")
        try:
            message.send()
        except Exception:  # one bad address must not stop the others; logged for the admin
            logger.exception("Could not tell %s that employee %s moved to another address", old, pk)
