"""The browser extension (extension/) in Debian's chromium: built by extension/build.py for the
test's server, loaded unpacked (--load-extension) into a profile of its own, and the catalog
tools' host names resolved to local stand-ins of their sites (tests/browser/tool_sites.py).

The panel lives in a closed shadow root, which the tool's page (and Playwright's locators) cannot
reach: the test reads what a screen reader reads, the page's accessibility tree (DevTools'
Accessibility domain), and drives the keyboard."""

import datetime
import time

import pytest
from django.utils import timezone

from attestations.models import ObligationStatus
from browser_extension import services
from browser_extension.models import Device, UsageSignal
from governance.roles import Role
from policies.models import ToolRule
from tests.attestations.builders import new_version, publish
from tests.browser.checks import sign_in_with_password
from tests.browser.tool_sites import chromium_with_extension
from tests.factories import ObligationFactory, PlatformFactory, ToolRuleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SITES = {
    ("chatgpt.com", "/"): ("ChatGPT", "<p>What can I help with?</p>"),
    ("claude.ai", "/"): ("Claude", "<p>How can I help you today?</p>"),
    ("chat.deepseek.com", "/"): ("DeepSeek", "<p>Message DeepSeek</p>"),
    ("example.com", "/"): ("Example", "<p>Not an AI tool.</p>"),
}


@pytest.fixture
def signals_on():
    return False  # a test turns them on with parametrize("signals_on", [True])


@pytest.fixture
def policy(employee_user, signals_on):
    """ChatGPT approved (an attestation due in three days), Claude restricted (overdue),
    DeepSeek prohibited; usage signals off unless the test turns them on."""
    employee = employee_user.employee
    tools = {
        slug: PlatformFactory(slug=slug, name=name, website=f"https://{host}")
        for slug, name, host in (
            ("chatgpt", "ChatGPT", "chatgpt.com"),
            ("claude", "Claude", "claude.ai"),
            ("deepseek", "DeepSeek", "chat.deepseek.com"),
        )
    }
    version = new_version(number=4, usage_signals=signals_on)
    today = timezone.localdate()
    approved = ToolRuleFactory(version=version, platform=tools["chatgpt"], stance=ToolRule.Stance.APPROVED)
    restricted = ToolRuleFactory(
        version=version, platform=tools["claude"], stance=ToolRule.Stance.RESTRICTED, notes="No customer data"
    )
    ToolRuleFactory(version=version, platform=tools["deepseek"], stance=ToolRule.Stance.PROHIBITED)
    publish(version)
    ObligationFactory(employee=employee, rule=approved, due_on=today + datetime.timedelta(days=3))
    ObligationFactory(
        employee=employee, rule=restricted, status=ObligationStatus.PENDING, due_on=today - datetime.timedelta(days=2)
    )
    return {"employee": employee, "version": version, "tools": tools}


@pytest.fixture
def extension(playwright_session, live_server, tmp_path):
    """A chromium profile with the extension built for this server; yields (context, extension id)."""
    with chromium_with_extension(playwright_session, server_url=live_server.url, folder=tmp_path, sites=SITES) as found:
        yield found


@pytest.fixture
def server_paths():
    """The paths the test's server was asked for (the live server runs in this process)."""
    from django.core.signals import request_started

    paths = []

    def record(sender, environ=None, **kwargs):
        paths.append(environ.get("PATH_INFO", "") if environ else "")

    request_started.connect(record, weak=False)
    yield paths
    request_started.disconnect(record)


SIGNALS = "/api/extension/v1/signals"


def _pair(context, extension_id, server, code):
    page = context.new_page()
    page.goto(f"chrome-extension://{extension_id}/options.html")
    page.get_by_label("Governance site").fill(server)
    page.get_by_label("Pairing code").fill(code)
    page.get_by_label("Name of this browser").fill("Browser test")
    page.get_by_role("button", name="Pair").click()
    page.get_by_text("This browser is paired with").wait_for()
    return page


def _spoken(page):
    """(role, name) of every node of the page's accessibility tree, closed shadow roots included."""
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    spoken = []
    for node in nodes:
        role = (node.get("role") or {}).get("value", "")
        name = (node.get("name") or {}).get("value", "")
        if name and not node.get("ignored"):
            spoken.append((role, name))
    return spoken


def _panel(page, tool):
    """What a screen reader finds in the panel for ``tool``, once it is there."""
    region = f"Your organization's policy for {tool}"
    for _ in range(50):  # the panel comes after the service worker's answer: at most 5 s
        spoken = _spoken(page)
        if ("region", region) in spoken:
            return [name for role, name in spoken if role in ("StaticText", "link", "button", "heading")]
        page.wait_for_timeout(100)
    raise AssertionError(f"no panel for {tool}: {spoken}")


