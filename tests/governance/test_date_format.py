"""One date format on every page (issue 16, point 10): "1 Dec 2026" and "1 Dec 2026, 14:05"."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone

DAY = datetime.date(2026, 12, 1)
MOMENT = datetime.datetime(2026, 12, 1, 14, 5, tzinfo=datetime.UTC)


def render(source, **context):
    return Template(source).render(Context(context))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ day }}", "1 Dec 2026"),
        ("{{ day|date }}", "1 Dec 2026"),
        ('{{ day|date:"SHORT_DATE_FORMAT" }}', "1 Dec 2026"),
        ("{{ moment|date }}", "1 Dec 2026"),
        ('{{ moment|date:"DATETIME_FORMAT" }}', "1 Dec 2026, 14:05"),
        ("{{ moment }}", "1 Dec 2026, 14:05"),
        ('{{ moment|date:"c" }}', "2026-12-01T14:05:00+00:00"),
    ],
)
def test_dates_render_in_the_one_format(settings, source, expected):
    settings.TIME_ZONE = "UTC"
    with timezone.override("UTC"):
        assert render(source, day=DAY, moment=MOMENT) == expected


def test_datetimes_are_shown_in_the_organizations_time_zone():
    with timezone.override("Asia/Tokyo"):
        assert render('{{ moment|date:"DATETIME_FORMAT" }}', moment=MOMENT) == "1 Dec 2026, 23:05"


def test_forms_still_read_iso_dates():
    """The display format changed, not what a date field accepts (input type=date sends ISO)."""
    from django import forms

    field = forms.DateField()
    assert field.clean("2026-12-01") == DAY


# A literal format string in a page template is a second format; named formats and the
# machine-readable ones (ISO 8601 for <time datetime>, the time zone's name) are the only ones.
ALLOWED = {"DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT", "c", "e", "U"}
LITERAL = re.compile(r"""\|date:\s*["']([^"']*)["']""")


def page_templates():
    root = Path(settings.BASE_DIR) / "templates"
    # E-mail bodies are written by the digests (issue 16, point 16), not by the page format.
    return sorted(p for p in root.rglob("*.html") if "email" not in p.relative_to(root).parts)


def test_no_page_template_hard_codes_a_date_format():
    found = {
        f"{path.name}: {fmt}"
        for path in page_templates()
        for fmt in LITERAL.findall(path.read_text())
        if fmt not in ALLOWED
    }
    assert page_templates(), "no templates found"
    assert not found, sorted(found)
