"""Citations: where a catalog fact comes from, as a reader would cite it.

A citation is a plain dict stored in an entry's ``sources`` JSON list::

    {"publisher": "OpenAI", "title": "Data Controls FAQ", "published": None,
     "url": "https://help.openai.com/en/articles/7730893", "kind": "vendor",
     "checked": "2026-12-01", "inferred": [], "note": ""}

``kind`` says how much weight it carries: ``vendor`` (the vendor's own help, privacy or
terms page), ``press`` (a named publication), ``secondary`` (blogs, aggregators, forums,
copies of vendor text). ``inferred`` names the fields that are not printed in the source
itself (they are shown as such). Dates are ISO strings, so the list stays JSON.

The built-in files are checked strictly by :func:`parse_citation`; rows written before
citations existed held bare strings (a seed file name or a URL), which
:func:`as_citation` turns into a citation for display, never showing a file name.
"""

import datetime
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

KINDS = ("vendor", "press", "secondary")
KIND_LABELS = {"vendor": "vendor's page", "press": "press", "secondary": "secondary source"}
CITATION_FIELDS = {"publisher", "title", "published", "url", "kind", "checked", "inferred", "note"}
INFERABLE = ("publisher", "title", "published")

# What the seed documents (../shared/reference/sources.yaml) say about themselves, so that a
# row still naming a seed file shows a citation. Publisher names marked inferred there stay so.
SEED_CITATIONS = {
    "000_95640e8dfdef792a.txt": {
        "publisher": "WIRED",
        "title": "How to Stop Your Data From Being Used to Train AI",
        "published": "2024-04-10",
        "url": "https://www.wired.com/story/how-to-stop-your-data-from-being-used-to-train-ai/",
        "kind": "press",
        "inferred": [],
    },
    "001_c10d63ac2c122810.txt": {
        "publisher": "CMSWire",
        "title": "Untitled contributor column on opting out in ChatGPT, Claude and Gemini",
        "published": None,
        "url": "",
        "kind": "press",
        "inferred": ["publisher", "title"],
    },
    "002_01e404f4868005e3.txt": {
        "publisher": "TechTarget WhatIs",
        "title": "How to opt out of AI training across social media platforms",
        "published": None,
        "url": "",
        "kind": "press",
        "inferred": ["publisher"],
    },
    "003_71450ebbb7f06657.txt": {
        "publisher": "",
        "title": "How to Opt Out of AI Training on Social Media",
        "published": None,
        "url": "",
        "kind": "secondary",
        "inferred": [],
    },
}


def _blank(**values):
    citation = {
        "publisher": "",
        "title": "",
        "published": None,
        "url": "",
        "kind": "secondary",
        "checked": None,
        "inferred": [],
        "note": "",
    }
    citation.update(values)
    return citation


def as_citation(value):
    """A stored source as a citation dict (legacy strings included); never a bare file name."""
    if isinstance(value, dict):
        return _sanitized(value)
    text = str(value).strip()
    if text in SEED_CITATIONS:
        return _blank(**SEED_CITATIONS[text])
    if text.startswith(("http://", "https://")):
        return _blank(publisher=urlsplit(text).hostname or "", url=text)
    return _blank(title="An unnamed document (no publisher, title or address recorded)")


def _sanitized(value):
    """A stored dict made safe to print whoever wrote it (the Django admin edits raw JSON):
    text fields as text, an address only when it is http(s), unknown kinds as secondary."""
    citation = _blank()
    for name in ("publisher", "title", "note"):
        if isinstance(value.get(name), str):
            citation[name] = value[name][:500]
    url = value.get("url")
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        citation["url"] = url
    for name in ("published", "checked"):
        if isinstance(value.get(name), str):
            citation[name] = value[name]
    if value.get("kind") in KINDS:
        citation["kind"] = value["kind"]
    if isinstance(value.get("inferred"), list):
        citation["inferred"] = [item for item in value["inferred"] if item in INFERABLE]
    if not (citation["publisher"] or citation["title"] or citation["url"]):
        citation["title"] = "An unnamed document (no publisher, title or address recorded)"
    return citation


