"""Reads for the attestation pages: an employee's obligations and records, a manager's team.

Every function returns querysets or small lists with a bounded number of queries, whatever
the number of obligations, records or reports.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page
from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet, TextField, Value
from django.db.models.functions import Replace
from django.utils.formats import date_format

from attestations.models import SATISFIED_STATUSES, Attestation, Obligation, ObligationStatus, PolicyException
from people.models import Employee
from people.selectors import reports_of
from platforms.models import Platform, RevisionKind, SettingRevision
from policies.models import PolicyVersion

TEAM_PAGE_SIZE = 50


def open_obligations_for(*, employee: Employee) -> QuerySet[Obligation]:
    """The employee's open obligations with what the cards show, in one query."""
    return (
        Obligation.objects.open()
        .filter(employee=employee)
        .select_related("platform", "policy_version__policy", "rule")
        .annotate(
            settings_count=Count("rule__required_settings", distinct=True),
            open_request=Exists(
                PolicyException.objects.filter(
                    employee=OuterRef("employee"), rule=OuterRef("rule"), status=PolicyException.Status.REQUESTED
                )
            ),
        )
        .order_by("due_on", "platform__name", "id")
    )


def _text(prefix: str = "") -> Replace:
    """The policy text with one kind of line ending, in SQL (policies.models.normalize_text)."""
    body = F(f"{prefix}body_markdown")
    text: TextField[str, str] = TextField()
    return Replace(
        Replace(body, Value("\r\n", output_field=text), Value("\n", output_field=text), output_field=text),
        Value("\r", output_field=text),
        Value("\n", output_field=text),
        output_field=text,
    )


def acknowledgments_needed(*, employee: Employee, include_done: bool = False) -> QuerySet[PolicyVersion]:
    """The versions in force of the policies behind the employee's open obligations whose text
    the employee has not acknowledged (all of them with ``include_done``). A version whose
    text is the same as one they acknowledged (line endings aside) asks nothing again: a new
    version that only changed rules does not send everyone back to re-read it. One query."""
    versions = PolicyVersion.objects.published().filter(
        policy__in=Obligation.objects.open().filter(employee=employee).values("policy_version__policy")
    )
    if not include_done:
        same_text = (
            Attestation.objects.filter(
                kind=Attestation.Kind.ACKNOWLEDGMENT, employee=employee, policy_version__policy=OuterRef("policy")
            )
            .annotate(text=_text("policy_version__"))
            .filter(text=OuterRef("text"))
        )
        versions = versions.annotate(text=_text()).exclude(Exists(same_text))
    return versions.select_related("policy").order_by("policy__name")


def last_acknowledged(*, employee: Employee, versions: Sequence[PolicyVersion]) -> dict[int, PolicyVersion]:
    """For each of ``versions``' policies, the latest version of it the employee acknowledged
    (policy id -> version; policies never acknowledged are left out). One query."""
    records = (
        Attestation.objects.filter(
            kind=Attestation.Kind.ACKNOWLEDGMENT,
            employee=employee,
            policy_version__policy__in=[version.policy_id for version in versions],
        )
        .select_related("policy_version")
        .order_by("policy_version__policy_id", "-policy_version__number")
    )
    latest: dict[int, PolicyVersion] = {}
    for record in records:
        latest.setdefault(record.policy_version.policy_id, record.policy_version)
    return latest


def records_of(*, employee: Employee) -> QuerySet[Attestation]:
    """The employee's own ledger records, newest first."""
    return (
        Attestation.objects.filter(employee=employee)
        .select_related("platform", "policy_version__policy", "obligation__policy_version")
        .order_by("-id")
    )


def current_obligation_for(*, employee: Employee, platform_id: int) -> Obligation | None:
    """The employee's open obligation for a platform (open ones are under the version in force), if any."""
    return Obligation.objects.open().filter(employee=employee, platform_id=platform_id).order_by("-id").first()


@dataclass(frozen=True)
class CardStatus:
    text: str
    badge: str
    todo: str
    done: bool


