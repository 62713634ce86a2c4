"""Writes to policies: drafting versions, editing their rules; what stops a draft being published.

Every function validates before it writes, runs in one transaction and writes an audit event.
Bad input raises ``ValidationError`` (with field keys where a form can show them) and changes
nothing. Publishing and retiring write obligations: attestations.services.publishing.
"""

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from governance import audit
from people.models import Department
from platforms.models import Platform, PlatformSetting, Tier
from policies.models import ImmutableVersionError, Policy, PolicyVersion, RequiredSetting, ToolRule, normalize_text

VERSION_FIELDS = (
    "title",
    "body_markdown",
    "effective_on",
    "attestation_interval_days",
    "grace_period_days",
    "reminder_offsets",
    "escalation_after_days",
    "usage_signals",
)
RULE_FIELDS = (
    "stance",
    "countries",
    "customer_data_handlers_only",
    "allowed_tiers",
    "data_classes",
    "no_settings_needed",
    "notes",
    "on_open",
)
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _require_draft(version: PolicyVersion) -> None:
    if version.status != PolicyVersion.Status.DRAFT:
        raise ImmutableVersionError(
            f"Version {version.number} is {version.get_status_display().lower()} and cannot be changed; "
            "draft a new version instead."
        )


def _lock_draft(version: PolicyVersion) -> PolicyVersion:
    """Re-read the version under a row lock so that an edit cannot race a publish."""
    locked = PolicyVersion.objects.select_for_update().select_related("policy").get(pk=version.pk)
    _require_draft(locked)
    return locked


# --- Policies and versions ---------------------------------------------------------------


@transaction.atomic
def create_policy(*, name: str, actor: Any, description: str = "", slug: str = "") -> PolicyVersion:
    """A new policy with an empty draft version 1."""
    name = (name or "").strip()
    slug = slugify(slug or name)[:64]
    errors = {}
    if not name:
        errors["name"] = "Give the policy a name."
    elif Policy.objects.filter(name__iexact=name).exists():
        errors["name"] = "A policy with this name exists already."
    if slug and Policy.objects.filter(slug=slug).exists():
        errors.setdefault("name", "A policy with a similar name exists already.")
    if errors:
        raise ValidationError(errors)
    policy = Policy.objects.create(name=name, slug=slug, description=description)
    version = PolicyVersion.objects.create(
        policy=policy,
        number=1,
        title=name,
        body_markdown=normalize_text(description),
        effective_on=timezone.localdate(),
        created_by=actor,
    )
    audit.record(actor=actor, action="policy.created", obj=policy, after={"name": name})
    return version


@transaction.atomic
def create_draft(*, policy: Policy, actor: Any) -> PolicyVersion:
    """A new draft version copied from the current published one (or the latest version):
    version fields, rules, their scope and required settings. One draft at a time per policy."""
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    existing = policy.versions.filter(status=PolicyVersion.Status.DRAFT).first()
    if existing is not None:
        raise ValidationError(f"Version {existing.number} is already a draft; edit or delete it first.")
    source = policy.versions.filter(status=PolicyVersion.Status.PUBLISHED).first() or policy.versions.first()
    number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    fields = {name: getattr(source, name) for name in VERSION_FIELDS} if source else {}
    fields.setdefault("title", policy.name)
    fields.setdefault("body_markdown", "")
    fields["effective_on"] = max(fields.get("effective_on") or timezone.localdate(), timezone.localdate())
    draft = PolicyVersion.objects.create(policy=policy, number=number, created_by=actor, **fields)
    if source is not None:
        _copy_rules(source=source, target=draft)
    audit.record(
        actor=actor,
        action="policy_version.drafted",
        obj=draft,
        after={"number": number, "copied_from": source.number if source else None},
    )
    return draft


def _copy_rules(*, source: PolicyVersion, target: PolicyVersion) -> None:
    rules = list(source.rules.prefetch_related("departments", "required_settings"))
    copies = ToolRule.objects.bulk_create(
        [
            ToolRule(
                version=target, platform_id=rule.platform_id, **{name: getattr(rule, name) for name in RULE_FIELDS}
            )
            for rule in rules
        ]
    )
    through = ToolRule.departments.through
    through.objects.bulk_create(
        [
            through(toolrule_id=copy.pk, department_id=department.pk)
            for rule, copy in zip(rules, copies, strict=True)
            for department in rule.departments.all()
        ]
    )
    RequiredSetting.objects.bulk_create(
        [
            RequiredSetting(rule_id=copy.pk, setting_id=required.setting_id, required_value=required.required_value)
            for rule, copy in zip(rules, copies, strict=True)
            for required in rule.required_settings.all()
        ]
    )


