"""An admin renames a catalog setting in a real browser: the page says how many attestations
the change would re-open, and the admin decides whether people must check again; the
employee's card shows the outcome."""

import datetime

import pytest

from attestations.models import Obligation, ObligationStatus
from attestations.services.attest import acknowledge_policy, submit_attestation
from governance.roles import Role
from tests.attestations.builders import publish, safe_answers, tool_rules
from tests.clock import noon_on
from tests.factories import ObligationFactory, PlatformFactory, RequiredSettingFactory, ToolRuleFactory

TODAY = datetime.date(2026, 3, 10)
NOW = noon_on(TODAY)
PASSWORD = "correct horse battery"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.time_machine(NOW, tick=True)]


@pytest.fixture
def org(make_user):
    """ChatGPT with one required setting, and two people who attested it compliant."""
    chatgpt = PlatformFactory(slug="chatgpt", name="ChatGPT")
    version, _ = tool_rules(tools=0)
    rule = ToolRuleFactory(version=version, platform=chatgpt)
    RequiredSettingFactory(
        rule=rule,
        setting__key="improve-model",
        setting__label="Improve the model for everyone",
        setting__navigation_steps=["Settings", "Data controls", "Switch off Improve the model for everyone"],
    )
    publish(version)
    people = [make_user(full_name=name).employee for name in ("Emma Employee", "Erik Employee")]
    for employee in people:
        obligation = ObligationFactory(employee=employee, rule=rule, policy_version=version)
        acknowledge_policy(employee=employee, version=version, actor=None)
        submit_attestation(
            obligation=obligation,
            answers=safe_answers(obligation),
            tool_used=True,
            statement="s",
            signature=employee.full_name,
            actor=None,
        )
    return {"admin": make_user(Role.GOVERNANCE_ADMIN), "emma": people[0]}


def rename_and_see_the_count(page, sign_in, org):
    sign_in(org["admin"].email, password=PASSWORD)
    page.goto("/catalog/chatgpt/settings/improve-model/edit/")
    page.get_by_label("Label").fill("Improve the model")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Before saving: does this change what people must check?").wait_for()
    assert page.get_by_text("This change re-opens 2 people's attestations (2 are compliant today)").is_visible()
    assert page.get_by_text("Step 3 still quotes the old label").is_visible()
    choices = page.get_by_role("group", name="What does this change mean for people who attested?")
    assert not choices.get_by_label("Wording only: keep attestations").is_checked()
    assert not choices.get_by_label("People must check again").is_checked()
    return choices


def card_of(page, sign_in, employee):
    page.context.clear_cookies()
    sign_in(employee.email, password=PASSWORD)
    page.goto("/me/")
    return page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="ChatGPT"))


def test_admin_picks_wording_only_and_the_card_stays_compliant(page, sign_in, org):
    choices = rename_and_see_the_count(page, sign_in, org)
    choices.get_by_label("Wording only: keep attestations").check()
    page.get_by_role("button", name="Save the change").click()
    page.wait_for_url("**/catalog/chatgpt/*")
    assert page.get_by_text("saved as a wording change: attestations stay valid").is_visible()
    assert page.get_by_role("heading", name="Improve the model", exact=True).is_visible()

    card = card_of(page, sign_in, org["emma"])
    assert card.get_by_text("Compliant until").is_visible()
    assert card.get_by_text("Why this is due again").count() == 0
    assert Obligation.objects.filter(status=ObligationStatus.COMPLIANT).count() == 2


def test_admin_picks_must_check_again_and_the_card_says_why(page, sign_in, org, artifacts_dir):
    rename_and_see_the_count(page, sign_in, org)
    page.screenshot(path=str(artifacts_dir / "setting-revision-confirm.png"), full_page=True)
    page.get_by_role("button", name="Save the change").click()
    assert page.get_by_text("Say whether this change is wording only").first.is_visible()  # no silent default
    page.get_by_label("People must check again").check()
    page.get_by_role("button", name="Save the change").click()
    page.wait_for_url("**/catalog/chatgpt/*")
    assert page.get_by_text("is now revision 2: 2 attestations re-opened").is_visible()

    card = card_of(page, sign_in, org["emma"])
    assert card.get_by_text("Due on 24 Mar 2026").is_visible()
    reason = "ChatGPT renamed the setting “Improve the model for everyone” to “Improve the model” on 10 Mar 2026."
    assert card.get_by_text(reason).is_visible()
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(artifacts_dir / "card-due-again-375.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
