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


def test_a_digest_inlined_piece_by_piece_is_the_whole_mail_inlined_at_once():
    """A digest inlines each distinct tool once per run and each mail's frame around them
    (notifications.delivery.email_template's ``inlined``): byte for byte what inlining the whole
    mail gives, for every shape a tool takes (overdue, not compliant, practices, no setting)."""
    from types import SimpleNamespace

    from django.template.loader import get_template
    from django.utils.safestring import mark_safe

    from notifications.delivery import email_template, rendered_once

    check = {"label": "Improve the model for <everyone>", "value": "Off", "practice": False}
    practice = {"label": "Keep customer data out", "value": "", "practice": True}
    tools = [
        {
            "name": "Chat & GPT",
            "when": "Overdue since Sunday",
            "overdue": True,
            "noncompliant": False,
            "checks": [check],
        },
        {"name": "Claude", "when": "Due today", "overdue": False, "noncompliant": True, "checks": [check, practice]},
        {"name": "Notion", "when": "Due on Monday", "overdue": False, "noncompliant": False, "checks": []},
    ]
    context = {
        "employee": SimpleNamespace(full_name="Ada <Lovelace>"),
        "tool_lines": "- Chat & GPT\n- Claude\n- Notion",
        "count": 3,
        "overdue": 1,
        "today": TODAY,
        "today_in_words": rendering.long_date(TODAY),
        "link": "https://gov.example/magic/?a=1&b=2",
        "link_days": 3,
        "site_url": "https://gov.example",
    }
    row = rendered_once("reminder_tool")
    pieces = "\n".join(row(n, {"tool": tool})[1] for n, tool in enumerate(tools))
    message = email_template("reminder")(
        subject="Reminder", to="ada@example.com", context=context, inlined={"tool_rows": pieces}
    )

    each = get_template("notifications/email/reminder_tool.html")
    whole_rows = mark_safe("\n".join(each.render({"tool": tool}).strip() for tool in tools))
    whole = get_template("notifications/email/reminder.html").render(
        {"organization": rendering.organization_name(), "subject": "Reminder", **context, "tool_rows": whole_rows}
    )
    html = message.alternatives[0][0]
    assert html == rendering.inline_css(whole)
    assert 'class="item item-overdue" style="' in html and "&lt;everyone&gt;" in html and "<!--inlined" not in html
