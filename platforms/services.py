"""Services that change the catalog: loading the built-in files and admins' edits.

Every change goes through here so that the rules hold everywhere (loader, admin pages, Django
admin): a change to a setting's label, steps, values or safe value is recorded as one
SettingRevision with a reason people can read. A meaningful one ("people must check again")
bumps the revision exactly once, writes an AuditEvent (who, when, before, after) and sends
`setting_revised`, all in the transaction that made the change; a cosmetic one ("wording only")
keeps the revision, so attestations stay valid, and is audited as ``catalog.setting.reworded``.
An admin's edit never picks one of the two silently: ``update_setting`` refuses a change of
those fields without ``revision_kind``.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance import audit
from governance.models import AuditEvent
from platforms import probes
from platforms.catalog_schema import RESERVED_SLUGS, read_catalog
from platforms.models import (
    MEANINGFUL_SETTING_FIELDS,
    PLATFORM_CONTENT_FIELDS,
    SETTING_CONTENT_FIELDS,
    CatalogEntry,
    Platform,
    PlatformSetting,
    Protects,
    RevisionKind,
    SettingRevision,
    Tier,
)
from platforms.signals import setting_revised

FRESHNESS_FIELDS = ("last_verified_on", "verified")
PLATFORM_EDITABLE_FIELDS = PLATFORM_CONTENT_FIELDS + FRESHNESS_FIELDS
SETTING_EDITABLE_FIELDS = SETTING_CONTENT_FIELDS + FRESHNESS_FIELDS

LOADER_LABEL = "load_catalog"


# --- helpers --------------------------------------------------------------------------------


def _json(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _snapshot(obj: CatalogEntry, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _json(getattr(obj, name)) for name in fields}


def _changed(obj: CatalogEntry, data: dict[str, Any], fields: tuple[str, ...]) -> list[str]:
    return [name for name in fields if name in data and getattr(obj, name) != data[name]]


def _is_meaningful(changed_fields: Iterable[str]) -> bool:
    return any(name in MEANINGFUL_SETTING_FIELDS for name in changed_fields)


def _quoted(text: str) -> str:
    return f"\u201c{text}\u201d"


def revision_reason(*, platform_name: str, old_label: str, new: PlatformSetting, changed: Iterable[str]) -> str:
    """Why a setting changed, in words an employee understands, without the date (pages add it):
    e.g. 'ChatGPT renamed the setting "Improve the model for everyone" to "Improve the model"'."""
    changed = set(changed)
    clauses = []
    if "label" in changed:
        clauses.append(f"renamed the setting {_quoted(old_label)} to {_quoted(new.label)}")
    parts = []
    if "navigation_steps" in changed:
        parts.append("steps")
    if "values" in changed:
        parts.append("possible values")
    if "safe_value" in changed:
        parts.append(f"required value (now {_quoted(new.safe_value)})")
    if parts:
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        clauses.append(
            f"changed its {listed}" if clauses else f"changed the {listed} of the setting {_quoted(new.label)}"
        )
    return f"{platform_name} " + " and ".join(clauses)


def steps_quoting_old_label(*, old_label: str, new_label: str, steps: Iterable[str]) -> list[int]:
    """The numbers (from 1) of the steps that still quote a setting's old label after a rename
    (case aside). Where the new label contains the old one, a step quoting the new label is fine."""
    old, new = old_label.strip().casefold(), new_label.strip().casefold()
    if not old or old == new:
        return []

    def quotes_old(step: str) -> bool:
        text = step.casefold()
        return old in (text.replace(new, "") if old in new else text)

    return [number for number, step in enumerate(steps, start=1) if quotes_old(str(step))]


def _revision_record(
    setting: PlatformSetting,
    *,
    kind: str,
    changed: Iterable[str],
    old_label: str,
    actor: Any,
    now: datetime.datetime,
    actor_label: str = "",
) -> SettingRevision:
    meaningful_changed = [name for name in MEANINGFUL_SETTING_FIELDS if name in changed]
    probe_changed = [name for name in probes.PROBE_FIELDS if name in changed]
    if meaningful_changed:
        reason = revision_reason(
            platform_name=setting.platform.name, old_label=old_label, new=setting, changed=meaningful_changed
        )
        if probe_changed:
            reason += f", and the browser extension's probe of it (probe revision {setting.probe_revision})"
    else:
        reason = probes.probe_reason(setting)
    return SettingRevision(
        setting=setting,
        revision=setting.revision,
        probe_revision=setting.probe_revision,
        kind=kind,
        changed_fields=meaningful_changed + probe_changed,
        old_label=old_label,
        new_label=setting.label,
        reason=reason,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label="" if getattr(actor, "pk", None) else actor_label,
        created_at=now,
    )


def _send_revised(revisions: list[tuple[PlatformSetting, int, int]], actor: Any) -> None:
    for setting, old_revision, new_revision in revisions:
        setting_revised.send(
            sender=PlatformSetting,
            setting=setting,
            old_revision=old_revision,
            new_revision=new_revision,
            actor=actor,
        )


def validate_setting_values(
    *, values: Any, safe_value: Any, protects: Iterable[str] = (), applies_to_tiers: Iterable[str] = ()
) -> None:
    """The rules every setting obeys, whoever writes it; raises ValidationError by field."""
    errors = {}
    if not isinstance(values, list) or len(values) < 2:
        errors["values"] = "List at least two possible values."
    elif any(not isinstance(v, str) or not v.strip() or v != v.lower() for v in values):
        errors["values"] = "Values are non-empty lowercase text, e.g. on, off."
    elif len(set(values)) != len(values):
        errors["values"] = "A value is listed twice."
    elif safe_value not in values:
        errors["safe_value"] = f"The safe value must be one of: {', '.join(values)}."
    bad = [p for p in protects if p not in Protects.values]
    if bad:
        errors["protects"] = f"Unknown: {', '.join(map(str, bad))}."
    bad = [t for t in applies_to_tiers if t not in Tier.values]
    if bad:
        errors["applies_to_tiers"] = f"Unknown tier: {', '.join(map(str, bad))}."
    if errors:
        raise ValidationError(errors)


# --- the loader ------------------------------------------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if self.skipped:
            text += f", {self.skipped} skipped (organization-made entry with the same slug or key)"
        return text


@dataclass
class LoadResult:
    platforms: Counts = field(default_factory=Counts)
    settings: Counts = field(default_factory=Counts)
    revised: list = field(default_factory=list)  # (setting, old_revision, new_revision)
    revision_records: list = field(default_factory=list)  # SettingRevision rows to write


def _file_snapshot(data: dict[str, Any], content_fields: tuple[str, ...]) -> dict[str, Any]:
    """What the file says, as stored on the row to compare with the next load."""
    return {name: _json(data[name]) for name in content_fields + FRESHNESS_FIELDS}


def _apply_file_fields(obj: CatalogEntry, data: dict[str, Any], content_fields: tuple[str, ...]) -> list[str]:
    """Merge a changed file entry into an existing built-in row; return the fields that changed.

    Only fields the file changed since the last load are taken from it, so an admin's edit
    of another field stays. A row never loaded before (empty snapshot) takes the whole
    entry. Freshness never goes backwards: an admin's later verification stays.
    """
    previous = obj.catalog_snapshot or {}
    snapshot = _file_snapshot(data, content_fields)
    changed = []
    for name in content_fields:
        file_changed = name not in previous or previous[name] != snapshot[name]
        if file_changed and getattr(obj, name) != data[name]:
            setattr(obj, name, data[name])
            changed.append(name)
    file_date = data["last_verified_on"]
    if obj.last_verified_on is None or file_date >= obj.last_verified_on:
        for name in FRESHNESS_FIELDS:
            if getattr(obj, name) != data[name]:
                setattr(obj, name, data[name])
                changed.append(name)
    obj.catalog_snapshot = snapshot
    return changed


@transaction.atomic
def load_catalog(*, path: str | Path | None = None, actor: Any = None) -> LoadResult:
    """Upsert the built-in catalog by platform slug and setting key.

    Validates every file first (CatalogFileError names file, entry and field) and writes
    nothing on error. Never deletes anything and never touches organization-made entries.
    Each row remembers the file entry it was last loaded from; only fields the file has
    changed since then are applied, so admins' edits survive reloads. Queries do not grow with the catalog:
    existing rows are read once and written with bulk_create / bulk_update.
    """
    entries = read_catalog(path)
    result = LoadResult()
    now = timezone.now()
    slugs = [e.slug for e in entries]
    platforms = {p.slug: p for p in Platform.objects.filter(slug__in=slugs)}
    audits: list[AuditEvent] = []
    new_platforms = _load_platforms(entries, platforms, result, audits, actor=actor, now=now)
    existing_settings = {
        (s.platform_id, s.key): s
        for s in PlatformSetting.objects.filter(platform__slug__in=slugs).select_related("platform")
    }
    _load_settings(entries, platforms, existing_settings, result, audits, actor=actor, now=now)
    if result.platforms.created or result.settings.created or audits:
        summary = audit.event(
            actor=actor,
            actor_label=LOADER_LABEL,
            action="catalog.loaded",
            obj=audit.Subject("platforms.catalog", Path(path).name if path else "built-in"),
            after={
                "platforms": vars(result.platforms),
                "settings": vars(result.settings),
                "created_platforms": [p.slug for p in new_platforms],
            },
        )
        audits.append(summary)
    audit.record_many(audits)
    _send_revised(result.revised, actor)
    return result


def _load_platforms(
    entries: list[Any],
    platforms: dict[str, Platform],
    result: LoadResult,
    audits: list[AuditEvent],
    *,
    actor: Any,
    now: datetime.datetime,
) -> list[Platform]:
    """Create the new built-in platforms and apply the file's changes to the others; returns the new ones."""
    new_platforms, changed_platforms, platform_changes = [], [], {}
    for entry in entries:
        data = entry.fields
        platform = platforms.get(entry.slug)
        if platform is None:
            platform = Platform(is_builtin=True, catalog_snapshot=_file_snapshot(data, PLATFORM_CONTENT_FIELDS), **data)
            platforms[entry.slug] = platform
            new_platforms.append(platform)
        elif not platform.is_builtin:
            result.platforms.skipped += 1
        elif platform.catalog_snapshot == _file_snapshot(data, PLATFORM_CONTENT_FIELDS):
            result.platforms.unchanged += 1
        else:
            before = _snapshot(platform, PLATFORM_EDITABLE_FIELDS)
            changed = _apply_file_fields(platform, data, PLATFORM_CONTENT_FIELDS)
            platform.updated_at = now
            changed_platforms.append(platform)
            if changed:
                result.platforms.updated += 1
                platform_changes[platform.slug] = (changed, before)
            else:
                result.platforms.unchanged += 1
    Platform.objects.bulk_create(new_platforms)
    result.platforms.created = len(new_platforms)
    Platform.objects.bulk_update(changed_platforms, PLATFORM_EDITABLE_FIELDS + ("catalog_snapshot", "updated_at"))
    for slug, (changed, before) in platform_changes.items():
        platform = platforms[slug]
        audits.append(
            audit.event(
                action="catalog.platform.updated",
                obj=platform,
                actor=actor,
                actor_label=LOADER_LABEL,
                before={k: before[k] for k in changed},
                after={k: _json(getattr(platform, k)) for k in changed},
            )
        )
    return new_platforms


