"""Reads of the browser extension: what a paired device may know about its own employee
(status per catalog tool), whether that person's policy turns usage signals on, and the
officers' usage figures (one place: the officers' page and the REST API call these).

Every function runs a fixed number of queries, whatever the size of the catalog or of the
organization."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.db.models import Exists, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from attestations.models import Obligation, ObligationStatus
from attestations.selectors.records import describe, open_obligations_for
from attestations.services.obligations import scope_sql
from browser_extension.models import Device, UsageSignal
from governance import db
from people.models import Employee
from platforms.models import Platform, PlatformSetting
from policies.models import PolicyVersion, RequiredSetting, ToolRule
from policies.selectors import ToolStance, employee_stances

# --- A device's own employee -----------------------------------------------------------------


def platform_hosts(platform: Platform, settings: Iterable[PlatformSetting] = ()) -> list[str]:
    """The host names of a catalog tool, from its catalog addresses (website, privacy page,
    its settings' deep links): what the extension matches the open tab's host against."""
    urls = [platform.website, platform.privacy_url, *(s.deep_link for s in settings)]
    hosts = {(urlsplit(url).hostname or "").lower().rstrip(".") for url in urls if url}
    return sorted(host for host in hosts if host)


ON_OPEN_ORDER: dict[str, int] = {ToolRule.OnOpen.BLOCK: 0, ToolRule.OnOpen.WARN: 1, ToolRule.OnOpen.NONE: 2}


def in_force_stances(stances: Sequence[ToolStance]) -> dict[int, ToolStance]:
    """Per platform, the strictest published rule that covers the person (prohibited before
    restricted before approved; employee_stances sorts them so), and among prohibiting rules
    the one that blocks before one that warns before one that does neither."""
    chosen: dict[int, ToolStance] = {}
    for stance in stances:
        current = chosen.get(stance.platform.pk)
        if current is None or (
            current.stance == stance.stance
            and ON_OPEN_ORDER.get(stance.rule.on_open, 9) < ON_OPEN_ORDER.get(current.rule.on_open, 9)
        ):
            chosen[stance.platform.pk] = stance
    return chosen


def usage_signals_on(stances: Sequence[ToolStance]) -> bool:
    """Whether the policy in force for the person turns usage signals on: a published version
    with a rule that covers them says so (and its text tells them)."""
    return any(stance.rule.version.usage_signals for stance in stances)


def _obligation_state(obligation: Obligation, today: datetime.date) -> str:
    if obligation.is_overdue(today):
        return "overdue"
    if obligation.status in (ObligationStatus.PENDING, ObligationStatus.NONCOMPLIANT):
        return "due" if obligation.status == ObligationStatus.PENDING else "noncompliant"
    return str(obligation.status)


def _stance_payload(stance: ToolStance | None) -> dict[str, Any]:
    if stance is None:
        return {
            "stance": "none",
            "summary": "No rule of our policy covers this tool for you.",
            "on_open": ToolRule.OnOpen.NONE,
            "policy": None,
        }
    version = stance.rule.version
    return {
        "stance": stance.stance,
        "summary": stance.summary,
        "note": stance.notes,
        "terms": stance.terms,
        "alternatives": [{"id": p.slug, "name": p.name} for p in stance.alternatives],
        "on_open": stance.rule.on_open if stance.stance == ToolRule.Stance.PROHIBITED else ToolRule.OnOpen.NONE,
        "policy": {"name": version.policy.name, "version": version.number},
    }


SETTING_FIELDS = (
    "id",
    "platform_id",
    "key",
    "label",
    "values",
    "safe_value",
    "control_type",
    "deep_link",
    "revision",
    "settings_url_patterns",
    "probe",
    "probe_verified_on",
    "probe_revision",
)


def _required_values(obligations: Iterable[Obligation]) -> dict[tuple[int, int], str]:
    """(rule id, setting id) -> the value the rule requires, for these obligations' rules: one query."""
    rule_ids = {obligation.rule_id for obligation in obligations}
    if not rule_ids:
        return {}
    rows = RequiredSetting.objects.filter(rule_id__in=rule_ids).values_list("rule_id", "setting_id", "required_value")
    return {(rule_id, setting_id): value for rule_id, setting_id, value in rows}


def _settings_payload(
    settings: Iterable[PlatformSetting], obligation: Obligation | None, required: dict[tuple[int, int], str]
) -> list[dict[str, Any]]:
    """A tool's settings as the extension points at them on its settings pages: the catalog label,
    the value this person's obligation requires (``required``, None when it asks nothing of it;
    ``safe_value`` always), where the control lives and the probe that reads it, with their revisions."""
    payload = []
    for setting in settings:
        required_value = required.get((obligation.rule_id, setting.pk)) if obligation is not None else None
        payload.append(
            {
                "key": setting.key,
                "label": setting.label,
                "values": setting.values,
                "safe_value": setting.safe_value,
                "required": required_value,
                "revision": setting.revision,
                "url_patterns": setting.settings_url_patterns,
                "probe": setting.probe or None,
                "probe_revision": setting.probe_revision if setting.probe else None,
                "probe_verified": setting.probe_verified,
                "probe_verified_on": setting.probe_verified_on.isoformat() if setting.probe_verified_on else None,
            }
        )
    return payload


def extension_status(*, employee: Employee, today: datetime.date, absolute: Any) -> dict[str, Any]:
    """What the extension shows for ``employee``: per catalog tool its hosts, the stance of the
    rule in force for them, the policy version, their obligation's status and the attest page
    (``absolute(path)`` makes the address absolute), and its settings with where they live on the
    tool's site and the probes that read them. Six queries whatever the catalog."""
    stances = employee_stances(employee=employee)  # rules, their departments
    chosen = in_force_stances(stances)
    obligations: dict[int, Obligation] = {}
    for obligation in open_obligations_for(employee=employee):  # most urgent first
        obligations.setdefault(obligation.platform_id, obligation)
    platforms = Platform.objects.order_by("name").prefetch_related(
        Prefetch("settings", queryset=PlatformSetting.objects.only(*SETTING_FIELDS).order_by("key"))
    )
    required = _required_values(obligations.values())
    tools = []
    for platform in platforms:
        current = obligations.get(platform.pk)
        status = None
        if current is not None:
            status = {
                "id": current.pk,
                "state": _obligation_state(current, today),
                "text": describe(current, today=today).text,
                "due_on": current.due_on.isoformat(),
                "valid_until": current.valid_until.isoformat() if current.valid_until else None,
                "attest_url": absolute(reverse("me-tool", args=[current.pk])),
            }
        tools.append(
            {
                "id": platform.slug,
                "name": platform.name,
                "hosts": platform_hosts(platform, platform.settings.all()),
                **_stance_payload(chosen.get(platform.pk)),
                "obligation": status,
                "settings": _settings_payload(platform.settings.all(), current, required),
            }
        )
    return {
        "employee": {"name": employee.full_name},
        "today": today.isoformat(),
        "usage_signals": usage_signals_on(stances),
        "me_url": absolute(reverse("me")),
        "tools": tools,
    }


def devices_of(*, employee: Employee) -> list[Device]:
    """The employee's paired devices that are not revoked, newest first."""
    return list(Device.objects.filter(employee=employee, revoked_at__isnull=True).order_by("-created_at", "-id"))


# --- Officers' figures -----------------------------------------------------------------------


@dataclass(frozen=True)
class ToolCount:
    platform: Platform
    people: int


@dataclass(frozen=True)
class Contradiction:
    """Someone attested "I do not use this tool" and their browser opened it afterwards: a
    question to follow up, not a verdict."""

    employee: Employee
    platform: Platform
    attested_at: datetime.datetime
    last_opened_on: datetime.date


@dataclass
class UsageOverview:
    since: datetime.date
    until: datetime.date
    uncovered: list[ToolCount] = field(default_factory=list)
    prohibited: list[ToolCount] = field(default_factory=list)
    contradictions: list[Contradiction] = field(default_factory=list)
    contradiction_count: int = 0

    def as_dict(self) -> dict[str, Any]:
        def counts(rows: list[ToolCount]) -> list[dict[str, Any]]:
            return [{"platform": r.platform.slug, "name": r.platform.name, "people": r.people} for r in rows]

        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "tools_no_rule_covers": counts(self.uncovered),
            "prohibited_tools_in_use": counts(self.prohibited),
            "contradictions": {
                "count": self.contradiction_count,
                "people": [
                    {
                        "employee": c.employee.external_id,
                        "name": c.employee.full_name,
                        "platform": c.platform.slug,
                        "attested_not_used_at": c.attested_at.isoformat(),
                        "last_opened_on": c.last_opened_on.isoformat(),
                    }
                    for c in self.contradictions
                ],
            },
        }


