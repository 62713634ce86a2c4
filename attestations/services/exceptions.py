"""Exceptions: an employee asks not to follow a rule for a while; an officer decides.

Four eyes: nobody decides their own request (the officer who is the employee, or who filed
it); another officer must."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from attestations.models import Obligation, ObligationStatus, PolicyException
from attestations.signals import compliance_change_watch
from governance import audit
from people.models import Employee

MAX_EXCEPTION_DAYS = 365


def _terms(exception: PolicyException) -> dict[str, Any]:
    return {
        "status": exception.status,
        "expires_on": exception.expires_on.isoformat() if exception.expires_on else None,
        "rule": exception.rule_id,
        "employee": exception.employee_id,
    }


@transaction.atomic
def request_exception(
    *, employee: Employee, obligation: Obligation, reason: str, requested_days: Any, actor: Any
) -> PolicyException:
    """Record an employee's request for an exception to the rule behind ``obligation``."""
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = "Say why you need an exception."
    try:
        requested_days = int(requested_days)
    except (TypeError, ValueError):
        requested_days = 0
    if not 1 <= requested_days <= MAX_EXCEPTION_DAYS:
        errors["requested_days"] = f"Ask for between 1 and {MAX_EXCEPTION_DAYS} days."
    today = timezone.localdate()
    if obligation.employee_id != employee.pk:
        errors["obligation"] = "This obligation is not yours."
    elif obligation.closed_at is not None:
        errors["obligation"] = "This obligation is closed; there is nothing to make an exception to."
    elif PolicyException.objects.filter(
        employee=employee, rule=obligation.rule_id, status=PolicyException.Status.REQUESTED
    ).exists():
        errors["obligation"] = "You already have an open request for this tool."
    elif active := _active_exception(employee_id=employee.pk, obligation=obligation, today=today):
        errors["obligation"] = f"You already have an approved exception for this tool until {active.expires_on}."
    if errors:
        raise ValidationError(errors)
    exception = PolicyException.objects.create(
        employee=employee,
        rule_id=obligation.rule_id,
        obligation=obligation,
        reason=reason,
        requested_days=requested_days,
    )
    audit.record(actor=actor, action="exception.requested", obj=exception, after=_terms(exception))
    return exception


def _active_exception(*, employee_id: int, obligation: Obligation, today: datetime.date) -> PolicyException | None:
    return (
        PolicyException.objects.filter(
            employee_id=employee_id,
            rule__platform=obligation.platform_id,
            status=PolicyException.Status.APPROVED,
            expires_on__gte=today,
        )
        .order_by("-expires_on")
        .first()
    )


OWN_REQUEST_MESSAGE = "You cannot decide your own exception request; another compliance officer must decide it."


def is_own_request(exception: PolicyException, user: Any) -> bool:
    """Four eyes: True when ``user`` is the person the exception is for (their employee record's
    account), or the account that filed the request."""
    if user is None or not getattr(user, "pk", None):
        return False
    if exception.employee.user_id == user.pk:
        return True
    return audit.history(exception).filter(action="exception.requested", actor=user).exists()


def _lock_open(exception: PolicyException, *, actor: Any) -> PolicyException:
    locked = PolicyException.objects.select_for_update().select_related("employee").get(pk=exception.pk)
    if locked.status != PolicyException.Status.REQUESTED:
        raise ValidationError("This request has already been decided.")
    if is_own_request(locked, actor):
        raise ValidationError(OWN_REQUEST_MESSAGE)
    return locked


@transaction.atomic
def approve_exception(
    *, exception: PolicyException, expires_on: datetime.date, actor: Any, note: str = ""
) -> PolicyException:
    """Approve until ``expires_on``; the employee's open obligation for the rule becomes excepted."""
    exception = _lock_open(exception, actor=actor)
    today = timezone.localdate()
    if not isinstance(expires_on, datetime.date):
        raise ValidationError({"expires_on": "Enter the date the exception ends."})
    if expires_on <= today:
        raise ValidationError({"expires_on": "The expiry must be in the future."})
    if expires_on > today + datetime.timedelta(days=MAX_EXCEPTION_DAYS):
        raise ValidationError({"expires_on": f"An exception lasts at most {MAX_EXCEPTION_DAYS} days."})
    exception.status = PolicyException.Status.APPROVED
    exception.expires_on = expires_on
    exception.decided_by = actor
    exception.decided_at = timezone.now()
    exception.decision_note = note
    exception.save()
    # The exception covers the tool under this policy, whichever version is current now.
    rule = exception.rule
    with compliance_change_watch(exception.employee):
        Obligation.objects.open().filter(
            employee=exception.employee_id,
            platform=rule.platform_id,
            policy_version__policy=rule.version.policy_id,
        ).update(status=ObligationStatus.EXCEPTED, valid_until=expires_on, due_on=expires_on)
    audit.record(
        actor=actor, action="exception.approved", obj=exception, before={"status": "requested"}, after=_terms(exception)
    )
    return exception


@transaction.atomic
def deny_exception(*, exception: PolicyException, actor: Any, note: str = "") -> PolicyException:
    exception = _lock_open(exception, actor=actor)
    exception.status = PolicyException.Status.DENIED
    exception.decided_by = actor
    exception.decided_at = timezone.now()
    exception.decision_note = note
    exception.save()
    audit.record(
        actor=actor, action="exception.denied", obj=exception, before={"status": "requested"}, after=_terms(exception)
    )
    return exception


@transaction.atomic
def expire_exceptions(*, today: datetime.date | None = None) -> int:
    """Set obligations whose exception ran out back to pending, due today. Set-based; safe to re-run."""
    today = today or timezone.localdate()
    expired = (
        Obligation.objects.open()
        .filter(status=ObligationStatus.EXCEPTED, valid_until__lt=today)
        .update(status=ObligationStatus.PENDING, valid_until=None, due_on=today)
    )
    if expired:
        audit.record(
            actor_label="expire_exceptions",
            action="exceptions.expired",
            obj=audit.Subject("obligations", today.isoformat()),
            after={"obligations_reopened": expired},
        )
    return expired