def _load_settings(
    entries: list[Any],
    platforms: dict[str, Platform],
    existing_settings: dict[tuple[int, str], PlatformSetting],
    result: LoadResult,
    audits: list[AuditEvent],
    *,
    actor: Any,
    now: datetime.datetime,
) -> None:
    """The same for the settings of built-in platforms; a meaningful change raises the revision."""
    new_settings, changed_settings = [], []
    for entry in entries:
        platform = platforms[entry.slug]
        if not platform.is_builtin:
            result.settings.skipped += len(entry.settings)
            continue
        for data in entry.settings:
            data = dict(data)
            wording_only = data.pop("wording_only", False)
            setting = existing_settings.get((platform.pk, data["key"]))
            if setting is None:
                snapshot = _file_snapshot(data, SETTING_CONTENT_FIELDS)
                new_settings.append(
                    PlatformSetting(
                        platform=platform,
                        is_builtin=True,
                        catalog_snapshot=snapshot,
                        probe_revision=1 if data.get("probe") else 0,
                        **data,
                    )
                )
            elif not setting.is_builtin:
                result.settings.skipped += 1
            elif setting.catalog_snapshot == _file_snapshot(data, SETTING_CONTENT_FIELDS):
                result.settings.unchanged += 1
            else:
                changed_settings.append(setting)
                event = _apply_setting_changes(setting, data, result, actor=actor, now=now, wording_only=wording_only)
                if event is not None:
                    audits.append(event)
    PlatformSetting.objects.bulk_create(new_settings)
    result.settings.created = len(new_settings)
    PlatformSetting.objects.bulk_update(
        changed_settings, SETTING_EDITABLE_FIELDS + ("revision", "probe_revision", "catalog_snapshot", "updated_at")
    )
    SettingRevision.objects.bulk_create(result.revision_records)


