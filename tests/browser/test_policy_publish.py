import re

import pytest
from playwright.sync_api import expect

from attestations.models import Obligation
from attestations.services import publishing
from platforms.models import PlatformSetting
from policies import services
from policies.models import Policy, PolicyVersion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def copilot_published(demo):
    """The demo policy plus a published rule for Microsoft Copilot requiring one of its two settings."""
    policy = Policy.objects.get(slug="ai-acceptable-use")
    draft = services.create_draft(policy=policy, actor=None)
    text = PlatformSetting.objects.get(platform__slug="microsoft-copilot", key="model-training-text")
    services.add_rule(version=draft, platform=text.platform, stance="approved", required=[(text, None)], actor=None)
    publishing.publish_policy_version(version=draft, actor=None)
    return policy


def test_admin_drafts_requires_one_more_setting_reviews_and_publishes(copilot_published, page, sign_in, artifacts_dir):
    voice = PlatformSetting.objects.get(platform__slug="microsoft-copilot", key="model-training-voice")
    copilot_people = Obligation.objects.open().filter(platform=voice.platform).count()
    sign_in("admin@demo.example")

    page.get_by_role("button", name="Draft a new version").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("version 3")
    expect(page.get_by_text("Draft", exact=True).first).to_be_visible()

    page.get_by_role("link", name="Require a setting for Microsoft Copilot").click()
    page.get_by_label("Setting and required value").select_option(f"{voice.pk}:{voice.safe_value}")
    page.get_by_role("button", name="Require setting").click()
    expect(page.get_by_text("required.", exact=False).first).to_be_visible()

    page.get_by_role("link", name="Diff").click()
    expect(page.get_by_text(re.compile(r"Setting added: .*"))).to_be_visible()
    expect(page.get_by_text("re-opens obligations")).to_be_visible()

    page.get_by_role("link", name="Affected people").click()
    total = page.get_by_role("row", name=re.compile(r"^Total"))
    expect(total).to_be_visible()
    copilot_row = page.get_by_role("row", name=re.compile(r"^Microsoft Copilot"))
    expect(copilot_row).to_contain_text("changed: re-opens")
    expect(copilot_row).to_contain_text(str(copilot_people))

    page.get_by_role("link", name="Publish…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Publish")
    page.screenshot(path=str(artifacts_dir / "policy-publish-confirm.png"), full_page=True)
    page.get_by_role("button", name="Publish version 3").click()

    expect(page.get_by_text(re.compile(r"Version 3 published: \d+ obligations"))).to_be_visible()
    version = PolicyVersion.objects.get(policy=copilot_published, number=3)
    assert version.status == "published"
    assert PolicyVersion.objects.get(policy=copilot_published, number=2).status == "retired"
    reopened = Obligation.objects.open().filter(policy_version=version, platform=voice.platform)
    assert reopened.count() == copilot_people and set(reopened.values_list("status", flat=True)) == {"pending"}
