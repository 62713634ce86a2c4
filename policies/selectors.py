"""Reads about policies: lists, one version with its rules, what changed, who is affected.

Views, the API and policies.services share these so a page and a publish agree on figures.
"""

import datetime
import difflib
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from policies.models import Policy, PolicyVersion, RequiredSetting, ToolRule, normalize_text


def rule_fingerprint(rule: ToolRule, requirements: Iterable[RequiredSetting]) -> str:
    """Hash of what an attestation under ``rule`` depends on: platform, stance, tiers, data
    classes and the required (setting, value) pairs. Scope is left out on purpose: a person
    who stays in scope has nothing new to check when others join or leave it."""
    payload = {
        "platform": rule.platform_id,
        "stance": rule.stance,
        "tiers": sorted(rule.allowed_tiers or []),
        "data_classes": sorted(rule.data_classes or []),
        "no_settings_needed": rule.no_settings_needed,
        "settings": sorted([r.setting_id, r.required_value] for r in requirements),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def first_due_on(version: PolicyVersion, *, today: datetime.date) -> datetime.date:
    """When the obligations a version opens at publish are due: the later of its effective
    date and the publish day, plus its grace period. A back-dated version does not make
    anyone overdue on the day it is published."""
    return max(version.effective_on, today) + datetime.timedelta(days=version.grace_period_days)


def scope_key(rule: ToolRule) -> tuple[list[int], list[str], bool]:
    """What decides who is in a rule's scope (departments, countries, handlers only): when it
    is the same across versions, nobody joins or leaves (prefetch departments)."""
    return (
        sorted(d.pk for d in rule.departments.all()),
        sorted(rule.countries or []),
        rule.customer_data_handlers_only,
    )


def rules_queryset() -> QuerySet[ToolRule]:
    return ToolRule.objects.select_related("platform").prefetch_related(
        "departments",
        Prefetch("required_settings", queryset=RequiredSetting.objects.select_related("setting")),
    )


def policies_with_versions() -> QuerySet[Policy]:
    """Every policy with its versions (newest first) and each version's rule count."""
    versions = PolicyVersion.objects.annotate(rule_count=Count("rules")).order_by("-number")
    return Policy.objects.prefetch_related(Prefetch("versions", queryset=versions))


def version_with_rules(*, pk: int) -> PolicyVersion:
    return (
        PolicyVersion.objects.select_related("policy", "published_by", "created_by")
        .prefetch_related(
            Prefetch("rules", queryset=rules_queryset().annotate(setting_count=Count("platform__settings")))
        )
        .get(pk=pk)
    )


def published_version(*, policy: Policy) -> PolicyVersion | None:
    return policy.versions.filter(status=PolicyVersion.Status.PUBLISHED).first()


# --- Diff --------------------------------------------------------------------------------

VERSION_DIFF_FIELDS = (
    ("title", "Title"),
    ("effective_on", "Effective date"),
    ("attestation_interval_days", "Attestation interval (days)"),
    ("grace_period_days", "Grace period (days)"),
    ("reminder_offsets", "Reminder days"),
    ("escalation_after_days", "Escalation after (days overdue)"),
    ("usage_signals", "Usage signals from the browser extension"),
)


def _display_scope_departments(rule: ToolRule) -> str:
    return ", ".join(sorted(d.name for d in rule.departments.all())) or "all"


def _rule_fields(rule: ToolRule) -> list[tuple[str, str]]:
    return [
        ("Stance", rule.get_stance_display()),
        ("Departments", _display_scope_departments(rule)),
        ("Countries", ", ".join(rule.countries) or "all"),
        ("Customer-data handlers only", "yes" if rule.customer_data_handlers_only else "no"),
        ("Allowed tiers", ", ".join(rule.tier_labels) or "any"),
        ("Data classes", ", ".join(rule.data_class_labels) or "none listed"),
        ("No settings needed", "yes" if rule.no_settings_needed else "no"),
        ("Notes", rule.notes or ""),
        ("When the site is opened", rule.get_on_open_display()),
    ]


@dataclass
class RuleChange:
    platform: object
    old: ToolRule
    new: ToolRule
    fields: list = field(default_factory=list)  # (label, old value, new value)
    settings_added: list = field(default_factory=list)  # RequiredSetting of new
    settings_removed: list = field(default_factory=list)  # RequiredSetting of old
    settings_changed: list = field(default_factory=list)  # (old RequiredSetting, new RequiredSetting)
    reopens: bool = False  # the attestation depends on something that changed

    @property
    def changed(self) -> bool:
        return bool(self.fields or self.settings_added or self.settings_removed or self.settings_changed)


@dataclass
class VersionDiff:
    old: PolicyVersion | None
    new: PolicyVersion
    version_fields: list = field(default_factory=list)
    body_changed: bool = False
    rules_added: list = field(default_factory=list)
    rules_removed: list = field(default_factory=list)
    rules_changed: list = field(default_factory=list)
    rules_unchanged: list = field(default_factory=list)
    text_changes: list = field(default_factory=list)  # (kind, line): see text_changes()

    @property
    def rule_platforms_changed(self) -> list:
        """The tools whose rule was added, removed or changed (by name)."""
        rules = [*self.rules_added, *self.rules_removed, *(change.new for change in self.rules_changed)]
        return sorted({rule.platform.name for rule in rules}, key=str.lower)

    @property
    def rules_not_in_text(self) -> list:
        """Tools whose rule changed while the text did not mention it: all of them when the text
        is unchanged (employees are not asked to read it again), else those it never names."""
        if self.old is None:
            return []
        if not self.body_changed:
            return self.rule_platforms_changed
        text = normalize_text(self.new.body_markdown).casefold()
        return [name for name in self.rule_platforms_changed if name.casefold() not in text]

    @property
    def is_empty(self) -> bool:
        return not (
            self.version_fields or self.body_changed or self.rules_added or self.rules_removed or self.rules_changed
        )


def text_changes(old_text: str, new_text: str) -> list[tuple[str, str]]:
    """The lines of the policy text removed and added between two versions, in order, as
    ("removed" | "added", line); line endings do not count, blank lines are left out."""
    old_lines = normalize_text(old_text).split("\n")
    new_lines = normalize_text(new_text).split("\n")
    changes = []
    for line in difflib.ndiff(old_lines, new_lines):
        mark, text = line[:2], line[2:]
        if text.strip() and mark in ("- ", "+ "):
            changes.append(("removed" if mark == "- " else "added", text))
    return changes


def diff_versions(old: PolicyVersion | None, new: PolicyVersion) -> VersionDiff:
    """What ``new`` changes against ``old`` (``old`` may be None: everything is added):
    version fields, the text, rules added, removed and changed (their fields and their
    required settings added, removed or with another value)."""
    new_rules = {r.platform_id: r for r in rules_queryset().filter(version=new)}
    old_rules = {r.platform_id: r for r in rules_queryset().filter(version=old)} if old else {}
    diff = VersionDiff(old=old, new=new)
    if old is not None:
        for name, label in VERSION_DIFF_FIELDS:
            before, after = getattr(old, name), getattr(new, name)
            if before != after:
                diff.version_fields.append((label, before, after))
        diff.body_changed = normalize_text(old.body_markdown) != normalize_text(new.body_markdown)
        if diff.body_changed:
            diff.text_changes = text_changes(old.body_markdown, new.body_markdown)
    for platform_id, rule in sorted(new_rules.items(), key=lambda item: item[1].platform.name):
        before = old_rules.get(platform_id)
        if before is None:
            diff.rules_added.append(rule)
            continue
        change = RuleChange(platform=rule.platform, old=before, new=rule)
        change.fields = [
            (label, a, b) for (label, a), (_, b) in zip(_rule_fields(before), _rule_fields(rule), strict=True) if a != b
        ]
        old_settings = {r.setting_id: r for r in before.required_settings.all()}
        new_settings = {r.setting_id: r for r in rule.required_settings.all()}
        change.settings_added = [r for sid, r in new_settings.items() if sid not in old_settings]
        change.settings_removed = [r for sid, r in old_settings.items() if sid not in new_settings]
        change.settings_changed = [
            (old_settings[sid], r)
            for sid, r in new_settings.items()
            if sid in old_settings and old_settings[sid].required_value != r.required_value
        ]
        change.reopens = rule_fingerprint(before, old_settings.values()) != rule_fingerprint(
            rule, new_settings.values()
        )
        (diff.rules_changed if change.changed else diff.rules_unchanged).append(change)
    diff.rules_removed = sorted(
        (r for pid, r in old_rules.items() if pid not in new_rules), key=lambda r: r.platform.name
    )
    return diff


# --- Stance: what the policy says about a tool -------------------------------------------------

STANCE_HEADLINES: dict[str, str] = {
    ToolRule.Stance.APPROVED: "Approved under our policy",
    ToolRule.Stance.RESTRICTED: "Restricted under our policy",
    ToolRule.Stance.PROHIBITED: "Prohibited under our policy",
}
STANCE_ORDER: dict[str, int] = {
    ToolRule.Stance.PROHIBITED: 0,
    ToolRule.Stance.RESTRICTED: 1,
    ToolRule.Stance.APPROVED: 2,
}


@dataclass
class ToolStance:
    """One published rule about a tool, in the words the catalog and /me/ show.

    ``terms`` are what the rule allows (data classes, account tiers), ``who`` the people it
    covers; ``alternatives`` (prohibited tools only) are the approved tools of the same
    category, since a rule names no replacement itself."""

    rule: ToolRule
    platform: Any
    stance: str
    headline: str
    policy: str
    terms: list[str] = field(default_factory=list)
    who: str = "Everyone"
    notes: str = ""
    alternatives: list[Any] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """One line: "Approved for: ...", "Restricted: ..." or "Prohibited ... ; use ... instead"."""
        terms = " · ".join([*self.terms, *([self.notes] if self.notes else [])])
        if self.stance == ToolRule.Stance.APPROVED:
            return f"Approved for: {terms or 'any use'}"
        if self.stance == ToolRule.Stance.RESTRICTED:
            return f"Restricted: {terms or 'see the policy'}"
        if self.alternatives:
            return f"Prohibited under our policy. Use {' or '.join(p.name for p in self.alternatives)} instead."
        return "Prohibited under our policy."


def _published_rules() -> QuerySet[ToolRule]:
    return (
        ToolRule.objects.filter(version__status=PolicyVersion.Status.PUBLISHED)
        .select_related("platform", "version__policy")
        .prefetch_related("departments")
    )


def _who(rule: ToolRule) -> str:
    parts = []
    departments = sorted(d.name for d in rule.departments.all())
    if departments:
        parts.append(", ".join(departments) + " (with sub-departments)")
    if rule.countries:
        parts.append("in " + ", ".join(sorted(rule.countries)))
    if rule.customer_data_handlers_only:
        parts.append("customer-data handlers only")
    return " · ".join(parts) or "Everyone"


def _terms(rule: ToolRule) -> list[str]:
    from platforms.models import Tier

    classes = dict(ToolRule.DataClass.choices)
    tiers = dict(Tier.choices)
    terms = []
    if rule.data_classes:
        terms.append(", ".join(classes.get(c, c) for c in rule.data_classes) + " data")
    if rule.allowed_tiers:
        terms.append(", ".join(tiers.get(t, t) for t in rule.allowed_tiers) + " accounts only")
    return terms


def _covers(rule: ToolRule, employee: Any) -> bool:
    """Whether ``employee`` is in the rule's scope (the same conditions the obligations use)."""
    departments = list(rule.departments.all())
    if departments:
        path = employee.department.path if employee.department_id else None
        if not path or not any(path.startswith(d.path) for d in departments):
            return False
    if rule.countries and employee.country not in rule.countries:
        return False
    return not (rule.customer_data_handlers_only and not employee.handles_customer_data)


def _stances(rules: list[ToolRule], approved: list[ToolRule]) -> list[ToolStance]:
    stances = []
    for rule in rules:
        alternatives: list[Any] = []
        if rule.stance == ToolRule.Stance.PROHIBITED:
            seen = set()
            for other in approved:
                same = other.platform.category == rule.platform.category and other.platform_id != rule.platform_id
                if same and other.platform_id not in seen:
                    seen.add(other.platform_id)
                    alternatives.append(other.platform)
        stances.append(
            ToolStance(
                rule=rule,
                platform=rule.platform,
                stance=rule.stance,
                headline=STANCE_HEADLINES[rule.stance],
                policy=str(rule.version),
                terms=_terms(rule),
                who=_who(rule),
                notes=rule.notes.strip(),
                alternatives=sorted(alternatives, key=lambda p: p.name.lower()),
            )
        )
    return sorted(stances, key=lambda s: (STANCE_ORDER.get(s.stance, 9), s.platform.name.lower(), s.policy))


def tool_stances(*, platform: Any, employee: Any = None) -> list[ToolStance]:
    """What every published policy says about ``platform`` (the catalog page), or, with
    ``employee``, only the rules that cover that person. Empty: no policy names the tool.
    Two queries (the rules, the approved tools of its category) plus the departments."""
    rules = [r for r in _published_rules().filter(platform=platform) if employee is None or _covers(r, employee)]
    approved: list[ToolRule] = []
    if any(r.stance == ToolRule.Stance.PROHIBITED for r in rules):
        approved = [
            r
            for r in _published_rules().filter(stance=ToolRule.Stance.APPROVED, platform__category=platform.category)
            if employee is None or _covers(r, employee)
        ]
    return _stances(rules, approved)


def employee_stances(*, employee: Any) -> list[ToolStance]:
    """Every published rule that covers ``employee``, prohibited tools first (/me/). One query
    for the rules (with their departments)."""
    rules = [r for r in _published_rules() if _covers(r, employee)]
    approved = [r for r in rules if r.stance == ToolRule.Stance.APPROVED]
    return _stances(rules, approved)
