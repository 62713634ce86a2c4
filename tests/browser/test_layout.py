"""Layout at a phone's width and a laptop's, with the demo organization (issue 16, points 6 and
10): the favicon exists, htmx keeps to the Content-Security-Policy, the policy text reads in the
page, and lists turn into cards on a phone. That no page scrolls sideways at 375 px nor breaks
the CSP, test_every_page checks on every page the links reach."""

import re

import pytest

from tests.browser.checks import WATCH_CSP, sign_in_with_password

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 800}
LAPTOP = {"width": 1280, "height": 900}


@pytest.fixture
def open_as(browser, live_server, demo):
    """A signed-in page at the given viewport, recording console errors and CSP violations."""
    contexts = []

    def open_as(email, viewport):
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.add_init_script(WATCH_CSP)
        page.console_errors = []
        page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
        return sign_in_with_password(page, email)

    yield open_as
    for context in contexts:
        context.close()


def visit(page, path):
    response = page.goto(path)
    page.wait_for_load_state("networkidle")
    assert response.status == 200, (path, response.status)
    return {
        "path": path,
        "width": page.evaluate("document.scrollingElement.scrollWidth"),
        "csp": page.evaluate("window.__cspViolations"),
    }


def test_the_sign_in_page_and_the_dashboard_log_no_error_at_1280px(open_as):
    page = open_as("officer@demo.example", LAPTOP)
    assert page.evaluate("window.__cspViolations") == []
    result = visit(page, "/dashboard/")
    assert result["csp"] == []
    # htmx is loaded and kept its indicator rule out of the page: it comes from app.css.
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.locator("head style").count() == 0
    probe = page.evaluate(
        """() => { const el = document.createElement("span"); el.className = "htmx-indicator";
        document.body.append(el); const hidden = getComputedStyle(el).opacity; el.remove(); return hidden; }"""
    )
    assert probe == "0"
    assert not page.console_errors, page.console_errors


def test_favicon_is_served_from_static(open_as):
    page = open_as("officer@demo.example", LAPTOP)
    response = page.request.get("/favicon.ico")
    assert response.status == 200
    assert response.url.endswith("/static/favicon.ico")
    assert response.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    icon = page.locator("link[rel=icon]").get_attribute("href")
    linked = page.request.get(icon)
    assert linked.status == 200 and linked.headers["content-type"].startswith("image/svg+xml")


LONG_POLICY = "\n\n".join(
    [
        "# Using AI tools at work",
        *(f"Paragraph {n}: keep customer data out of prompts and check your settings." for n in range(1, 41)),
        "| Tool | Stance | Why |\n| --- | --- | --- |\n| ChatGPT | approved | business tier, training off |\n"
        "| Claude | restricted | no customer data, and a rather long explanation that wraps |",
        "Last paragraph: the end of the policy.",
    ]
)


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["375", "1280"])
def test_the_policy_to_acknowledge_reads_in_the_page_with_the_button_after_it(
    browser, live_server, make_user, settings, viewport
):
    from notifications.magic_links import make_login_link
    from tests.attestations.builders import new_version, published_obligations

    settings.SITE_URL = live_server.url
    emma = make_user(email="emma@example.test", full_name="Emma Employee").employee
    published_obligations(emma, tools=1, version=new_version(body_markdown=LONG_POLICY))
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    try:
        page = context.new_page()
        page.goto(make_login_link(emma))
        text = page.locator(".policy-text")
        assert text.get_by_text("Last paragraph: the end of the policy.").is_visible()
        box = page.evaluate(
            """() => { const el = document.querySelector(".policy-text"); const style = getComputedStyle(el);
            return {scroll: el.scrollHeight, client: el.clientHeight, overflow: style.overflowY,
                    maxHeight: style.maxHeight, bottom: el.getBoundingClientRect().bottom + scrollY}; }"""
        )
        assert box["overflow"] == "visible" and box["maxHeight"] == "none", box
        assert box["scroll"] <= box["client"] + 1, box  # nothing hidden behind an inner scroll bar
        button = page.get_by_role("button", name="I have read the policy and will follow it")
        top = button.evaluate("el => el.getBoundingClientRect().top + scrollY")
        assert top >= box["bottom"]
        assert page.evaluate("document.scrollingElement.scrollWidth") <= viewport["width"]
    finally:
        context.close()


def test_on_a_phone_lists_are_stacked_cards_with_a_one_line_summary(open_as):
    page = open_as("manager@demo.example", PHONE)
    page.goto("/team/")
    rows = page.locator("table.team-table tbody tr")
    assert rows.count() > 0
    first = rows.first
    assert first.evaluate("el => getComputedStyle(el).display") == "block"
    summary = first.locator(".row-summary").inner_text()
    assert re.fullmatch(r"\d+/\d+ done( · \d+ overdue)?", summary), summary
    # Each tool's status is labelled by its tool on the card.
    labels = first.locator("td[data-label]").evaluate_all("cells => cells.map(c => c.dataset.label)")
    columns = page.locator("table.team-table thead th").all_inner_texts()
    assert labels == columns[2:]
    page.goto("/dashboard/people/")
    assert page.locator("table.people-list tbody tr").first.evaluate("el => getComputedStyle(el).display") == "block"
    # The headers that sort the list stay visible (as links above the cards), not hidden focus stops.
    sort_link = page.locator("table.people-list thead").get_by_role("link", name="Due on")
    assert sort_link.is_visible() and sort_link.bounding_box()["width"] > 1


def test_at_1280px_the_team_table_shows_every_tool_column(open_as):
    page = open_as("manager@demo.example", LAPTOP)
    page.goto("/team/")
    rows = page.locator("table.team-table tbody tr")
    assert rows.first.evaluate("el => getComputedStyle(el).display") == "table-row"
    wrap = page.locator(".table-wrap:has(table.team-table)")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), "the team table scrolls inside its box"
    headers = page.locator("table.team-table thead th")
    assert headers.count() >= 6  # name, done, department and the demo policy's tools
    for index in range(headers.count()):
        box = headers.nth(index).bounding_box()
        assert box["x"] + box["width"] <= LAPTOP["width"], headers.nth(index).inner_text()