def _published_rules(*, stance: str | None = None) -> list[ToolRule]:
    rules = ToolRule.objects.filter(version__status=PolicyVersion.Status.PUBLISHED).prefetch_related("departments")
    if stance is not None:
        rules = rules.filter(stance=stance)
    return list(rules.order_by("pk"))


def _covered_sql(rules: list[ToolRule]) -> tuple[str, list[Any]]:
    """SQL: "signal ``s`` is about a tool that one of ``rules`` governs for its person ``e``"."""
    if not rules:
        return "FALSE", []
    clauses, params = [], []
    for rule in rules:
        condition, values = scope_sql(rule, alias="e")
        clauses.append(f"(s.platform_id = %s AND {condition})")
        params += [rule.platform_id, *values]
    return "(" + " OR ".join(clauses) + ")", params


def _people_per_tool(
    *, covered: str, params: list[Any], negate: bool, since: datetime.date, until: datetime.date
) -> dict[int, int]:
    sql = (
        f"SELECT s.platform_id, COUNT(DISTINCT s.employee_id) FROM {UsageSignal._meta.db_table} s "
        f"JOIN {Employee._meta.db_table} e ON e.id = s.employee_id "
        f"WHERE s.day >= %s AND s.day <= %s AND e.status <> %s AND {'NOT ' if negate else ''}{covered} "
        "GROUP BY s.platform_id"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [since, until, Employee.Status.TERMINATED, *params])
        return dict(cursor.fetchall())


