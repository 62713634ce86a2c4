import datetime
import re

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


# Names and links as HR, SCIM and a misconfigured SITE_URL can send them: markup, quotes of both
# kinds, ampersands, a non-breaking space, characters outside ASCII and the BMP, and the control
# characters an HTML parser rewrites (which take the long way round, FrameInliner._inline_whole).
HOSTILE = [
    ("Ada Lovelace", "https://gov.example/magic/?a=1&b=2"),
    ('Ada <Lovelace> & "Byron" O\'Neil', "https://gov.example/m/?q=<x>&r=\"'"),
    ("Zo\u00eb\u00a0Ng\u00f4 \U0001f600 \u05e9\u05dc\u05d5\u05dd", "https://gov.example/m/?n=\u00a0&amp;"),
    ("Line\r\nbreak\ttab\x00nul\x85nel", "https://gov.example/m/\r?x=\x01"),
    ("<!--inlined:tool_rows--> <script>alert(1)</script>", "javascript:alert(1)"),
]


@pytest.mark.parametrize(("name", "link"), HOSTILE)
def test_a_digest_inlined_piece_by_piece_is_the_whole_mail_inlined_at_once(name, link):
    """A digest inlines each distinct tool once per run and each distinct frame around them once
    (notifications.delivery.email_template's ``inlined`` and ``personal``), then escapes each
    person's name and link into place: byte for byte what inlining the whole mail gives, for every
    shape a tool takes (overdue, not compliant, practices, no setting) and for hostile values."""
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
        "tool_lines": "- Chat & GPT\n- Claude\n- Notion",
        "count": 3,
        "overdue": 1,
        "today": TODAY,
        "today_in_words": rendering.long_date(TODAY),
        "link_days": 3,
        "site_url": "https://gov.example",
    }
    row = rendered_once("reminder_tool")
    pieces = "\n".join(row(n, {"tool": tool})[1] for n, tool in enumerate(tools))
    make = email_template("reminder")
    personal = {"employee_name": name, "link": link}
    # The second mail of a frame is the frame inlined for the first with the second's values in it.
    make(
        subject="Reminder",
        to="x@example.com",
        context=context,
        inlined={"tool_rows": pieces},
        personal={"employee_name": "X", "link": "https://gov.example/x"},
    )
    message = make(
        subject="Reminder", to="ada@example.com", context=context, inlined={"tool_rows": pieces}, personal=personal
    )

    each = get_template("notifications/email/reminder_tool.html")
    whole_rows = mark_safe("\n".join(each.render({"tool": tool}).strip() for tool in tools))
    whole = get_template("notifications/email/reminder.html").render(
        {
            "organization": rendering.organization_name(),
            "subject": "Reminder",
            **context,
            **personal,
            "tool_rows": whole_rows,
        }
    )
    html = message.alternatives[0][0]
    assert html == rendering.inline_css(whole)
    assert 'class="item item-overdue" style="' in html and "&lt;everyone&gt;" in html and "<script>" not in html
    assert not re.search(r"mark[0-9a-f]{16}:", html)  # no marker left behind
    assert message.body.count(name) == 1 and link in message.body  # the plain-text part says them as they are


def test_a_frame_is_inlined_once_for_every_mail_of_its_shape(monkeypatch):
    calls = []
    inline = rendering.inline_css
    monkeypatch.setattr(rendering, "inline_css", lambda html: calls.append(html) or inline(html))
    frames = rendering.FrameInliner()
    name, rows = frames.marker("name"), frames.marker("legend_rows_end")  # a name with "end" in it
    html = f'<html><head><style>p {{ color: red; }}</style></head><body><p title="{name}">Hello {name}</p>{rows}</body></html>'

    mails = [
        frames.inline(html, values={"name": who}, pieces={"legend_rows_end": "<ul></ul>"})
        for who in ["Ann", 'B&"<b>', "Cy"]
    ]

    assert len(calls) == 1
    assert '<p title="B&amp;&quot;<b>" style="color: red;">Hello B&amp;"&lt;b&gt;</p><ul></ul>' in mails[1]
    frames.inline(html, values={"name": "Dee\r\n"}, pieces={"legend_rows_end": ""})  # a value the parser rewrites
    assert len(calls) == 2 and "Dee" in calls[1]
    with pytest.raises(ValueError):
        frames.marker("not a name")


def test_a_mails_frame_is_rendered_once_for_the_same_plain_values(monkeypatch):
    from django.utils.safestring import mark_safe

    from notifications import delivery

    renders = []
    real = delivery.get_template

    class Counting:
        def __init__(self, name):
            self.name, self.template = name, real(name)

        def render(self, context):
            renders.append(self.name)
            return self.template.render(context)

    monkeypatch.setattr(delivery, "get_template", Counting)
    make = delivery.email_template("reminder")
    context = {"count": 2, "overdue": 0, "today": TODAY, "link_days": 3, "site_url": "https://gov.example"}

    def send(who, **changes):
        personal = {"employee_name": who, "link": f"https://gov.example/{who}", "tool_lines": f"- {who}"}
        mail = make(subject="S", to="a@example.com", context={**context, **changes}, personal=personal, inlined={})
        assert f"Hello {who}," in mail.alternatives[0][0] and f"- {who}" in mail.body
        return renders.count("notifications/email/reminder.html")

    assert [send("Ann"), send("Bo")] == [1, 1]  # the second person's mail reuses the frame
    assert send("Cy", count=3) == 2  # another value, another frame
    assert send("Di", site_url=mark_safe("https://gov.example")) == 3  # a safe string renders unescaped
    assert [send("Ed", employee=object()), send("Flo", employee=object())] == [4, 5]  # not plain: never kept
    assert renders.count("notifications/email/reminder.txt") == 6  # the text part, every mail