@transaction.atomic
def update_version(*, version: PolicyVersion, actor: Any, **fields: Any) -> PolicyVersion:
    """Change a draft's title, body, dates, interval, grace period, reminders or escalation."""
    version = _lock_draft(version)
    unknown = set(fields) - set(VERSION_FIELDS)
    if unknown:
        raise ValueError(f"Not version fields: {', '.join(sorted(unknown))}")
    errors = {}
    if "title" in fields and not (fields["title"] or "").strip():
        errors["title"] = "Give the version a title."
    for name in ("attestation_interval_days",):
        if name in fields and (fields[name] is None or int(fields[name]) < 1):
            errors[name] = "At least one day."
    for name in ("grace_period_days", "escalation_after_days"):
        if name in fields and (fields[name] is None or int(fields[name]) < 0):
            errors[name] = "Zero days or more."
    if "reminder_offsets" in fields:
        offsets = fields["reminder_offsets"]
        if not isinstance(offsets, list | tuple) or not all(isinstance(o, int) and -365 <= o <= 365 for o in offsets):
            errors["reminder_offsets"] = "Whole numbers of days between -365 and 365."
        else:
            fields["reminder_offsets"] = sorted(set(offsets))
    if "body_markdown" in fields:
        fields["body_markdown"] = normalize_text(fields["body_markdown"])
    if "effective_on" in fields and not isinstance(fields["effective_on"], datetime.date):
        errors["effective_on"] = "Enter a date."
    if errors:
        raise ValidationError(errors)
    before = {name: _jsonable(getattr(version, name)) for name in fields}
    for name, value in fields.items():
        setattr(version, name, value)
    version.save()
    audit.record(
        actor=actor,
        action="policy_version.edited",
        obj=version,
        before=before,
        after={name: _jsonable(value) for name, value in fields.items()},
    )
    return version


@transaction.atomic
def delete_draft(*, version: PolicyVersion, actor: Any) -> None:
    version = _lock_draft(version)
    pk, number = version.pk, version.number
    RequiredSetting.objects.filter(rule__version=version).delete()
    ToolRule.objects.filter(version=version).delete()
    version.delete()
    audit.record(
        actor=actor,
        action="policy_version.deleted",
        obj=audit.Subject.row(PolicyVersion, pk),
        before={"number": number},
    )


# --- Rules and required settings ---------------------------------------------------------


def _normalize_countries(countries: Iterable[str] | None) -> list[str]:
    if isinstance(countries, str):
        countries = re.split(r"[\s,;]+", countries)
    return sorted({c.strip().upper() for c in countries or () if c and c.strip()})


