"""How the product's e-mails look and read: the organization they come from, dates in words,
and the stylesheet moved into ``style`` attributes.

Mail clients drop or rewrite a message's ``<style>`` element (Outlook's Word engine, many
webmail views of forwarded mail), so every mail's HTML goes through css-inline: each rule of
templates/email/base.html becomes the ``style`` attribute of the elements it matches, and only
what cannot be inlined (the ``@media`` rules for narrow screens) stays in a ``<style>`` element,
where the clients that honour it apply it. The inliner never fetches anything: a template that
linked a stylesheet would have it dropped, not downloaded.
"""

import datetime
import functools
import re
import secrets

import css_inline
from django.conf import settings
from django.template.loader import get_template
from django.utils import dateformat, translation
from django.utils.html import escape

PRODUCT_NAME = "AI Governance"

_INLINER = css_inline.CSSInliner(
    inline_style_tags=True,
    keep_style_tags=False,
    keep_at_rules=True,  # @media cannot go in an attribute: those rules stay in <style>
    load_remote_stylesheets=False,
)


# The stylesheet of templates/email/base.html, for fragments inlined on their own.
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def inline_css(html: str) -> str:
    """The HTML with its ``<style>`` rules written into each element's ``style`` attribute."""
    return _INLINER.inline(html)


@functools.cache
def email_stylesheet() -> str:
    """The rules of the mails' stylesheet (templates/email/base.html), read once."""
    source = get_template("email/base.html").template.source
    found = _STYLE.search(source)
    return found.group(1) if found else ""


def inline_fragment(html: str) -> str:
    """A piece of a mail (one tool of a digest) with the mails' stylesheet written into its
    elements, as :func:`inline_css` would write it inside the whole mail: the stylesheet's
    selectors name classes and elements, never a piece's place among its siblings or in the
    frame (tests/notifications/test_rendering.py compares both). A digest inlines each distinct
    piece once per run, and each mail's small frame around them."""
    return _INLINER.inline_fragment(html, email_stylesheet())


# What an HTML serializer writes for a character of a text node or of an attribute value (the
# HTML standard's "escaping a string", which css-inline follows when it writes a mail back out).
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "\xa0": "&nbsp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "\xa0": "&nbsp;", '"': "&quot;"})
# Characters an HTML parser does not keep as they are (carriage returns become line feeds, NUL
# is dropped or replaced, C1 controls are remapped): a value with one is inlined the long way.
_PARSER_CHANGES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class FrameInliner:
    """:func:`inline_css` for many mails that differ only in a few plain-text values (a name, a
    sign-in link) and in pieces inlined already (:func:`inline_fragment`): each distinct frame is
    inlined once, around markers, and every mail is the frame with its values escaped into place
    as the inliner's serializer would have written them (tests/notifications/test_rendering.py
    compares both on hostile values). A run's reminders come in a few dozen frames (how many
    tools, how many overdue), so a digest inlines a few dozen documents instead of one per person.

    Render the template with :meth:`marker` (marked safe) in place of each value and each piece,
    then call :meth:`inline` with the values and the pieces."""

    FRAMES = 1024  # distinct frames kept; past that the cache starts again (memory stays bounded)

    def __init__(self) -> None:
        # A marker nobody can put in a value or a template ahead of time: random for each inliner.
        self._nonce = secrets.token_hex(8)
        self._markers = re.compile(rf"mark{self._nonce}:(\w+):")
        self._frames: dict[str, list[tuple[str, str, bool]]] = {}

    def marker(self, name: str) -> str:
        if not name.isidentifier():
            raise ValueError(f"not a marker name: {name!r}")
        return f"mark{self._nonce}:{name}:"

    def inline(self, html: str, *, values: dict[str, str], pieces: dict[str, str]) -> str:
        if not values or any(_PARSER_CHANGES.search(value) for value in values.values()):
            # No value named as personal: the frame is the mail's own, not worth keeping.
            return self._inline_whole(html, values=values, pieces=pieces)
        frame = self._frames.get(html)
        if frame is None:
            if len(self._frames) >= self.FRAMES:
                self._frames.clear()
            frame = self._frames[html] = self._split(inline_css(html))
        out = []
        for literal, name, in_attribute in frame:
            out.append(literal)
            if name in pieces:
                out.append(pieces[name])
            elif name:
                out.append(values[name].translate(_ATTRIBUTE_ESCAPES if in_attribute else _TEXT_ESCAPES))
        return "".join(out)

    def _split(self, inlined: str) -> list[tuple[str, str, bool]]:
        """The inlined frame as (text before, marker name, whether it stands in an attribute)."""
        frame, start = [], 0
        for found in self._markers.finditer(inlined):
            at = found.start()
            in_attribute = inlined.rfind("<", 0, at) > inlined.rfind(">", 0, at)
            frame.append((inlined[start:at], found.group(1), in_attribute))
            start = found.end()
        frame.append((inlined[start:], "", False))
        return frame

    def _inline_whole(self, html: str, *, values: dict[str, str], pieces: dict[str, str]) -> str:
        filled = self._markers.sub(lambda found: escape(values.get(found.group(1), found.group(0))), html)
        return "".join(literal + pieces.get(name, "") for literal, name, _ in self._split(inline_css(filled)))


def organization_name() -> str:
    """The organization the mails speak for (``settings.ORGANIZATION_NAME``), or the product's
    name where none is configured."""
    return str(getattr(settings, "ORGANIZATION_NAME", "") or "").strip() or PRODUCT_NAME


def long_date(day: datetime.date) -> str:
    """A date in words, as the mails write every date: "Sunday 15 November 2026"."""
    return _long_date(day, translation.get_language())


@functools.lru_cache(maxsize=4096)
def _long_date(day: datetime.date, language: str | None) -> str:
    # A digest run writes the same few dates tens of thousands of times, and formatting one
    # (month and day names through the translation catalogue) costs more than the rest of a mail.
    return dateformat.format(day, "l j F Y")


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def due_in_words(due_on: datetime.date, *, today: datetime.date) -> str:
    """When something is due, relative to ``today`` (the caller's clock) and in words:
    "Overdue since Sunday 15 November 2026 (14 days ago)", "Due today, Sunday 29 November 2026",
    "Due on Sunday 6 December 2026 (in 7 days)"."""
    delta = (due_on - today).days
    if delta < 0:
        return f"Overdue since {long_date(due_on)} ({_days(-delta)} ago)"
    if delta == 0:
        return f"Due today, {long_date(due_on)}"
    if delta == 1:
        return f"Due tomorrow, {long_date(due_on)}"
    return f"Due on {long_date(due_on)} (in {_days(delta)})"
