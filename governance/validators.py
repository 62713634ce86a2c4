"""Rules for untrusted text and numbers from HR, SCIM, API clients and URLs, defined once.

- Control characters (Unicode category Cc: C0, DEL, C1) and lone surrogates are refused in
  every value that is stored or looked up: PostgreSQL refuses NUL in text and surrogates in
  any encoding, and the rest has no business in a name or an id. Tab and newline pass only
  where a field allows several lines.
- External ids (employee ids, department codes) are URL-safe: RFC 3986 unreserved
  characters, 1 to 64 of them, and not "." or ".." (a browser resolves those as path steps).
- Ids from URLs and query strings are plain ASCII digits within a 64-bit primary key.
"""

import re

EXTERNAL_ID_PATTERN = r"^(?!\.{1,2}$)[A-Za-z0-9._~-]{1,64}$"
EXTERNAL_ID_HELP = "1 to 64 of A-Z a-z 0-9 . _ ~ - (not '.' or '..')."
MAX_ID = 2**63 - 1

_EXTERNAL_ID = re.compile(EXTERNAL_ID_PATTERN)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_EXCEPT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """The first forbidden character of ``text`` as "U+0000", or None when there is none."""
    match = (_CONTROL_EXCEPT_LINES if multiline else _CONTROL).search(text)
    return f"U+{ord(match.group()):04X}" if match else None


def control_character_message(text: str, *, multiline: bool = False) -> str | None:
    """The error message for ``text``, or None when it has no forbidden character."""
    found = control_character(text, multiline=multiline)
    return f"Control characters are not allowed (found {found})." if found else None


def visible(text: str) -> str:
    """``text`` with forbidden characters written as escapes, for echoing input in errors."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def is_url_safe_id(value: object) -> bool:
    return isinstance(value, str) and _EXTERNAL_ID.fullmatch(value) is not None


def parse_id(value: object) -> int | None:
    """A database id from a URL or query string ("42"), or None when ``value`` is not one:
    ASCII digits only (``str.isdigit`` accepts "²", which ``int`` refuses) and within a
    64-bit key, so that no database sees an integer it cannot hold."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None