def _apply_setting_changes(
    setting: PlatformSetting,
    data: dict[str, Any],
    result: LoadResult,
    *,
    actor: Any,
    now: datetime.datetime,
    wording_only: bool = False,
) -> AuditEvent | None:
    """Apply the file's changed fields to a built-in setting; its audit event, or None if nothing changed.

    A change of meaning is a meaningful revision (people must check again) unless the file
    marks the entry ``wording_only: true``; either way it leaves a SettingRevision with its reason."""
    before = _snapshot(setting, SETTING_EDITABLE_FIELDS + ("revision", "probe_revision"))
    old_label = setting.label
    changed = _apply_file_fields(setting, data, SETTING_CONTENT_FIELDS)
    setting.updated_at = now
    if not changed:
        result.settings.unchanged += 1
        return None
    result.settings.updated += 1
    action = "catalog.setting.updated"
    after_extra = {}
    by = {"old_label": old_label, "actor": actor, "now": now, "actor_label": LOADER_LABEL}
    if probes.bump_probe(setting, changed) and not _is_meaningful(changed):
        record = _revision_record(setting, kind=RevisionKind.COSMETIC, changed=changed, **by)
        result.revision_records.append(record)
        after_extra["reason"] = record.reason
    if _is_meaningful(changed):
        kind = RevisionKind.COSMETIC if wording_only else RevisionKind.MEANINGFUL
        if kind == RevisionKind.MEANINGFUL:
            setting.revision += 1
            changed.append("revision")
            result.revised.append((setting, setting.revision - 1, setting.revision))
            action = "catalog.setting.revised"
        else:
            action = "catalog.setting.reworded"
        record = _revision_record(setting, kind=kind, changed=changed, **by)
        result.revision_records.append(record)
        after_extra["reason"] = record.reason
    return audit.event(
        action=action,
        obj=setting,
        actor=actor,
        actor_label=LOADER_LABEL,
        before={k: before[k] for k in changed},
        after={k: _json(getattr(setting, k)) for k in changed} | after_extra,
    )