def citation_from_line(line):
    """A citation typed by an admin: ``URL``, a document's name, or
    ``Publisher | Title | YYYY-MM-DD | URL`` (``-`` for an unknown date or address).

    Raises ValidationError with a message naming the problem."""
    parts = [part.strip() for part in line.split("|")]
    if len(parts) == 1:
        if not parts[0].startswith(("http://", "https://")):
            return _blank(title=parts[0][:500])  # a document known by name only (an internal wiki page)
        url = _checked_url(parts[0])
        return _blank(publisher=urlsplit(url).hostname or "", url=url)
    if len(parts) != 4:
        raise ValidationError(f"{line!r}: give a URL, or Publisher | Title | published date (or -) | URL (or -).")
    publisher, title, published, url = parts
    if not (publisher or title):
        raise ValidationError(f"{line!r}: name the publisher or the title.")
    published_iso = None
    if published not in ("", "-"):
        try:
            published_iso = datetime.date.fromisoformat(published).isoformat()
        except ValueError:
            raise ValidationError(f"{line!r}: {published!r} is not a date (YYYY-MM-DD).") from None
    url = "" if url in ("", "-") else _checked_url(url)
    return _blank(publisher=publisher, title=title, published=published_iso, url=url)


def citation_to_line(value):
    citation = as_citation(value)
    if citation["url"] and not (citation["title"] or citation["published"]):
        return citation["url"]
    if citation["title"] and not (citation["publisher"] or citation["url"] or citation["published"]):
        return citation["title"]
    return " | ".join([citation["publisher"], citation["title"], citation["published"] or "-", citation["url"] or "-"])


def _checked_url(value):
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError(f"{value!r} is not an http(s) address.") from None
    return value


def parse_citation(raw, fail):
    """One citation from a catalog file, every field checked; ``fail(message)`` raises."""
    if not isinstance(raw, dict):
        fail(
            f"{raw!r} is not a citation: give a mapping with publisher, title, published, url, kind and "
            "checked (a seed file name or a bare URL is not enough)"
        )
    unknown = set(raw) - CITATION_FIELDS
    if unknown:
        fail(f"a citation has an unknown field '{sorted(unknown)[0]}' (allowed: {', '.join(sorted(CITATION_FIELDS))})")
    publisher = _text(raw.get("publisher"), "publisher", fail)
    title = _text(raw.get("title"), "title", fail)
    if not (publisher or title):
        fail("a citation must name its publisher or its title")
    kind = raw.get("kind")
    if kind not in KINDS:
        fail(f"a citation's kind {kind!r} is not one of {', '.join(KINDS)}")
    if "checked" not in raw:
        fail(f"the citation {publisher or title!r} has no 'checked' date (when it was last read)")
    inferred = raw.get("inferred", [])
    if not isinstance(inferred, list) or any(item not in INFERABLE for item in inferred):
        fail(f"a citation's inferred must be a list drawn from {', '.join(INFERABLE)}")
    url = _text(raw.get("url"), "url", fail)
    if url:
        try:
            _checked_url(url)
        except ValidationError:
            fail(f"a citation's url {url!r} is not an http(s) address")
    published = raw.get("published")
    return {
        "publisher": publisher,
        "title": title,
        "published": None if published is None else _iso(published, "published", fail),
        "url": url,
        "kind": kind,
        "checked": _iso(raw["checked"], "checked", fail),
        "inferred": list(inferred),
        "note": _text(raw.get("note"), "note", fail),
    }


def _text(value, name, fail):
    if value is None:
        return ""
    if not isinstance(value, str):
        fail(f"a citation's {name} {value!r} must be text")
    if len(value) > 500:
        fail(f"a citation's {name} is longer than 500 characters")
    return value.strip()


def parse_date(value, fail, *, what=""):
    """A date as YAML or a form gives it: a date, a datetime (its day) or YYYY-MM-DD text; any
    other value calls ``fail`` with the message (prefixed with ``what``)."""
    prefix = f"{what} " if what else ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            fail(f"{prefix}{value!r} is not a date (YYYY-MM-DD)")
    if not isinstance(value, datetime.date):
        fail(f"{prefix}{value!r} is not a date (YYYY-MM-DD)")
    return value


def _iso(value, name, fail):
    return parse_date(value, fail, what=f"a citation's {name}").isoformat()


def has_primary(citations):
    """True when at least one citation is the vendor's page or the press (not only blogs)."""
    return any(as_citation(c)["kind"] in ("vendor", "press") for c in citations)