def _clean_rule(
    *, platform: Platform, fields: dict[str, Any], department_ids: Iterable[int] | None, settings_count: int
) -> tuple[dict[str, Any], list[int]]:
    """Validate rule fields; returns cleaned fields or raises ValidationError with field keys."""
    errors = {}
    stance = fields.get("stance")
    if stance not in ToolRule.Stance.values:
        errors["stance"] = f"Choose one of: {', '.join(ToolRule.Stance.values)}."
    countries = _normalize_countries(fields.get("countries"))
    bad = [c for c in countries if not COUNTRY_CODE.match(c)]
    if bad:
        errors["countries"] = f"Not two-letter country codes: {', '.join(bad)}."
    tiers = sorted(set(fields.get("allowed_tiers") or ()))
    bad = [t for t in tiers if t not in Tier.values]
    if bad:
        errors["allowed_tiers"] = f"Unknown account tiers: {', '.join(bad)}."
    data_classes = sorted(set(fields.get("data_classes") or ()))
    bad = [d for d in data_classes if d not in ToolRule.DataClass.values]
    if bad:
        errors["data_classes"] = f"Unknown data classes: {', '.join(bad)}."
    ids = sorted({int(pk) for pk in department_ids or ()})
    known = set(Department.objects.filter(pk__in=ids).values_list("pk", flat=True))
    missing = [pk for pk in ids if pk not in known]
    if missing:
        errors["departments"] = f"No such department: {', '.join(map(str, missing))}."
    no_settings_needed = bool(fields.get("no_settings_needed"))
    if stance == ToolRule.Stance.PROHIBITED:
        no_settings_needed = False
        if settings_count:
            errors["stance"] = "A prohibited tool has nothing to configure; remove its required settings first."
    elif stance in ToolRule.Stance.values and not settings_count and not no_settings_needed:
        errors["no_settings_needed"] = (
            f"An {stance} tool needs at least one required setting, or tick \u201cno settings needed\u201d."
        )
    on_open = fields.get("on_open") or ToolRule.OnOpen.NONE
    if on_open not in ToolRule.OnOpen.values:
        errors["on_open"] = f"Choose one of: {', '.join(ToolRule.OnOpen.values)}."
    elif on_open != ToolRule.OnOpen.NONE and stance != ToolRule.Stance.PROHIBITED:
        errors["on_open"] = (
            "A warning or a block when the site is opened is for prohibited tools only; "
            "choose \u201cnothing\u201d, or make the rule prohibited."
        )
    if errors:
        raise ValidationError(errors)
    return {
        "stance": stance,
        "countries": countries,
        "customer_data_handlers_only": bool(fields.get("customer_data_handlers_only")),
        "allowed_tiers": tiers,
        "data_classes": data_classes,
        "no_settings_needed": no_settings_needed,
        "notes": (fields.get("notes") or "").strip(),
        "on_open": on_open,
    }, ids


def _clean_requirement(*, platform: Platform, setting: PlatformSetting, required_value: str | None) -> str:
    if setting.platform_id != platform.pk:
        raise ValidationError({"setting": f"\u201c{setting.label}\u201d is not a setting of {platform.name}."})
    value = required_value or setting.safe_value
    if value not in (setting.values or []):
        raise ValidationError(
            {
                "required_value": f"\u201c{value}\u201d is not a value of this setting; use one of: {', '.join(setting.values)}."
            }
        )
    return value


def _rule_snapshot(rule: ToolRule) -> dict[str, Any]:
    return {
        "platform": rule.platform.slug,
        **{name: getattr(rule, name) for name in RULE_FIELDS},
        "departments": sorted(rule.departments.values_list("code", flat=True)),
        "settings": {r.setting.key: r.required_value for r in rule.required_settings.select_related("setting")},
    }


@transaction.atomic
def add_rule(
    *,
    version: PolicyVersion,
    platform: Platform | int,
    actor: Any,
    departments: Iterable[Any] = (),
    required: Iterable[tuple[PlatformSetting, str | None]] = (),
    **fields: Any,
) -> ToolRule:
    """Add a rule for ``platform`` to a draft. ``required`` lists (setting, value-or-None)
    pairs (None: the setting's safe value); approved and restricted tools need at least one
    unless ``no_settings_needed``."""
    version = _lock_draft(version)
    if not isinstance(platform, Platform):
        platform = Platform.objects.get(pk=platform)
    if version.rules.filter(platform=platform).exists():
        raise ValidationError({"platform": f"Version {version.number} already has a rule for {platform.name}."})
    required = list(required)
    department_ids = [getattr(d, "pk", d) for d in departments]
    cleaned, department_ids = _clean_rule(
        platform=platform, fields=fields, department_ids=department_ids, settings_count=len(required)
    )
    values = [
        (setting, _clean_requirement(platform=platform, setting=setting, required_value=v)) for setting, v in required
    ]
    if len({s.pk for s, _ in values}) != len(values):
        raise ValidationError({"setting": "Each setting can be required once per rule."})
    rule = ToolRule.objects.create(version=version, platform=platform, **cleaned)
    rule.departments.set(department_ids)
    RequiredSetting.objects.bulk_create(
        [RequiredSetting(rule=rule, setting=setting, required_value=value) for setting, value in values]
    )
    audit.record(actor=actor, action="rule.added", obj=rule, after=_rule_snapshot(rule))
    return rule