# --- admins' edits ------------------------------------------------------------------------


def _check_platform(platform: Platform) -> None:
    if platform.slug in RESERVED_SLUGS:
        raise ValidationError({"slug": f"'{platform.slug}' is reserved for a catalog page."})
    if (platform.no_opt_out or platform.no_opt_out_outside) and not platform.no_opt_out_note.strip():
        raise ValidationError({"no_opt_out_note": "Explain what people should do when there is no opt-out."})
    platform.full_clean()


def _check_setting(setting: PlatformSetting) -> None:
    validate_setting_values(
        values=setting.values,
        safe_value=setting.safe_value,
        protects=setting.protects,
        applies_to_tiers=setting.applies_to_tiers,
    )
    if not setting.navigation_steps or any(not str(s).strip() for s in setting.navigation_steps):
        raise ValidationError({"navigation_steps": "Give the steps to reach the control, one per line."})
    probes.check_setting_probe(setting)
    setting.full_clean()


@transaction.atomic
def create_platform(*, data: dict[str, Any], actor: Any) -> Platform:
    """An organization-made platform (never touched by load_catalog)."""
    platform = Platform(
        is_builtin=False, **{k: v for k, v in data.items() if k in PLATFORM_EDITABLE_FIELDS + ("slug",)}
    )
    if platform.last_verified_on is None:
        platform.last_verified_on = timezone.localdate()
    _check_platform(platform)
    platform.save()
    audit.record(
        action="catalog.platform.created",
        obj=platform,
        actor=actor,
        after=_snapshot(platform, ("slug",) + PLATFORM_EDITABLE_FIELDS),
    )
    return platform


@transaction.atomic
def update_platform(*, platform: Platform, changes: dict[str, Any], actor: Any) -> Platform:
    """Apply an admin's changes to a platform; audit what changed. Returns the fresh row."""
    platform = Platform.objects.select_for_update().get(pk=platform.pk)
    changed = _changed(platform, changes, PLATFORM_EDITABLE_FIELDS)
    if not changed:
        return platform
    before = _snapshot(platform, changed)
    for name in changed:
        setattr(platform, name, changes[name])
    _check_platform(platform)
    platform.save()
    audit.record(
        action="catalog.platform.updated",
        obj=platform,
        actor=actor,
        before=before,
        after=_snapshot(platform, changed),
    )
    return platform


