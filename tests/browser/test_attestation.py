"""The attestation flow in a real browser (Debian chromium through Playwright)."""

import pytest

from attestations.models import Attestation, ObligationStatus, PolicyException
from notifications.magic_links import make_login_link
from tests.attestations.builders import published_obligations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def emma(make_user):
    return make_user(email="emma@example.test", full_name="Emma Employee").employee


@pytest.fixture
def tools(emma):
    version, obligations = published_obligations(emma, tools=2, settings_per_tool=1)
    return obligations


@pytest.fixture
def link_for(settings, live_server):
    settings.SITE_URL = live_server.url

    def make(employee):
        return make_login_link(employee)

    return make


def setting_of(obligation):
    return obligation.rule.required_settings.select_related("setting").get().setting


def open_tool(page, obligation):
    page.get_by_role("link", name=f"Attest {obligation.platform.name}", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == f"Attest {obligation.platform.name}"


def sign_and_submit(page, name="Emma Employee"):
    page.get_by_label("I confirm the statement above").check()
    page.get_by_label("Your full name, as signature").fill(name)
    page.get_by_role("button", name="Submit my attestation").click()
    page.wait_for_load_state()


def test_employee_follows_the_email_link_acknowledges_and_attests_every_tool(page, emma, tools, link_for):
    page.goto(link_for(emma))
    assert page.url.endswith("/me/")
    assert page.get_by_text("0 of 2 tools done").is_visible()
    page.get_by_role("button", name="I have read the policy and will follow it").click()
    page.wait_for_load_state()
    assert page.get_by_text("you acknowledged").is_visible()

    used, unused = sorted(tools, key=lambda obligation: obligation.due_on)[:2]
    # Cards are sorted by due date then name; find each by its link rather than position.
    open_tool(page, used)
    setting = setting_of(used)
    group = page.get_by_role("group", name=f"“{setting.label}”")
    assert group.get_by_text("Required value: Off").is_visible()
    settings_link = group.get_by_role("link", name=f"Open {used.platform.name} settings")
    assert settings_link.get_attribute("target") == "_blank"
    page.get_by_label(f"I use {used.platform.name}").check()
    group.get_by_label("Off").check()
    sign_and_submit(page)
    assert page.get_by_role("heading", level=1).inner_text() == f"Receipt: {used.platform.name} attested"
    record = Attestation.objects.get(obligation=used)
    assert page.get_by_text(record.hash).is_visible()
    assert page.get_by_text("Compliant.").is_visible()

    page.get_by_role("link", name="← My AI tools").click()
    open_tool(page, unused)
    page.get_by_label(f"I do not use {unused.platform.name}").check()
    # With JavaScript the settings questions disappear once "not used" is chosen.
    assert not page.get_by_role("group", name=f"“{setting_of(unused).label}”").is_visible()
    sign_and_submit(page)
    assert page.get_by_text(f"Recorded: you do not use {unused.platform.name}.").is_visible()

    page.get_by_role("link", name="← My AI tools").click()
    page.wait_for_load_state()
    assert page.get_by_text("2 of 2 tools done (100%)").is_visible()
    statuses = {o.status for o in type(used).objects.filter(employee=emma)}
    assert statuses == {ObligationStatus.COMPLIANT, ObligationStatus.NOT_USED}


def test_noncompliant_answer_leads_to_an_exception_request(page, emma, tools, link_for):
    page.goto(link_for(emma))
    page.get_by_role("button", name="I have read the policy and will follow it").click()
    obligation = tools[0]
    open_tool(page, obligation)
    page.get_by_label(f"I use {obligation.platform.name}").check()
    page.get_by_role("group", name=f"“{setting_of(obligation).label}”").get_by_label("On").check()
    sign_and_submit(page)
    assert page.get_by_role("heading", name="Not compliant yet: here is how to fix it").is_visible()
    assert page.get_by_role("link", name="I changed it: attest again").is_visible()
    page.get_by_role("link", name="Request an exception").click()
    page.wait_for_load_state()
    page.get_by_label("Why do you need an exception?").fill(
        "A customer project needs it until our business tier is set up."
    )
    page.get_by_label("For how many days?").fill("30")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_load_state()
    assert page.url.endswith("/me/")
    assert page.get_by_text("Your exception request").is_visible()
    assert page.get_by_text("Exception requested; waiting for a decision.").is_visible()
    assert PolicyException.objects.get().obligation_id == obligation.pk


def test_form_error_is_announced_next_to_the_field(page, emma, tools, link_for):
    page.goto(link_for(emma))
    page.get_by_role("button", name="I have read the policy and will follow it").click()
    obligation = tools[0]
    open_tool(page, obligation)
    page.get_by_label(f"I use {obligation.platform.name}").check()
    sign_and_submit(page)
    group = page.get_by_role("group", name=f"“{setting_of(obligation).label}”")
    assert group.get_by_role("alert").inner_text().startswith("Choose the current value")
    assert Attestation.objects.filter(kind="attestation").count() == 0


def test_attesting_with_the_keyboard_alone(page, emma, tools, link_for):
    page.goto(link_for(emma))
    page.get_by_role("button", name="I have read the policy and will follow it").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    obligation = tools[0]
    page.get_by_role("link", name=f"Attest {obligation.platform.name}", exact=True).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    def tab_to(predicate_js, limit=40):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(predicate_js):
                return
        raise AssertionError(f"never reached: {predicate_js}")

    tab_to("document.activeElement.name === 'tool_used'")
    page.keyboard.press("ArrowDown")  # moves to and selects "I do not use"
    assert page.get_by_label(f"I do not use {obligation.platform.name}").is_checked()
    tab_to("document.activeElement.name === 'confirm'")
    page.keyboard.press("Space")
    tab_to("document.activeElement.name === 'signature'")
    page.keyboard.type("Emma Employee")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == f"Receipt: {obligation.platform.name} attested"


def test_core_submit_works_without_javascript(browser, live_server, emma, tools, link_for):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(link_for(emma))
        page.get_by_role("button", name="I have read the policy and will follow it").click()
        obligation = tools[0]
        open_tool(page, obligation)
        page.get_by_label(f"I use {obligation.platform.name}").check()
        page.get_by_role("group", name=f"“{setting_of(obligation).label}”").get_by_label("Off").check()
        sign_and_submit(page)
        assert page.get_by_role("heading", level=1).inner_text() == f"Receipt: {obligation.platform.name} attested"
    finally:
        context.close()


def test_reused_email_link_shows_the_sign_in_form(page, emma, tools, link_for):
    link = link_for(emma)
    page.goto(link)
    page.context.clear_cookies()
    page.goto(link)
    assert page.get_by_text("already been used").is_visible()
    assert page.get_by_label("Password").is_visible()


@pytest.mark.parametrize("which", ["me", "tool", "receipt"])
def test_pages_at_375px_have_no_horizontal_scroll(browser, live_server, emma, link_for, which):
    version, obligations = published_obligations(emma, tools=6, settings_per_tool=2)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        page.goto(link_for(emma))
        page.get_by_role("button", name="I have read the policy and will follow it").click()
        page.wait_for_load_state()
        if which in ("tool", "receipt"):
            obligation = obligations[0]
            page.goto(f"/me/tools/{obligation.pk}/")
            if which == "receipt":
                page.get_by_label(f"I use {obligation.platform.name}").check()
                for requirement in obligation.rule.required_settings.select_related("setting"):
                    page.get_by_role("group", name=f"“{requirement.setting.label}”").get_by_label("On").check()
                sign_and_submit(page)
                assert "Receipt" in page.get_by_role("heading", level=1).inner_text()
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], widths
    finally:
        context.close()
