"""Reading and validating the built-in catalog files (platforms/catalog/*.yaml).

Validation is complete before anything is written: `read_catalog` returns plain dicts shaped
like the model fields, or raises `CatalogFileError` naming the file, the entry and the field.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from platforms.citations import has_primary, parse_citation, parse_date
from platforms.models import (
    PLATFORM_CONTENT_FIELDS,
    PRACTICE_SAFE_VALUE,
    PRACTICE_VALUES,
    SETTING_CONTENT_FIELDS,
    Category,
    ControlType,
    Protects,
    Tier,
)
from platforms.probes import clean_probe, clean_url_patterns, hosts_of

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CONFIDENCE = ("high", "low")

# Keys a catalog file may use: the content fields plus identity, provenance and freshness.
PLATFORM_FIELDS = {"slug", *PLATFORM_CONTENT_FIELDS, "confidence", "last_verified_on", "settings"}
REQUIRED_PLATFORM_FIELDS = {"slug", "name", "category", "confidence", "last_verified_on", "sources", "settings"}
SETTING_FIELDS = {"key", *SETTING_CONTENT_FIELDS, "confidence", "last_verified_on", "wording_only"}
REQUIRED_SETTING_FIELDS = {
    "key",
    "label",
    "navigation_steps",
    "control_type",
    "values",
    "safe_value",
    "protects",
    "applies_to_tiers",
}

# Slugs that would shadow the catalog's own pages (/catalog/new/, /catalog/stale/).
RESERVED_SLUGS = {"new", "stale"}


class CatalogFileError(Exception):
    """A catalog file is unusable; the message names file, entry and field."""

    def __init__(self, path, message, *, entry=None, field=None):
        self.path = str(path)
        self.entry = entry
        self.field = field
        where = [self.path]
        if entry:
            where.append(entry)
        if field:
            where.append(f"field '{field}'")
        super().__init__(f"{': '.join(where)}: {message}")


@dataclass
class CatalogEntry:
    """One platform from a file, with its settings, ready for the loader."""

    path: str
    fields: dict
    settings: list = field(default_factory=list)

    @property
    def slug(self):
        return self.fields["slug"]


def catalog_paths(path=None):
    """The YAML files to load: every *.yaml under a directory, or the one file given."""
    target = Path(path) if path else CATALOG_DIR
    if target.is_dir():
        files = sorted(p for p in target.iterdir() if p.suffix in (".yaml", ".yml"))
        if not files:
            raise CatalogFileError(target, "no .yaml files in this directory")
        return files
    if not target.exists():
        raise CatalogFileError(target, "no such file or directory")
    return [target]


def read_catalog(path=None):
    """Parse and validate every file; return a list of CatalogEntry, or raise CatalogFileError."""
    entries = []
    seen = {}
    for file_path in catalog_paths(path):
        for entry in _read_file(file_path):
            if entry.slug in seen:
                raise CatalogFileError(
                    file_path,
                    f"slug '{entry.slug}' is already defined in {seen[entry.slug]}",
                    entry=f"platform '{entry.slug}'",
                    field="slug",
                )
            seen[entry.slug] = file_path
            entries.append(entry)
    return entries


def _read_file(path):
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise CatalogFileError(path, f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogFileError(path, f"cannot be read: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("platforms"), list):
        raise CatalogFileError(path, "must be a mapping with a 'platforms' list", field="platforms")
    extra = set(document) - {"platforms", "references"}
    if extra:
        raise CatalogFileError(
            path, "unknown top-level key (allowed: platforms, references)", field=str(sorted(extra, key=str)[0])
        )
    return [_platform(path, index, raw) for index, raw in enumerate(document["platforms"])]


def _platform(path, index, raw):
    entry = f"platform #{index + 1}"
    if not isinstance(raw, dict):
        raise CatalogFileError(path, "must be a mapping", entry=entry)
    if isinstance(raw.get("slug"), str):
        entry = f"platform '{raw['slug']}'"

    def fail(name, message):
        raise CatalogFileError(path, message, entry=entry, field=name)

    unknown = set(raw) - PLATFORM_FIELDS
    if unknown:
        fail(sorted(unknown)[0], f"unknown field (allowed: {', '.join(sorted(PLATFORM_FIELDS))})")
    for name in sorted(REQUIRED_PLATFORM_FIELDS - set(raw)):
        fail(name, "is required")

    slug = _slug(raw["slug"], lambda m: fail("slug", m))
    if slug in RESERVED_SLUGS:
        fail("slug", f"'{slug}' is reserved for a catalog page")
    category = raw["category"]
    if category not in Category.values:
        fail("category", f"{category!r} is not one of {', '.join(Category.values)}")
    confidence = raw["confidence"]
    if confidence not in CONFIDENCE:
        fail("confidence", f"{confidence!r} is not one of high, low")
    last_verified_on = _date(raw["last_verified_on"], lambda m: fail("last_verified_on", m))
    sources = _sources(raw["sources"], lambda m: fail("sources", m))

    fields = {
        "slug": slug,
        "name": _text(raw["name"], lambda m: fail("name", m), required=True, max_length=120),
        "vendor": _text(raw.get("vendor"), lambda m: fail("vendor", m), max_length=120),
        "category": category,
        "description": _text(raw.get("description"), lambda m: fail("description", m)),
        "website": _url(raw.get("website"), lambda m: fail("website", m)),
        "privacy_url": _url(raw.get("privacy_url"), lambda m: fail("privacy_url", m)),
        "consumer_trains_by_default": _tristate(
            raw.get("consumer_trains_by_default"), lambda m: fail("consumer_trains_by_default", m)
        ),
        "business_trains_by_default": _tristate(
            raw.get("business_trains_by_default"), lambda m: fail("business_trains_by_default", m)
        ),
        "retention_notes": _text(raw.get("retention_notes"), lambda m: fail("retention_notes", m)),
        "regional_notes": _text(raw.get("regional_notes"), lambda m: fail("regional_notes", m)),
        "no_opt_out": _flag(raw.get("no_opt_out", False), lambda m: fail("no_opt_out", m)),
        "no_opt_out_outside": _text(
            raw.get("no_opt_out_outside"), lambda m: fail("no_opt_out_outside", m), max_length=64
        ),
        "no_opt_out_note": _text(raw.get("no_opt_out_note"), lambda m: fail("no_opt_out_note", m)),
        "sources": sources,
        "sources_disagree": _text(raw.get("sources_disagree"), lambda m: fail("sources_disagree", m)),
        "unsourced": _text(raw.get("unsourced"), lambda m: fail("unsourced", m)),
        "last_verified_on": last_verified_on,
        "verified": _confidence_backed(confidence, sources, lambda m: fail("confidence", m)),
    }
    if (fields["no_opt_out"] or fields["no_opt_out_outside"]) and not fields["no_opt_out_note"]:
        fail("no_opt_out_note", "is required when no_opt_out or no_opt_out_outside is set")

    inherited = {
        "sources": sources,
        "last_verified_on": last_verified_on,
        "confidence": confidence,
        "hosts": hosts_of(fields["website"], fields["privacy_url"]),
    }
    settings = _settings(path, entry, raw["settings"], fields, inherited, fail)
    return CatalogEntry(path=str(path), fields=fields, settings=settings)


def _settings(path, entry, raw_settings, fields, inherited, fail):
    """A platform's settings, each checked, keys unique; none only when the platform says why."""
    if not isinstance(raw_settings, list):
        fail("settings", "must be a list (use [] when the platform has none)")
    if not raw_settings and not (
        fields["no_opt_out"] or fields["no_opt_out_outside"] or fields["consumer_trains_by_default"] is False
    ):
        fail(
            "settings",
            "is empty: give at least one setting, or state no_opt_out / no_opt_out_outside with a note, "
            "or consumer_trains_by_default: false",
        )
    settings = []
    keys = set()
    for setting_index, raw_setting in enumerate(raw_settings):
        setting = _setting(path, entry, setting_index, raw_setting, inherited)
        if setting["key"] in keys:
            raise CatalogFileError(
                path,
                f"key '{setting['key']}' is used twice",
                entry=f"{entry} setting '{setting['key']}'",
                field="key",
            )
        keys.add(setting["key"])
        settings.append(setting)

    return settings


