"""Where a setting's control lives on the tool's own site, and how the browser extension reads it.

Both are data, never code: the catalog file (or an admin) gives

- ``settings_url_patterns``: https addresses on the platform's own hosts where the control is
  shown, e.g. ``https://chatgpt.com/#settings/DataControls``; ``*`` in the path or the fragment
  matches any run of characters (``https://claude.ai/settings/*``). A pattern without a query or
  a fragment ignores the page's; the host is matched exactly (no wildcard hosts).
- ``probe``: how to find the control and read its state, a mapping with
  ``role`` (an ARIA role such as ``switch``) and ``name`` (its accessible name; the setting's
  label when left out), or ``selector`` (a CSS selector) instead of a role; ``read``: what
  to read (``aria-checked``, ``aria-pressed``, ``aria-selected``, ``checked``, ``selected``,
  ``text`` or ``value``); ``states``: what was read -> the catalog value (``"true": "on"``).
  A state the mapping does not name is "could not read", never a guess.

The extension (extension/src/lib/probe.js) applies the same rules; the two are kept in step by
their tests. A probe is versioned with the setting (``PlatformSetting.probe_revision``).
"""

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

PROBE_ROLES = (
    "switch",
    "checkbox",
    "radio",
    "menuitemcheckbox",
    "menuitemradio",
    "option",
    "tab",
    "button",
    "combobox",
)
PROBE_READS = ("aria-checked", "aria-pressed", "aria-selected", "checked", "selected", "text", "value")
PROBE_KEYS = {"role", "name", "selector", "read", "states"}
MAX_PATTERNS = 10
MAX_PATTERN_LENGTH = 300
MAX_SELECTOR_LENGTH = 300


def _fails(fail: Callable[[str], Any], message: str) -> None:
    fail(message)
    raise ValueError(message)  # ``fail`` raises; this only keeps type checkers and readers sure


def host_allowed(host: str, platform_hosts: Iterable[str]) -> bool:
    """A pattern's host is one of the platform's hosts or a sub-domain of one ("www." aside)."""
    host = host.lower().rstrip(".")
    for allowed in platform_hosts:
        allowed = allowed.lower().rstrip(".").removeprefix("www.")
        if allowed and (host == allowed or host.endswith("." + allowed)):
            return True
    return False


def hosts_of(*urls: str) -> list[str]:
    """The host names of the platform's own addresses (website, privacy page, deep links)."""
    hosts = {(urlsplit(url).hostname or "").lower() for url in urls if url}
    return sorted(host for host in hosts if host)