@transaction.atomic
def create_setting(*, platform: Platform, data: dict[str, Any], actor: Any) -> PlatformSetting:
    """An organization-made setting on any platform (never touched by load_catalog)."""
    setting = PlatformSetting(
        platform=platform,
        is_builtin=False,
        **{k: v for k, v in data.items() if k in SETTING_EDITABLE_FIELDS + ("key",)},
    )
    if setting.last_verified_on is None:
        setting.last_verified_on = timezone.localdate()
    _check_setting(setting)
    setting.probe_revision = 1 if setting.probe else 0
    setting.save()
    audit.record(
        action="catalog.setting.created",
        obj=setting,
        actor=actor,
        after=_snapshot(setting, ("key",) + SETTING_EDITABLE_FIELDS + ("revision",)),
    )
    return setting


REVISION_KIND_REQUIRED = (
    "Say whether this change is wording only (attestations stay valid) or people must check the setting again."
)


def meaningful_changes(setting: PlatformSetting, changes: dict[str, Any]) -> list[str]:
    """The fields among ``changes`` that would change what ``setting`` says (label, steps,
    values, safe value): an edit of any needs a revision kind."""
    return [name for name in _changed(setting, changes, SETTING_EDITABLE_FIELDS) if name in MEANINGFUL_SETTING_FIELDS]


@transaction.atomic
def update_setting(
    *,
    setting: PlatformSetting,
    changes: dict[str, Any],
    actor: Any,
    revision_kind: str = "",
    now: datetime.datetime | None = None,
) -> PlatformSetting:
    """Apply an admin's changes to a setting.

    A change to the label, steps, values or safe value needs ``revision_kind`` (RevisionKind):
    ``meaningful`` bumps the revision once, is audited as ``catalog.setting.revised`` and sends
    ``setting_revised`` (which re-opens attestations); ``cosmetic`` keeps the revision and the
    attestations, and is audited as ``catalog.setting.reworded``. Both leave a SettingRevision
    with the reason. Without a kind such a change is refused (ValidationError on
    ``revision_kind``) and nothing is written. Other changes are ``catalog.setting.updated``.
    """
    setting = PlatformSetting.objects.select_for_update().select_related("platform").get(pk=setting.pk)
    changed = _changed(setting, changes, SETTING_EDITABLE_FIELDS)
    if not changed:
        return setting
    touches_meaning = _is_meaningful(changed)
    if touches_meaning and revision_kind not in RevisionKind.values:
        raise ValidationError({"revision_kind": REVISION_KIND_REQUIRED})
    probe_fields = ["probe_revision", "probe_verified_on"]
    before = _snapshot(setting, changed + ["revision", *probe_fields])
    old_label = setting.label
    for name in changed:
        setattr(setting, name, changes[name])
    _check_setting(setting)
    old_revision = setting.revision
    meaningful = touches_meaning and revision_kind == RevisionKind.MEANINGFUL
    if meaningful:
        setting.revision = old_revision + 1
    probe_changed = probes.bump_probe(setting, changed)
    if probe_changed and "probe_verified_on" not in changes:
        setting.probe_verified_on = None  # a changed probe is unverified until someone checks it
    setting.save()
    action = "catalog.setting.updated"
    if not probe_changed:
        before = {name: value for name, value in before.items() if name not in probe_fields}
    after = _snapshot(setting, list(before))
    if touches_meaning or probe_changed:
        kind = revision_kind if touches_meaning else RevisionKind.COSMETIC
        record = _revision_record(
            setting, kind=kind, changed=changed, old_label=old_label, actor=actor, now=now or timezone.now()
        )
        record.save()
        if touches_meaning:
            action = "catalog.setting.revised" if meaningful else "catalog.setting.reworded"
        after["reason"] = record.reason
    audit.record(action=action, obj=setting, actor=actor, before=before, after=after)
    if meaningful:
        _send_revised([(setting, old_revision, setting.revision)], actor)
    return setting


@transaction.atomic
def mark_verified(*, entry: CatalogEntry, actor: Any, on: datetime.date | None = None) -> CatalogEntry:
    """An admin confirms a platform or setting against the vendor's UI today (or on ``on``)."""
    model: type[Platform] | type[PlatformSetting] = type(entry)  # type: ignore[assignment]
    entry = model.objects.select_for_update().get(pk=entry.pk)
    before = _snapshot(entry, FRESHNESS_FIELDS)
    entry.last_verified_on = on or timezone.localdate()
    entry.verified = True
    entry.save(update_fields=["last_verified_on", "verified", "updated_at"])
    kind = "platform" if model is Platform else "setting"
    audit.record(
        action=f"catalog.{kind}.verified",
        obj=entry,
        actor=actor,
        before=before,
        after=_snapshot(entry, FRESHNESS_FIELDS),
    )
    return entry