def contradictions(*, since: datetime.date, until: datetime.date) -> QuerySet[Obligation]:
    """Open "not used" obligations whose attestation the browser contradicts: a signal for
    that person and tool on the attestation's day or later, reported after it was signed."""
    tz = timezone.get_current_timezone()
    later = UsageSignal.objects.filter(
        employee=OuterRef("employee"),
        platform=OuterRef("platform"),
        day__gte=OuterRef("attested_on"),
        day__lte=until,
        last_reported_at__gt=OuterRef("satisfied_by__created_at"),
    ).filter(day__gte=since)
    return (
        Obligation.objects.open()
        .filter(status=ObligationStatus.NOT_USED, satisfied_by__tool_used=False, employee__status__in=ACTIVE)
        .annotate(attested_on=TruncDate("satisfied_by__created_at", tzinfo=tz))
        .filter(Exists(later))
        .annotate(last_opened_on=Subquery(later.order_by().values("employee").annotate(m=Max("day")).values("m")[:1]))
        .select_related("employee", "platform", "satisfied_by")
        .order_by("platform__name", "employee__full_name", "pk")
    )


ACTIVE = (Employee.Status.ACTIVE, Employee.Status.ON_LEAVE)
CONTRADICTIONS_LISTED = 200


def usage_overview(*, today: datetime.date, days: int) -> UsageOverview:
    """The officers' usage figures over the last ``days`` days up to ``today``: tools in use
    that no published rule covers for the person who opened them, prohibited tools in use
    (people per tool), and contradictions with "I do not use this tool" (the first
    CONTRADICTIONS_LISTED, and their count). Seven queries whatever the organization."""
    since = today - datetime.timedelta(days=days - 1)
    all_rules = _published_rules()
    prohibited_rules = [r for r in all_rules if r.stance == ToolRule.Stance.PROHIBITED]
    covered, params = _covered_sql(all_rules)
    uncovered = _people_per_tool(covered=covered, params=params, negate=True, since=since, until=today)
    covered, params = _covered_sql(prohibited_rules)
    prohibited = _people_per_tool(covered=covered, params=params, negate=False, since=since, until=today)
    names = Platform.objects.in_bulk(set(uncovered) | set(prohibited))

    def rows(counts: dict[int, int]) -> list[ToolCount]:
        found = [ToolCount(platform=names[pk], people=n) for pk, n in counts.items() if pk in names]
        return sorted(found, key=lambda r: (-r.people, r.platform.name.lower()))

    contradicted = contradictions(since=since, until=today)
    listed = [
        Contradiction(
            employee=o.employee,
            platform=o.platform,
            attested_at=o.satisfied_by.created_at,
            last_opened_on=getattr(o, "last_opened_on"),  # noqa: B009 - an annotation
        )
        for o in contradicted[:CONTRADICTIONS_LISTED]
        if o.satisfied_by is not None
    ]
    count = len(listed) if len(listed) < CONTRADICTIONS_LISTED else contradicted.count()
    return UsageOverview(
        since=since,
        until=today,
        uncovered=rows(uncovered),
        prohibited=rows(prohibited),
        contradictions=listed,
        contradiction_count=count,
    )


def usage_card(*, today: datetime.date) -> dict[str, Any] | None:
    """The officers' dashboard card of what browsers reported (compliance.extensions): over the
    default window, prohibited tools in use and contradictions with "I do not use this tool",
    from :func:`usage_overview` (the Tools in use page's own figures). None while no published
    policy version turns usage signals on (one indexed query): nothing is reported then."""
    from django.conf import settings  # this module's functions take catalog settings as ``settings``

    if not PolicyVersion.objects.published().filter(usage_signals=True).exists():
        return None
    days = settings.EXTENSION_USAGE_WINDOW_DAYS
    overview = usage_overview(today=today, days=days)
    prohibited = sum(row.people for row in overview.prohibited)
    return {
        "title": "Prohibited tools in use",
        "value": prohibited,
        "detail": (
            f"people whose browser opened a prohibited tool in the last {days} days; "
            f"{len(overview.uncovered)} tools no rule covers"
        ),
        "url": reverse("extension:tools-in-use"),
        "secondary": {
            "text": f"{overview.contradiction_count} said they do not use a tool they opened",
            "url": reverse("extension:tools-in-use") + "#contradictions-heading",
        },
        "change": {"text": "reported by the browser extension", "tone": "none"},
        "key": "usage",
    }