@transaction.atomic
def update_rule(*, rule: ToolRule, actor: Any, departments: Iterable[Any] | None = None, **fields: Any) -> ToolRule:
    """Change a draft rule's stance, scope, tiers, data classes, "no settings needed", notes or
    what the browser extension does when a prohibited tool is opened (``on_open``)."""
    _lock_draft(rule.version)
    rule = ToolRule.objects.select_related("platform", "version").get(pk=rule.pk)
    before = _rule_snapshot(rule)
    merged = {name: fields.get(name, getattr(rule, name)) for name in RULE_FIELDS}
    department_ids = (
        [getattr(d, "pk", d) for d in departments]
        if departments is not None
        else list(rule.departments.values_list("pk", flat=True))
    )
    cleaned, department_ids = _clean_rule(
        platform=rule.platform,
        fields=merged,
        department_ids=department_ids,
        settings_count=rule.required_settings.count(),
    )
    for name, value in cleaned.items():
        setattr(rule, name, value)
    rule.save()
    rule.departments.set(department_ids)
    audit.record(
        actor=actor,
        action="rule.edited",
        obj=rule,
        before=before,
        after=_rule_snapshot(rule),
    )
    return rule


@transaction.atomic
def remove_rule(*, rule: ToolRule, actor: Any) -> None:
    _lock_draft(rule.version)
    before = _rule_snapshot(rule)
    pk = rule.pk
    rule.required_settings.all().delete()
    rule.departments.clear()
    rule.delete()
    audit.record(actor=actor, action="rule.removed", obj=audit.Subject.row(ToolRule, pk), before=before)


@transaction.atomic
def set_required_setting(
    *, rule: ToolRule, setting: PlatformSetting, actor: Any, required_value: str | None = None
) -> RequiredSetting:
    """Require ``setting`` at ``required_value`` (default: its safe value) under a draft rule;
    changes the value when the setting is required already."""
    _lock_draft(rule.version)
    rule = ToolRule.objects.select_related("platform").get(pk=rule.pk)
    if not isinstance(setting, PlatformSetting):
        setting = PlatformSetting.objects.get(pk=setting)
    if rule.stance == ToolRule.Stance.PROHIBITED:
        raise ValidationError({"setting": "A prohibited tool has nothing to configure."})
    value = _clean_requirement(platform=rule.platform, setting=setting, required_value=required_value)
    requirement = RequiredSetting.objects.filter(rule=rule, setting=setting).first()
    before = {"required_value": requirement.required_value} if requirement else None
    if requirement is None:
        requirement = RequiredSetting.objects.create(rule=rule, setting=setting, required_value=value)
    else:
        requirement.required_value = value
        requirement.save()
    audit.record(
        actor=actor,
        action="rule.setting_required",
        obj=rule,
        before=before,
        after={"setting": setting.key, "required_value": value},
    )
    return requirement


@transaction.atomic
def remove_required_setting(*, required_setting: RequiredSetting, actor: Any) -> None:
    rule = required_setting.rule
    _lock_draft(rule.version)
    if (
        rule.stance != ToolRule.Stance.PROHIBITED
        and not rule.no_settings_needed
        and rule.required_settings.count() <= 1
    ):
        raise ValidationError(
            f"This is the only required setting of the {rule.get_stance_display().lower()} rule for "
            f"{rule.platform.name}: add another one first, or mark the rule \u201cno settings needed\u201d."
        )
    key = required_setting.setting.key
    required_setting.delete()
    audit.record(actor=actor, action="rule.setting_removed", obj=rule, before={"setting": key})


# --- Publishing --------------------------------------------------------------------------


def publish_problems(version: PolicyVersion) -> list[str]:
    """Reasons the version cannot be published yet (empty when it can)."""
    problems = []
    if version.status != PolicyVersion.Status.DRAFT:
        problems.append(f"Version {version.number} is {version.get_status_display().lower()} already.")
    if not (version.body_markdown or "").strip():
        problems.append("The policy text is empty.")
    for rule in version.rules.all():
        if rule.creates_obligations and not rule.no_settings_needed and not rule.required_settings.all():
            problems.append(
                f"The {rule.get_stance_display().lower()} rule for {rule.platform.name} requires no setting; "
                "add one or mark it \u201cno settings needed\u201d."
            )
    return problems
