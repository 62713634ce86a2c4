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

import css_inline
from django.conf import settings
from django.template.loader import get_template
from django.utils import dateformat, translation

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