def _setting(path, platform_entry, index, raw, inherited):
    entry = f"{platform_entry} setting #{index + 1}"
    if not isinstance(raw, dict):
        raise CatalogFileError(path, "must be a mapping", entry=entry)
    if isinstance(raw.get("key"), str):
        entry = f"{platform_entry} setting '{raw['key']}'"

    def fail(name, message):
        raise CatalogFileError(path, message, entry=entry, field=name)

    unknown = set(raw) - SETTING_FIELDS
    if unknown:
        fail(sorted(unknown)[0], f"unknown field (allowed: {', '.join(sorted(SETTING_FIELDS))})")
    for name in sorted(REQUIRED_SETTING_FIELDS - set(raw)):
        fail(name, "is required")

    key = _slug(raw["key"], lambda m: fail("key", m))
    steps = raw["navigation_steps"]
    if not isinstance(steps, list) or not steps or not all(isinstance(s, str) and s.strip() for s in steps):
        fail("navigation_steps", "must be a non-empty list of non-empty strings, in order")
    control_type = raw["control_type"]
    if control_type not in ControlType.values:
        fail("control_type", f"{control_type!r} is not one of {', '.join(ControlType.values)}")
    values = raw["values"]
    if not isinstance(values, list) or len(values) < 2:
        fail("values", "must list at least two possible values")
    for value in values:
        if not isinstance(value, str):
            fail("values", f"{value!r} is not a string (quote on/off/yes/no in YAML)")
        if value != value.lower() or not value.strip():
            fail("values", f"{value!r} must be a non-empty lowercase string")
    if len(set(values)) != len(values):
        fail("values", "lists a value twice")
    safe_value = raw["safe_value"]
    if not isinstance(safe_value, str):
        fail("safe_value", f"{safe_value!r} is not a string (quote on/off/yes/no in YAML)")
    if safe_value not in values:
        fail("safe_value", f"{safe_value!r} is not one of the values {values}")
    if control_type == ControlType.PRACTICE and (values != PRACTICE_VALUES or safe_value != PRACTICE_SAFE_VALUE):
        fail(
            "values",
            f"a practice has the values {PRACTICE_VALUES} and the safe value {PRACTICE_SAFE_VALUE!r}",
        )
    protects = _choices(raw["protects"], Protects.values, lambda m: fail("protects", m))
    tiers = _choices(raw["applies_to_tiers"], Tier.values, lambda m: fail("applies_to_tiers", m))
    confidence = raw.get("confidence", inherited["confidence"])
    if confidence not in CONFIDENCE:
        fail("confidence", f"{confidence!r} is not one of high, low")
    last_verified_on = (
        _date(raw["last_verified_on"], lambda m: fail("last_verified_on", m))
        if "last_verified_on" in raw
        else inherited["last_verified_on"]
    )
    sources = _sources(raw["sources"], lambda m: fail("sources", m)) if "sources" in raw else inherited["sources"]
    wording_only = raw.get("wording_only", False)
    if not isinstance(wording_only, bool):
        fail("wording_only", f"{wording_only!r} must be true or false")
    deep_link = _url(raw.get("deep_link"), lambda m: fail("deep_link", m))

    return {
        # Not a model field: the loader pops it (this load's change of meaning is wording only).
        **({"wording_only": True} if wording_only else {}),
        "key": key,
        "label": _text(raw["label"], lambda m: fail("label", m), required=True, max_length=300),
        "navigation_steps": [s.strip() for s in steps],
        "control_type": control_type,
        "values": values,
        "safe_value": safe_value,
        "protects": protects,
        "applies_to_tiers": tiers,
        "deep_link": deep_link,
        **_probe_fields(raw, values=values, hosts=[*inherited["hosts"], *hosts_of(deep_link)], fail=fail),
        "notes": _text(raw.get("notes"), lambda m: fail("notes", m)),
        "sources": sources,
        "sources_disagree": _text(raw.get("sources_disagree"), lambda m: fail("sources_disagree", m)),
        "unsourced": _text(raw.get("unsourced"), lambda m: fail("unsourced", m)),
        "last_verified_on": last_verified_on,
        "verified": _confidence_backed(confidence, sources, lambda m: fail("confidence", m)),
    }


