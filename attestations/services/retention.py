"""Retention: erase former employees' personal data without breaking the ledger's chain.

What is erased, for a person terminated longer ago than ``LEDGER_PERSONAL_DATA_RETENTION_DAYS``
(counted from ``terminated_on``; the daily ``governance.erase_expired_personal_data`` task) or
earlier on a governance admin's recorded decision (:func:`erase_former_employee`):

- the personal data rows of their format-2 ledger records (typed signature, IP address, user
  agent and the salt): the records keep their salted digest, so their hashes, the checkpoints
  and every exported package still verify;
- their evidence files' content (the SHA-256 stays, on the Evidence row and in the records);
- their name and e-mail address on the Employee row, replaced by placeholders derived from the
  id (ids, HR id, department and dates stay, so the figures of past reports stay explainable);
- their sign-in account's name and e-mail address (placeholders), its password and its single
  sign-on links: the account is switched off for good.

Kept forever: that each attestation happened, by which employee id, under which policy version,
on which tool, with which answers, when, and its hash. Format-1 records (written before
retention existed) hash their personal fields themselves: erasing those would break the chain,
so they are kept whole and each erasure says how many it kept.

Each erasure is audit-logged (who or which job, why, and how much was erased; never the erased
values). The work is idempotent: what was erased is not a candidate again.
"""

import datetime
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import CharField, Count, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from attestations.models import Attestation, AttestationPersonalData, Evidence
from governance import audit
from governance.roles import is_governance_admin
from governance.validators import control_character_message
from people.models import Employee

logger = logging.getLogger(__name__)

PLACEHOLDER_DOMAIN = "erased.invalid"
PLACEHOLDER_NAME = "Former employee"
CHUNK = 500
REASON_MAX = 500
JOB_LABEL = "retention job"


class RetentionRefused(ValueError):
    """An erasure that must not happen (a current employee, no reason, not an admin)."""


def placeholder_email(employee_id: int) -> str:
    return f"erased-{employee_id}@{PLACEHOLDER_DOMAIN}"


def placeholder_name(employee_id: int) -> str:
    return f"{PLACEHOLDER_NAME} {employee_id}"


def retention_days() -> int:
    days = settings.LEDGER_PERSONAL_DATA_RETENTION_DAYS
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise ImproperlyConfigured("LEDGER_PERSONAL_DATA_RETENTION_DAYS must be a whole number of days, 0 or more.")
    return days


def retention_cutoff(today: datetime.date) -> datetime.date:
    """People terminated on or before this day are past the retention period on ``today``."""
    return today - datetime.timedelta(days=retention_days())


def _has_something_to_erase() -> Q:
    return (
        Q(Exists(AttestationPersonalData.objects.filter(attestation__employee=OuterRef("pk"), erased_at__isnull=True)))
        | Q(Exists(Evidence.objects.filter(employee=OuterRef("pk"), erased_at__isnull=True)))
        | ~Q(email=Concat(Value("erased-"), Cast("pk", CharField()), Value(f"@{PLACEHOLDER_DOMAIN}")))
    )


def past_retention(*, today: datetime.date) -> models.QuerySet[Employee]:
    """Former employees past the retention period on ``today`` with personal data left."""
    return Employee.objects.filter(
        status=Employee.Status.TERMINATED, terminated_on__lte=retention_cutoff(today)
    ).filter(_has_something_to_erase())


def _per_employee(queryset: models.QuerySet, field: str) -> dict[int, int]:
    return {row[field]: row["n"] for row in queryset.values(field).annotate(n=Count("pk")).order_by()}


def _delete_files(names: list[str]) -> None:
    storage = Evidence._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Could not delete the erased evidence file %s; delete it by hand", name)


def _erase_accounts(employee_ids: list[int]) -> None:
    """These people's sign-in accounts: name and e-mail address replaced by placeholders derived
    from the account's id, switched off with no usable password, and their single sign-on links
    and e-mail addresses (allauth's rows, which hold the provider's subject and the address)
    deleted, so that no provider can sign in as them again. The audit log keeps the account's
    id only (events that quoted an address in their before/after values keep it: README)."""
    user_ids = list(Employee.objects.filter(pk__in=employee_ids, user__isnull=False).values_list("user_id", flat=True))
    if not user_ids:
        return
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    SocialAccount.objects.filter(user_id__in=user_ids).delete()
    EmailAddress.objects.filter(user_id__in=user_ids).delete()
    id_text = Cast("pk", CharField())
    get_user_model().objects.filter(pk__in=user_ids).update(
        full_name=Concat(Value(f"{PLACEHOLDER_NAME} account "), id_text),
        email=Concat(Value("erased-account-"), id_text, Value(f"@{PLACEHOLDER_DOMAIN}")),
        is_active=False,
        password=make_password(None),
    )


