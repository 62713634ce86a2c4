"""The extension on a tool's settings page, in Debian's chromium (set up as in test_extension.py):
the control pointed at by its catalog label with the required value, its state read by the
catalog's probe, "Attest what the browser sees" landing in the ledger with its source, and a
probe that cannot read falling back to the attest page.

The callout and its outline live in a closed shadow root: the test reads the accessibility tree
(what a screen reader reads), finds the outline through DevTools' DOM domain (which pierces
closed roots) and presses the callout's buttons with the keyboard after focusing them."""

import datetime
import time

import pytest
from django.utils import timezone

from attestations import ledger
from attestations.models import AnswerSource, Attestation, ObligationStatus
from browser_extension import services
from tests.attestations.builders import new_version, publish
from tests.browser import test_extension
from tests.browser.test_extension import _pair, _spoken
from tests.browser.tool_sites import chromium_with_extension, settings_dialog
from tests.factories import (
    ObligationFactory,
    PlatformFactory,
    PlatformSettingFactory,
    RequiredSettingFactory,
    ToolRuleFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
server_paths = test_extension.server_paths  # the fixture: the paths the test's server was asked for

CHATGPT_LABEL = "Improve the model for everyone"
CLAUDE_LABEL = "Help improve Claude"
SWITCH = {"role": "switch", "read": "aria-checked", "states": {"true": "on", "false": "off"}}
SITES = {
    ("chatgpt.com", "/"): (
        "ChatGPT",
        "<p>What can I help with?</p>"
        + settings_dialog("#settings/DataControls", [(CHATGPT_LABEL, True), ("Remote browser data", False)]),
    ),
    # Claude's page as if its vendor changed how the switch is drawn: no aria-checked any more.
    ("claude.ai", "/settings/data-privacy-controls"): (
        "Claude settings",
        "<p>Privacy</p>" + settings_dialog("", [(CLAUDE_LABEL, None)]),
    ),
    ("claude.ai", "/"): ("Claude", "<p>How can I help you today?</p>"),
}


@pytest.fixture
def policy(employee_user):
    """ChatGPT and Claude approved, each with its training switch required off (probes in the
    catalog) and an attestation due in three days."""
    employee = employee_user.employee
    version = new_version(number=2)
    today = timezone.localdate()
    tools = {}
    for slug, name, host, label, pattern in (
        ("chatgpt", "ChatGPT", "chatgpt.com", CHATGPT_LABEL, "https://chatgpt.com/*#settings/DataControls"),
        ("claude", "Claude", "claude.ai", CLAUDE_LABEL, "https://claude.ai/settings/data-privacy-controls"),
    ):
        platform = PlatformFactory(slug=slug, name=name, website=f"https://{host}")
        setting = PlatformSettingFactory(
            platform=platform,
            key="improve",
            label=label,
            settings_url_patterns=[pattern],
            probe=SWITCH,
            probe_revision=1,
        )
        rule = ToolRuleFactory(version=version, platform=platform)
        RequiredSettingFactory(rule=rule, setting=setting, required_value="off")
        tools[slug] = {"platform": platform, "setting": setting, "rule": rule}
    publish(version)
    for tool in tools.values():
        tool["obligation"] = ObligationFactory(
            employee=employee, rule=tool["rule"], due_on=today + datetime.timedelta(days=3)
        )
    return {"employee": employee, "tools": tools}


@pytest.fixture
def extension(playwright_session, live_server, tmp_path):
    """A chromium profile with the extension built for this server and these stand-in sites."""
    with chromium_with_extension(playwright_session, server_url=live_server.url, folder=tmp_path, sites=SITES) as found:
        yield found


def _callout(page, tool, *, until=None):
    """What a screen reader finds in the settings callout for ``tool`` once it is there (and, with
    ``until``, once one of its texts starts with that)."""
    region = f"Settings to check on {tool}"
    spoken = []
    for _ in range(80):  # the dialog is drawn late, the callout after it: at most 8 s
        spoken = _spoken(page)
        if ("region", region) in spoken:
            texts = [name for role, name in spoken if role in ("StaticText", "link", "button", "heading")]
            if until is None or any(text.startswith(until) for text in texts):
                return texts
        page.wait_for_timeout(100)
    raise AssertionError(f"no callout for {tool} (until {until!r}): {spoken}")


def _press(page, role, name):
    """Focus the node a screen reader calls (role, name), closed shadow roots included, and press Enter."""
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
        node = next(
            n
            for n in nodes
            if (n.get("role") or {}).get("value") == role and (n.get("name") or {}).get("value") == name
        )
        session.send("DOM.getDocument", {"depth": -1, "pierce": True})
        session.send("DOM.focus", {"backendNodeId": node["backendDOMNodeId"]})
    finally:
        session.detach()
    page.keyboard.press("Enter")


def _outline_box(page):
    """The outline the callout draws (inside its closed shadow root), as (x, y, width, height), or None."""
    session = page.context.new_cdp_session(page)
    try:
        root = session.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
        found = session.send("DOM.querySelector", {"nodeId": root["nodeId"], "selector": "#ai-governance-settings"})[
            "nodeId"
        ]
        host = session.send("DOM.describeNode", {"nodeId": found, "depth": 2, "pierce": True})["node"]
        shadow = (host.get("shadowRoots") or [None])[0]
        if shadow is None:
            return None
        outline = next(
            (c for c in shadow.get("children", []) if "setting-outline" in (c.get("attributes") or [])), None
        )
        if outline is None:
            return None
        quad = session.send("DOM.getBoxModel", {"backendNodeId": outline["backendNodeId"]})["model"]["border"]
    finally:
        session.detach()
    return quad[0], quad[1], quad[2] - quad[0], quad[5] - quad[1]


def test_the_setting_is_pointed_at_read_and_attested_as_the_browser_sees_it(
    extension, live_server, policy, server_paths
):
    context, extension_id = extension
    _, code = services.create_pairing_code(employee=policy["employee"], actor=None)
    _pair(context, extension_id, live_server.url, code)
    page = context.new_page()
    page.goto("https://chatgpt.com/")
    page.wait_for_timeout(500)
    assert page.evaluate("document.getElementById('ai-governance-settings')") is None, "not a settings page"

    page.evaluate("location.hash = '#settings/DataControls'")  # the app opens its settings dialog
    callout = _callout(page, "ChatGPT", until="Your browser shows")  # once the dialog is drawn
    assert f"\u201c{CHATGPT_LABEL}\u201d" in callout
    assert "Your policy requires: Off" in callout
    assert "Your browser shows: On (change it to Off)" in callout
    assert "This way of reading the setting is not verified yet." in callout

    switch = page.get_by_role("switch", name=CHATGPT_LABEL)
    box = switch.bounding_box()
    outline = _outline_box(page)
    assert outline is not None, "the control is outlined"
    assert outline[0] <= box["x"] and outline[1] <= box["y"], (outline, box)
    assert (
        outline[0] + outline[2] >= box["x"] + box["width"] - 1
        and outline[1] + outline[3] >= box["y"] + box["height"] - 1
    )

    _press(page, "button", f"Show me \u201c{CHATGPT_LABEL}\u201d")
    assert page.evaluate("document.activeElement.getAttribute('aria-labelledby')") == "setting-0-label"
    page.keyboard.press("Space")  # the person switches it off on the tool's own page
    assert switch.get_attribute("aria-checked") == "false"
    callout = _callout(page, "ChatGPT", until="Your browser shows: Off")
    assert "Your browser shows: Off (as required)" in callout
    assert "Attest what the browser sees" in callout and "Attest on the site" in callout
    assert "/api/extension/v1/observations" not in server_paths, "nothing is sent before the person asks"

    _press(page, "button", "Attest what the browser sees")
    deadline = time.monotonic() + 5
    while not Attestation.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    record = Attestation.objects.get()
    assert record.source == AnswerSource.OBSERVED and record.platform == policy["tools"]["chatgpt"]["platform"]
    assert [(a["setting"], a["value"], a["source"], a["probe_revision"]) for a in record.answers] == [
        ("improve", "off", "extension", 1)
    ]
    assert record.compliant is True and "read by the browser extension" in record.statement
    obligation = policy["tools"]["chatgpt"]["obligation"]
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.COMPLIANT
    assert ledger.verify_chain().ok
    assert "Recorded in the ledger as observed by the extension." in _callout(page, "ChatGPT", until="Recorded")


def test_a_probe_that_cannot_read_falls_back_to_the_attest_page(extension, live_server, policy, server_paths):
    context, extension_id = extension
    _, code = services.create_pairing_code(employee=policy["employee"], actor=None)
    _pair(context, extension_id, live_server.url, code)
    page = context.new_page()
    page.goto("https://claude.ai/settings/data-privacy-controls")
    callout = _callout(page, "Claude", until="The control shows a state")
    assert f"\u201c{CLAUDE_LABEL}\u201d" in callout and "Your policy requires: Off" in callout
    assert any(text.endswith("could not read; attest on the site.") for text in callout), callout
    assert "Attest what the browser sees" not in callout, "never a guess"
    assert "Attest on the site" in callout
    _press(page, "button", f"Show me \u201c{CLAUDE_LABEL}\u201d")  # it still points at the control
    assert page.evaluate("document.activeElement.getAttribute('aria-labelledby')") == "setting-0-label"
    with context.expect_page() as opened:
        _press(page, "link", "Attest on the site")
    attest = opened.value
    attest.wait_for_load_state()
    assert attest.url.startswith(live_server.url)
    assert f"/me/tools/{policy['tools']['claude']['obligation'].pk}/" in attest.url
    assert "/api/extension/v1/observations" not in server_paths
    assert not Attestation.objects.exists()
