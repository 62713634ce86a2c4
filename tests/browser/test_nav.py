"""The navigation bar stays one row (issue 16, point 11): at 1280 px every link and the account
sit side by side; at 375 px the links fold into a "Menu" disclosure that opens without
JavaScript. Every demo sign-in, since each role sees a different set of links."""

import pytest

from tests.browser.checks import sign_in_with_password

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 800}
LAPTOP = {"width": 1280, "height": 900}
EMAILS = ["admin@demo.example", "officer@demo.example", "manager@demo.example", "employee@demo.example"]

# The visible boxes of the bar itself (not of the open menu's panel), as rows: boxes whose
# vertical middles lie within a few pixels of each other share a row.
BAR_ROWS = """() => {
  const nav = document.querySelector('.site-header nav');
  const boxes = [...nav.querySelectorAll('.brand, :scope > ul > li, :scope > form > *, :scope > details > summary')]
    .map((el) => el.getBoundingClientRect())
    .filter((r) => r.width > 0 && r.height > 0);
  const middles = [...new Set(boxes.map((r) => Math.round((r.top + r.height / 2) / 8)))];
  return {rows: middles.length, boxes: boxes.length, navHeight: nav.getBoundingClientRect().height,
          overflow: nav.scrollWidth > nav.clientWidth + 1};
}"""


@pytest.fixture
def open_as(browser, live_server, demo):
    contexts = []

    def open_as(email, viewport, *, javascript=True):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return sign_in_with_password(page, email)

    yield open_as
    for context in contexts:
        context.close()


@pytest.mark.parametrize("width", [LAPTOP["width"], 1168])  # 1168: just wider than the menu's breakpoint (72rem)
@pytest.mark.parametrize("email", EMAILS)
def test_the_bar_is_one_row_at_1280px_with_every_link_visible(open_as, email, width):
    page = open_as(email, {**LAPTOP, "width": width})
    page.goto("/catalog/")
    bar = page.evaluate(BAR_ROWS)
    assert bar["rows"] == 1 and not bar["overflow"], bar
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Catalog").is_visible()
    assert nav.get_by_role("button", name="Sign out").is_visible()
    assert not nav.locator("summary").is_visible()  # no Menu button on a laptop
    if email == "admin@demo.example":
        assert bar["boxes"] >= 12  # brand, nine links, the e-mail address and Sign out
        for name in (
            "My AI tools",
            "My team",
            "Dashboard",
            "Reports",
            "Exceptions",
            "Tools in use",
            "Policies",
            "Integrations",
        ):
            assert nav.get_by_role("link", name=name).is_visible(), name


@pytest.mark.parametrize("email", EMAILS)
def test_at_375px_the_links_fold_into_a_menu_and_the_bar_stays_one_row(open_as, email):
    page = open_as(email, PHONE, javascript=False)  # a <details> needs no script
    page.goto("/catalog/")
    bar = page.evaluate(BAR_ROWS)
    assert bar["rows"] == 1 and bar["boxes"] == 2 and not bar["overflow"], bar  # brand and Menu
    nav = page.get_by_role("navigation", name="Main")
    assert not nav.get_by_role("link", name="Catalog").is_visible()
    nav.get_by_text("Menu", exact=True).click()
    assert nav.get_by_role("link", name="Catalog").is_visible()
    assert nav.get_by_role("button", name="Sign out").is_visible()
    assert page.evaluate(BAR_ROWS)["rows"] == 1  # the panel opens below the bar, not in it
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    nav.get_by_role("link", name="Catalog").click()
    page.wait_for_load_state()
    assert page.url.endswith("/catalog/")