def describe(obligation: Obligation, *, today: datetime.date) -> CardStatus:
    """What a card says about an obligation: status text, badge class and what is left to do."""
    status = obligation.status
    if status == ObligationStatus.COMPLIANT:
        until = obligation.valid_until or obligation.due_on
        return CardStatus(f"Compliant until {date_format(until)}", "badge-ok", "Nothing to do until then.", True)
    if status == ObligationStatus.NOT_USED:
        until = obligation.valid_until or obligation.due_on
        return CardStatus(
            f"Not used · valid until {date_format(until)}",
            "badge-muted",
            "Nothing to do unless you start using it.",
            True,
        )
    if status == ObligationStatus.EXCEPTED:
        until = obligation.valid_until or obligation.due_on
        return CardStatus(f"Excepted until {date_format(until)}", "badge-info", "An approved exception applies.", True)
    count = getattr(obligation, "settings_count", None)
    check = f"Check {count} setting{'s' if count != 1 else ''}" if count else "Confirm how you use it"
    if status == ObligationStatus.NONCOMPLIANT:
        text = "Non-compliant"
        if obligation.due_on < today:
            text += f" · overdue since {date_format(obligation.due_on)}"
        return CardStatus(text, "badge-bad", "Change the setting and attest again, or request an exception.", False)
    if obligation.due_on < today:
        return CardStatus(f"Overdue since {date_format(obligation.due_on)}", "badge-bad", f"{check} and attest.", False)
    return CardStatus(f"Due on {date_format(obligation.due_on)}", "badge-warn", f"{check} and attest.", False)


def due_again_reasons(obligations: Sequence[Obligation]) -> dict[int, list[SettingRevision]]:
    """Why each of these obligations is due again: {obligation id: the meaningful revisions of
    the settings its rule requires made since the employee last attested, oldest first}.

    Only obligations that still need the employee (pending or non-compliant) and that were
    attested before are explained; a wording-only revision never re-opens, so never explains.
    One query whatever the number of obligations."""
    attested_at = {
        o.pk: o.last_attested_at
        for o in obligations
        if o.status not in SATISFIED_STATUSES and o.last_attested_at is not None
    }
    if not attested_at:
        return {}
    waiting = [o for o in obligations if o.pk in attested_at]
    revisions = (
        SettingRevision.objects.filter(
            kind=RevisionKind.MEANINGFUL,
            created_at__gt=min(attested_at.values()),
            setting__requirements__rule_id__in={o.rule_id for o in waiting},
        )
        .annotate(rule_id=F("setting__requirements__rule_id"))
        .order_by("created_at", "id")
    )
    by_rule: dict[int, list[SettingRevision]] = {}
    for revision in revisions:
        by_rule.setdefault(revision.rule_id, []).append(revision)
    reasons = {}
    for obligation in waiting:
        found = [r for r in by_rule.get(obligation.rule_id, []) if r.created_at > attested_at[obligation.pk]]
        if found:
            reasons[obligation.pk] = found
    return reasons


def progress(obligations: Sequence[Obligation]) -> tuple[int, int]:
    """(done, total) for a list of obligations already loaded."""
    total = len(obligations)
    done = sum(1 for obligation in obligations if obligation.status in SATISFIED_STATUSES)
    return done, total


@dataclass
class TeamRow:
    employee: Employee
    cells: list  # one Obligation or None per platform column


def team_overview(*, manager: Employee, page_number: Any = 1) -> tuple[Page, list[Platform], list[TeamRow]]:
    """A page of the manager's direct and indirect reports with each one's open obligations,
    as rows with one cell per platform: three queries per page whatever the team size."""
    from django.core.paginator import Paginator

    reports = (
        reports_of(manager=manager)
        .exclude(status=Employee.Status.TERMINATED)
        .select_related("department", "manager")
        .prefetch_related(
            Prefetch(
                "obligations",
                queryset=Obligation.objects.open().select_related("platform").order_by("platform__name"),
                to_attr="open_obligations",
            )
        )
        .order_by("full_name", "id")
    )
    page = Paginator(reports, TEAM_PAGE_SIZE).get_page(page_number)
    people = list(page.object_list)
    platforms = {}
    for person in people:
        for obligation in person.open_obligations:
            platforms[obligation.platform_id] = obligation.platform
    columns = sorted(platforms.values(), key=lambda platform: platform.name.lower())
    rows = []
    for person in people:
        by_platform = {obligation.platform_id: obligation for obligation in person.open_obligations}
        rows.append(TeamRow(employee=person, cells=[by_platform.get(platform.pk) for platform in columns]))
    return page, columns, rows


def practice_setting_ids(records: Sequence[Attestation]) -> set[int]:
    """Which settings answered in ``records`` are practices (confirmed, not switched): one query."""
    from platforms.models import ControlType, PlatformSetting

    ids = {answer["setting_id"] for record in records for answer in record.answers or () if answer.get("setting_id")}
    if not ids:
        return set()
    return set(
        PlatformSetting.objects.filter(pk__in=ids, control_type=ControlType.PRACTICE).values_list("pk", flat=True)
    )
