"""The attest form with a keyboard alone (issue 16, point 7): Tab then Space lands on the
first answer, so the form marks the required one, says how the arrow keys work, flags an
answer that is not the required value at once, and shows a focus ring of at least 3:1."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from notifications.magic_links import make_login_link
from tests.attestations.builders import published_obligations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def luminance(rgb):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    """WCAG 2 contrast ratio of two sRGB colours."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def parse_css_colour(text):
    text = text.strip()
    if text.startswith("#"):
        digits = text[1:]
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))
    match = re.fullmatch(r"rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\)", text)
    assert match, text
    assert match.group(4) in (None, "1"), f"translucent colour: {text}"
    return tuple(int(match.group(i)) for i in (1, 2, 3))


def test_contrast_formula_matches_known_ratios():
    assert round(contrast((0, 0, 0), (255, 255, 255)), 1) == 21.0
    assert round(contrast(parse_css_colour("#f0b400"), parse_css_colour("#fff")), 1) == 1.9  # the old ring


def test_the_stylesheets_focus_colours_reach_3_to_1():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
    variables = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})", css))
    for surface in ("card", "bg"):
        assert contrast(parse_css_colour(variables["focus"]), parse_css_colour(variables[surface])) >= 3, surface
    header = re.search(r"\.site-header \{[^}]*background:\s*(#[0-9a-fA-F]{3,6})", css).group(1)
    assert contrast(parse_css_colour(variables["focus-on-dark"]), parse_css_colour(header)) >= 3


@pytest.fixture
def attest_page(page, make_user, settings, live_server):
    settings.SITE_URL = live_server.url
    emma = make_user(email="emma@example.test", full_name="Emma Employee").employee
    _, obligations = published_obligations(emma, tools=1, settings_per_tool=1)
    obligation = obligations[0]
    page.goto(make_login_link(emma))
    page.get_by_role("button", name="I have read the policy and will follow it").click()
    page.wait_for_load_state()
    page.goto(f"/me/tools/{obligation.pk}/")
    page.get_by_label(f"I use {obligation.platform.name}").check()
    setting = obligation.rule.required_settings.select_related("setting").get().setting
    return page, page.get_by_role("group", name=f"“{setting.label}”")


def tab_to(page, predicate_js, limit=40):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate_js):
            return
    raise AssertionError(f"never reached: {predicate_js}")


def focus_ring_contrast(page):
    """The focused element's outline colour against the background it is drawn on."""
    ring, surface = page.evaluate(
        """() => { const el = document.activeElement; const ring = getComputedStyle(el);
        let host = el.parentElement;
        while (host && ["rgba(0, 0, 0, 0)", "transparent"].includes(getComputedStyle(host).backgroundColor)) {
          host = host.parentElement; }
        return [ring.outlineStyle === "none" ? null : ring.outlineColor,
                getComputedStyle(host || document.body).backgroundColor]; }"""
    )
    assert ring, "no focus ring"
    return contrast(parse_css_colour(ring), parse_css_colour(surface))


def test_tab_then_space_is_flagged_and_arrows_reach_the_required_value(attest_page):
    page, group = attest_page
    assert group.get_by_label("Off (required)").count() == 1
    description_ids = group.get_attribute("aria-describedby").split()
    description = " ".join(page.locator(f"[id='{i}']").inner_text() for i in description_ids)
    assert "Required value: Off" in description and "arrow keys" in description

    tab_to(page, "document.activeElement.type === 'radio' && document.activeElement.name !== 'tool_used'")
    first = page.evaluate("document.activeElement.value")
    assert first == "on"  # Tab focuses the first answer without choosing it
    assert page.evaluate("document.activeElement.checked") is False
    assert focus_ring_contrast(page) >= 3

    page.keyboard.press("Space")
    assert group.get_by_label("On", exact=True).is_checked()
    assert group.locator(".answer-note").inner_text().startswith("This is not the required value (Off)")

    page.keyboard.press("ArrowDown")
    assert group.get_by_label("Off (required)").is_checked()
    assert group.locator(".answer-note").inner_text() == ""
    assert focus_ring_contrast(page) >= 3


def test_focus_ring_is_visible_on_every_surface(attest_page):
    page, _ = attest_page
    page.goto("/me/")
    # A link in the dark header, then a control on a card.
    tab_to(page, "document.activeElement.closest('.site-header') && document.activeElement.tagName === 'A'")
    assert focus_ring_contrast(page) >= 3
    tab_to(page, "document.activeElement.closest('main') && document.activeElement.tagName === 'A'")
    assert focus_ring_contrast(page) >= 3