def test_a_paired_browser_shows_each_stance_on_the_tools_own_site(extension, live_server, policy):
    context, extension_id = extension
    _, code = services.create_pairing_code(employee=policy["employee"], actor=None)
    _pair(context, extension_id, live_server.url, code)
    assert Device.objects.get(employee=policy["employee"]).name == "Browser test"
    page = context.new_page()

    page.goto("https://chatgpt.com/")
    panel = _panel(page, "ChatGPT")
    assert any(text.startswith("Approved") for text in panel), " | ".join(panel)
    assert any(text.startswith("Due") for text in panel), panel
    assert "Attest your settings" in panel
    assert "AI acceptable use" in " ".join(panel) and "version 4" in " ".join(panel)

    page.goto("https://claude.ai/")
    panel = _panel(page, "Claude")
    assert any(text.startswith("Restricted") and "No customer data" in text for text in panel), panel
    assert any(text.startswith("Overdue") for text in panel), panel

    page.goto("https://chat.deepseek.com/")
    panel = _panel(page, "DeepSeek")
    assert any(text.startswith("Prohibited") and "ChatGPT" in text for text in panel), panel
    assert "Attest your settings" not in panel

    page.goto("https://example.com/")
    page.wait_for_timeout(500)
    assert page.evaluate("document.getElementById('ai-governance-extension')") is None


def test_the_panel_is_reached_with_the_keyboard_and_dismissed_with_escape(extension, live_server, policy):
    context, extension_id = extension
    _, code = services.create_pairing_code(employee=policy["employee"], actor=None)
    _pair(context, extension_id, live_server.url, code)
    page = context.new_page()
    page.goto("https://chatgpt.com/")
    _panel(page, "ChatGPT")
    page.keyboard.press("Tab")  # the stand-in page has nothing to focus: the panel's link is next
    assert page.evaluate("document.activeElement.id") == "ai-governance-extension"
    page.keyboard.press("Escape")
    assert page.evaluate("document.getElementById('ai-governance-extension')") is None


@pytest.mark.parametrize("signals_on", [True])
def test_with_signals_on_opening_a_tool_records_that_day_once(extension, live_server, policy, server_paths):
    context, extension_id = extension
    _, code = services.create_pairing_code(employee=policy["employee"], actor=None)
    _pair(context, extension_id, live_server.url, code)
    page = context.new_page()
    for _ in range(2):
        page.goto("https://chatgpt.com/")
        _panel(page, "ChatGPT")
    deadline = time.monotonic() + 5
    while not UsageSignal.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    signal = UsageSignal.objects.get()
    assert (signal.employee, signal.platform, signal.day) == (
        policy["employee"],
        policy["tools"]["chatgpt"],
        timezone.localdate(),
    )
    assert server_paths.count(SIGNALS) == 1, "one signal a day per tool, however often it is opened"


@pytest.mark.parametrize("signals_on", [True])
def test_a_prohibited_tool_opened_in_the_browser_is_on_the_officers_page(
    extension, live_server, policy, make_user, browser
):
    context, extension_id = extension
    _, code = services.create_pairing_code(employee=policy["employee"], actor=None)
    _pair(context, extension_id, live_server.url, code)
    page = context.new_page()
    page.goto("https://chat.deepseek.com/")
    _panel(page, "DeepSeek")
    deadline = time.monotonic() + 5
    while not UsageSignal.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert UsageSignal.objects.get().platform == policy["tools"]["deepseek"]

    make_user(Role.COMPLIANCE_OFFICER, email="officer@demo.example", password="demo")
    officers = browser.new_context(base_url=live_server.url)
    try:
        page = sign_in_with_password(officers.new_page(), "officer@demo.example")
        page.goto("/dashboard/tools-in-use/")
        table = page.get_by_role("table", name="Tools opened by people a prohibiting rule covers")
        assert table.get_by_role("row").filter(has_text="DeepSeek").inner_text().split() == ["DeepSeek", "1"]
    finally:
        officers.close()


def test_with_signals_off_nothing_is_sent_and_a_revoked_browser_is_told(extension, live_server, policy, server_paths):
    context, extension_id = extension
    _, code = services.create_pairing_code(employee=policy["employee"], actor=None)
    options = _pair(context, extension_id, live_server.url, code)
    page = context.new_page()
    page.goto("https://chatgpt.com/")
    _panel(page, "ChatGPT")
    page.wait_for_timeout(1000)
    assert not UsageSignal.objects.exists()
    assert "/api/extension/v1/status" in server_paths and SIGNALS not in server_paths, "nothing is even sent"

    services.revoke_device(device=Device.objects.get(), actor=None)
    answer = options.evaluate("new Promise((done) => chrome.runtime.sendMessage({type: 'refresh'}, done))")
    assert answer == {"ok": True, "status": False}
    options.reload()
    assert options.get_by_role("alert").inner_text() == "This device was unpaired. Pair it again from your page."
    assert options.get_by_label("Pairing code").is_visible()
    page.goto("https://claude.ai/")
    page.wait_for_timeout(1000)
    assert page.evaluate("document.getElementById('ai-governance-extension')") is None
