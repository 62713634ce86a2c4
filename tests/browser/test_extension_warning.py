"""A prohibiting rule's choice when its tool's site is opened, in Debian's chromium with the
extension loaded (the fixtures of tests/browser/test_extension.py): "warn" puts a full warning
page over the site with "Continue anyway", "block" the same page without it, "none" only the
panel. The warning takes the keyboard focus, so that a keyboard or screen-reader user lands in it.

The warning lives in a closed shadow root: the test reads the accessibility tree and drives the
keyboard, as a person would."""

import pytest

from browser_extension import services
from policies.models import ToolRule
from tests.attestations.builders import new_version, publish
from tests.browser import test_extension as base
from tests.factories import PlatformFactory, ToolRuleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

extension = base.extension  # the chromium profile with the extension built for this server

WARNING_TITLE = "DeepSeek is prohibited by your organization"
COVERED = (
    "document.elementFromPoint(innerWidth / 2, innerHeight / 2) === document.getElementById('ai-governance-extension')"
)


@pytest.fixture
def on_open():
    return ToolRule.OnOpen.NONE  # each test parametrizes it


@pytest.fixture
def paired_page(extension, live_server, employee_user, on_open):
    """A paired browser's new tab; DeepSeek prohibited with ``on_open``, ChatGPT approved."""
    version = new_version(number=2)
    chatgpt = PlatformFactory(slug="chatgpt", name="ChatGPT", website="https://chatgpt.com")
    deepseek = PlatformFactory(slug="deepseek", name="DeepSeek", website="https://chat.deepseek.com")
    ToolRuleFactory(version=version, platform=chatgpt, stance=ToolRule.Stance.APPROVED)
    ToolRuleFactory(version=version, platform=deepseek, stance=ToolRule.Stance.PROHIBITED, on_open=on_open)
    publish(version)
    context, extension_id = extension
    _, code = services.create_pairing_code(employee=employee_user.employee, actor=None)
    base._pair(context, extension_id, live_server.url, code)
    return context.new_page()


def _nodes(page):
    session = page.context.new_cdp_session(page)
    try:
        return session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()


def _focused(page):
    """(role, name) of the node that has the keyboard focus, closed shadow roots included."""
    for node in _nodes(page):
        properties = {p["name"]: p.get("value", {}).get("value") for p in node.get("properties", [])}
        if properties.get("focused") and (node.get("role") or {}).get("value") != "RootWebArea":
            return (node["role"]["value"], (node.get("name") or {}).get("value", ""))
    return None


def _wait_for(page, wanted):
    """The spoken (role, name) pairs once ``wanted`` is among them (at most 5 s)."""
    for _ in range(50):
        spoken = base._spoken(page)
        if wanted in spoken:
            return spoken
        page.wait_for_timeout(100)
    raise AssertionError(f"{wanted} never appeared: {spoken}")


@pytest.mark.parametrize("on_open", [ToolRule.OnOpen.WARN])
def test_warn_shows_the_warning_with_the_focus_in_it_and_continue_reveals_the_site(paired_page):
    page = paired_page
    page.goto("https://chat.deepseek.com/")
    spoken = _wait_for(page, ("heading", WARNING_TITLE))
    assert ("alertdialog", WARNING_TITLE) in spoken
    assert any(name.startswith("Prohibited under our policy. Use ChatGPT instead") for _, name in spoken), spoken
    assert ("button", "Continue anyway") in spoken
    assert page.evaluate(COVERED), "the warning covers the site"
    assert _focused(page) == ("button", "Leave this site")
    assert not any(name.startswith("Your organization's policy for") for _, name in spoken), "no panel yet"

    page.keyboard.press("Tab")
    assert _focused(page) == ("button", "Continue anyway")
    page.keyboard.press("Enter")

    spoken = _wait_for(page, ("region", "Your organization's policy for DeepSeek"))
    assert ("heading", WARNING_TITLE) not in spoken
    assert not page.evaluate(COVERED), "the site is there again"
    assert page.get_by_text("Message DeepSeek").is_visible()


@pytest.mark.parametrize("on_open", [ToolRule.OnOpen.BLOCK])
def test_block_shows_the_warning_without_a_way_to_continue(paired_page):
    page = paired_page
    page.goto("https://chat.deepseek.com/")
    spoken = _wait_for(page, ("heading", WARNING_TITLE))
    assert ("button", "Leave this site") in spoken
    assert not any(name == "Continue anyway" for _, name in spoken), spoken
    assert _focused(page) == ("button", "Leave this site")
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    page.wait_for_timeout(300)
    assert page.evaluate(COVERED), "neither Escape nor Tab lifts the block"
    assert not any(name.startswith("Your organization's policy for") for _, name in base._spoken(page))


@pytest.mark.parametrize("on_open", [ToolRule.OnOpen.NONE])
def test_none_shows_the_panel_and_no_warning(paired_page):
    page = paired_page
    page.goto("https://chat.deepseek.com/")
    spoken = _wait_for(page, ("region", "Your organization's policy for DeepSeek"))
    assert ("heading", WARNING_TITLE) not in spoken and "alertdialog" not in {role for role, _ in spoken}
    assert not page.evaluate(COVERED)


@pytest.mark.parametrize("on_open", [ToolRule.OnOpen.BLOCK])
def test_an_approved_tool_never_shows_the_warning(paired_page):
    page = paired_page
    page.goto("https://chatgpt.com/")
    spoken = _wait_for(page, ("region", "Your organization's policy for ChatGPT"))
    assert "alertdialog" not in {role for role, _ in spoken}