def _probe_fields(raw, *, values, hosts, fail):
    """Where the control lives and the probe that reads it (platforms/probes.py), with its verified date."""
    patterns = clean_url_patterns(
        raw.get("settings_url_patterns"), platform_hosts=hosts, fail=lambda m: fail("settings_url_patterns", m)
    )
    probe = clean_probe(raw.get("probe"), values=values, fail=lambda m: fail("probe", m))
    if probe and not patterns:
        fail("probe", "needs settings_url_patterns: the pages where the control can be read")
    verified_on = raw.get("probe_verified_on")
    if verified_on is not None:
        verified_on = _date(verified_on, lambda m: fail("probe_verified_on", m))
        if not probe:
            fail("probe_verified_on", "is set, but the setting has no probe")
    return {"settings_url_patterns": patterns, "probe": probe, "probe_verified_on": verified_on}


# --- field checks --------------------------------------------------------------------------


def _slug(value, fail):
    if not isinstance(value, str) or not SLUG_RE.match(value) or len(value) > 64:
        fail(f"{value!r} must be lowercase letters, digits and single hyphens (at most 64 characters)")
    return value


def _text(value, fail, *, required=False, max_length=None):
    if value is None:
        value = ""
    if not isinstance(value, str):
        fail(f"{value!r} must be text")
    value = value.strip()
    if required and not value:
        fail("must not be empty")
    if max_length and len(value) > max_length:
        fail(f"is longer than {max_length} characters")
    return value


def _url(value, fail):
    value = _text(value, fail)
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            fail(f"{value!r} is not an http(s) URL")
    return value


def _tristate(value, fail):
    if value is not None and not isinstance(value, bool):
        fail(f"{value!r} must be true, false or null")
    return value


def _flag(value, fail):
    if not isinstance(value, bool):
        fail(f"{value!r} must be true or false")
    return value


def _date(value, fail):
    return parse_date(value, fail)


def _sources(value, fail):
    if not isinstance(value, list) or not value:
        fail("must be a non-empty list of citations (publisher, title, published, url, kind, checked)")
    return [parse_citation(source, fail) for source in value]


def _confidence_backed(confidence, sources, fail):
    """High confidence needs the vendor's page or the press among the sources, not only blogs."""
    if confidence == "high" and not has_primary(sources):
        fail("is high, but every source is secondary (a blog, aggregator or copy): use low")
    return confidence == "high"


def _choices(value, allowed, fail):
    if not isinstance(value, list) or not value:
        fail(f"must be a non-empty list drawn from {', '.join(allowed)}")
    for item in value:
        if item not in allowed:
            fail(f"{item!r} is not one of {', '.join(allowed)}")
    if len(set(value)) != len(value):
        fail("lists an item twice")
    return value
