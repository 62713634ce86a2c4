import datetime

import pytest

from notifications import rendering
from tests.clock import noon_on

TODAY = datetime.date(2026, 11, 29)
NOW = noon_on(TODAY)  # the clock frozen for the module; TODAY is passed down where a function takes it

pytestmark = pytest.mark.time_machine(NOW, tick=True)


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (-14, "Overdue since Sunday 15 November 2026 (14 days ago)"),
        (-1, "Overdue since Saturday 28 November 2026 (1 day ago)"),
        (0, "Due today, Sunday 29 November 2026"),
        (1, "Due tomorrow, Monday 30 November 2026"),
        (7, "Due on Sunday 6 December 2026 (in 7 days)"),
    ],
)
def test_due_dates_are_said_in_words_relative_to_the_day_passed_in(days, words):
    assert rendering.due_in_words(TODAY + datetime.timedelta(days=days), today=TODAY) == words


def test_inlining_moves_rules_into_style_attributes_and_keeps_only_media_rules():
    html = rendering.inline_css(
        "<html><head><style>.button { color: #fff; } @media (max-width: 480px) { .button { display: block; } }"
        '</style></head><body><a class="button" href="#">Go</a></body></html>'
    )

    assert '<a class="button" href="#" style="color: #fff;">' in html
    assert "@media (max-width: 480px)" in html and ".button { color" not in html


def test_inlining_never_fetches_a_linked_stylesheet():
    html = rendering.inline_css(
        '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head><body><p>Hi</p></body></html>'
    )

    assert "<p>Hi</p>" in html and "127.0.0.1:9" not in html


def test_organization_name_comes_from_settings_else_the_products_name(settings):
    settings.ORGANIZATION_NAME = "  Northwind Health Ltd "
    assert rendering.organization_name() == "Northwind Health Ltd"
    settings.ORGANIZATION_NAME = ""
    assert rendering.organization_name() == "AI Governance"