def _erase(*, employee_ids: list[int], now: datetime.datetime) -> dict[int, dict[str, int]]:
    """Erase these people's personal data in the caller's transaction: a few statements for the
    whole batch. Returns, per employee, what was erased and how many old-format records were kept."""
    personal = AttestationPersonalData.objects.filter(attestation__employee_id__in=employee_ids, erased_at__isnull=True)
    records = _per_employee(personal, "attestation__employee_id")
    personal.erase(now=now)
    evidence = list(
        Evidence.objects.filter(employee_id__in=employee_ids, erased_at__isnull=True).values_list(
            "pk", "employee_id", "file"
        )
    )
    Evidence.objects.filter(pk__in=[pk for pk, _, _ in evidence]).update(file="", erased_at=now)
    files = [name for _, _, name in evidence if name]
    if files:
        transaction.on_commit(lambda: _delete_files(files))
    kept = _per_employee(
        Attestation.objects.filter(employee_id__in=employee_ids, format=Attestation.RAW_FORMAT).exclude(
            signature="", ip_address__isnull=True, user_agent=""
        ),
        "employee_id",
    )
    _erase_accounts(employee_ids)
    id_text = Cast("pk", CharField())
    Employee.objects.filter(pk__in=employee_ids).update(
        full_name=Concat(Value(f"{PLACEHOLDER_NAME} "), id_text),
        email=Concat(Value("erased-"), id_text, Value(f"@{PLACEHOLDER_DOMAIN}")),
        updated_at=now,
    )
    return {
        pk: {
            "records_erased": records.get(pk, 0),
            "evidence_files_erased": sum(1 for _, owner, _ in evidence if owner == pk),
            "old_format_records_kept": kept.get(pk, 0),
        }
        for pk in employee_ids
    }


def _totals(outcomes: dict[int, dict[str, int]]) -> dict[str, int]:
    totals = {"employees": len(outcomes), "records_erased": 0, "evidence_files_erased": 0, "old_format_records_kept": 0}
    for counts in outcomes.values():
        for name, value in counts.items():
            totals[name] += value
    return totals


def erase_expired_personal_data(
    *, today: datetime.date, now: datetime.datetime | None = None, chunk_size: int = CHUNK
) -> dict[str, int]:
    """The daily job: erase the personal data of every former employee past the retention period
    on ``today``, ``chunk_size`` people per transaction. Safe to run twice (the second finds
    nothing). Returns the totals."""
    now = now or timezone.now()
    days = retention_days()
    outcomes: dict[int, dict[str, int]] = {}
    last = 0
    while True:
        ids = list(
            past_retention(today=today).filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            break
        with transaction.atomic():
            erased = _erase(employee_ids=ids, now=now)
            audit.record_many(
                audit.event(
                    action="employee.personal_data_erased",
                    obj=audit.Subject.row(Employee, pk),
                    after={**counts, "retention_days": days, "today": today.isoformat()},
                    actor_label=JOB_LABEL,
                )
                for pk, counts in erased.items()
            )
        outcomes.update(erased)
        last = ids[-1]
    totals = _totals(outcomes)
    if outcomes:
        logger.info("Retention: personal data of %s former employees erased: %s", len(outcomes), totals)
    return totals


def erase_former_employee(
    *, employee: Employee, actor: Any, reason: str, now: datetime.datetime | None = None
) -> dict[str, int]:
    """A governance admin's recorded decision to erase one former employee's personal data
    before the retention period ends (an erasure request with no duty left to keep it).

    Refuses (``RetentionRefused``) a current employee (active or on leave: their records are
    still in use), a blank or over-long reason or one with control characters, and an actor who
    is not a governance admin. Audit-logged with the actor and the reason. Returns the counts."""
    reason = (reason or "").strip()
    if not reason:
        raise RetentionRefused("Give the reason for erasing this person's data early (e.g. the erasure request).")
    if len(reason) > REASON_MAX:
        raise RetentionRefused(f"The reason is at most {REASON_MAX} characters.")
    problem = control_character_message(reason)
    if problem:
        raise RetentionRefused(problem)
    if actor is None or not is_governance_admin(actor):
        raise RetentionRefused("Only a governance admin may decide to erase a person's data.")
    now = now or timezone.now()
    with transaction.atomic():
        current = Employee.objects.select_for_update().get(pk=employee.pk)
        if current.status != Employee.Status.TERMINATED:
            raise RetentionRefused(
                f"Employee {current.pk} is {current.get_status_display().lower()}, not a former employee: "
                "a current employee's data is never erased."
            )
        counts = _erase(employee_ids=[current.pk], now=now)[current.pk]
        audit.record(
            actor=actor,
            action="employee.personal_data_erased_on_decision",
            obj=audit.Subject.row(Employee, current.pk),
            after={**counts, "reason": reason},
        )
    employee.refresh_from_db()
    return _totals({employee.pk: counts})