def clean_url_patterns(value: Any, *, platform_hosts: Iterable[str], fail: Callable[[str], Any]) -> list[str]:
    """The patterns as stored, or ``fail(message)``: a list of https addresses on the platform's hosts."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        _fails(fail, "must be a list of https addresses on the tool's own hosts")
    if len(value) > MAX_PATTERNS:
        _fails(fail, f"lists more than {MAX_PATTERNS} patterns")
    hosts = list(platform_hosts)
    cleaned: list[str] = []
    for pattern in value:
        if not isinstance(pattern, str) or not pattern.strip() or len(pattern) > MAX_PATTERN_LENGTH:
            _fails(fail, f"{pattern!r} must be an address of at most {MAX_PATTERN_LENGTH} characters")
        pattern = pattern.strip()
        parts = urlsplit(pattern)
        if parts.scheme != "https" or not parts.hostname:
            _fails(fail, f"{pattern!r} is not an https address")
        if "*" in parts.netloc or parts.username or parts.password or parts.port:
            _fails(fail, f"{pattern!r}: give the host itself, without a wildcard, a port or a user")
        if any(char.isspace() for char in pattern):
            _fails(fail, f"{pattern!r} contains a space")
        if not host_allowed(parts.hostname or "", hosts):
            _fails(fail, f"{pattern!r} is not on the tool's own hosts ({', '.join(hosts) or 'none known'})")
        if pattern in cleaned:
            _fails(fail, f"{pattern!r} is listed twice")
        cleaned.append(pattern)
    return cleaned


def clean_probe(value: Any, *, values: list[str], fail: Callable[[str], Any]) -> dict[str, Any]:
    """The probe as stored ({} for none), or ``fail(message)``."""
    if value in (None, {}, ""):
        return {}
    if not isinstance(value, dict):
        _fails(fail, "must be a mapping with role (and name) or selector, read and states")
    unknown = set(value) - PROBE_KEYS
    if unknown:
        _fails(fail, f"unknown key {sorted(unknown)[0]!r} (allowed: {', '.join(sorted(PROBE_KEYS))})")
    probe: dict[str, Any] = {}
    role, selector = value.get("role"), value.get("selector")
    if (role is None) == (selector is None):
        _fails(fail, "give either role (with an optional name) or selector, not both")
    if role is not None:
        if role not in PROBE_ROLES:
            _fails(fail, f"role {role!r} is not one of {', '.join(PROBE_ROLES)}")
        probe["role"] = role
        name = value.get("name")
        if name is not None:
            if not isinstance(name, str) or not name.strip() or len(name) > 300:
                _fails(fail, "name must be the control's accessible name (at most 300 characters)")
            probe["name"] = name.strip()
    else:
        if "name" in value:
            _fails(fail, "name goes with role; a selector finds the control by itself")
        if not isinstance(selector, str) or not selector.strip() or len(selector) > MAX_SELECTOR_LENGTH:
            _fails(fail, f"selector must be a CSS selector of at most {MAX_SELECTOR_LENGTH} characters")
        probe["selector"] = selector.strip()
    read = value.get("read")
    if read not in PROBE_READS:
        _fails(fail, f"read {read!r} is not one of {', '.join(PROBE_READS)}")
    probe["read"] = read
    states = value.get("states")
    if not isinstance(states, dict) or not states:
        _fails(fail, "states must map what is read (e.g. 'true') to the setting's values")
    cleaned_states: dict[str, str] = {}
    for seen, meant in states.items():
        if not isinstance(seen, str) or not seen.strip() or len(seen) > 200:
            _fails(fail, f"state {seen!r} must be text (quote true/false in YAML)")
        if meant not in values:
            _fails(fail, f"state {seen!r} maps to {meant!r}, which is not one of the values {values}")
        cleaned_states[seen.strip()] = meant
    probe["states"] = cleaned_states
    return probe


# --- a setting's probe, as the catalog's services keep it ----------------------------------

PROBE_FIELDS = ("probe",)


def probe_reason(setting: Any) -> str:
    """Why a setting's probe changed: the vendor changed the page, not what people must check."""
    return (
        f"{setting.platform.name}: the browser extension reads the setting \u201c{setting.label}\u201d in a new way "
        f"(probe revision {setting.probe_revision}); what you must check is unchanged"
    )


def bump_probe(setting: Any, changed: list[str]) -> bool:
    """Raise the setting's probe revision when its probe is among ``changed``; whether it did."""
    if not any(name in PROBE_FIELDS for name in changed):
        return False
    setting.probe_revision += 1
    changed.append("probe_revision")
    return True


def check_setting_probe(setting: Any) -> None:
    """An admin's edit of the patterns and the probe, by the catalog file's rules; ValidationError by field."""

    def failing(name: str) -> Callable[[str], None]:
        def fail(message: str) -> None:
            raise ValidationError({name: message[:1].upper() + message[1:] + "."})

        return fail

    platform = setting.platform
    hosts = hosts_of(platform.website, platform.privacy_url, setting.deep_link)
    setting.settings_url_patterns = clean_url_patterns(
        setting.settings_url_patterns, platform_hosts=hosts, fail=failing("settings_url_patterns")
    )
    setting.probe = clean_probe(setting.probe, values=list(setting.values or []), fail=failing("probe"))
    if setting.probe and not setting.settings_url_patterns:
        raise ValidationError({"probe": "A probe needs the settings pages' patterns, where the control can be read."})
