"""A prohibiting rule's choice of what the browser extension does when the tool's site is
opened (nothing, warn, block): validated for prohibited rules only, edited in the rule form,
carried to the next draft, compared between versions and shown on the version page."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from attestations.services import publishing
from governance.models import AuditEvent
from governance.roles import Role
from policies import selectors, services
from policies.models import ToolRule
from tests.factories import PlatformFactory, PlatformSettingFactory, PolicyVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user):
    return make_user(Role.GOVERNANCE_ADMIN, employee=False)


@pytest.fixture
def deepseek():
    return PlatformFactory(slug="deepseek", name="DeepSeek")


@pytest.fixture
def chatgpt():
    platform = PlatformFactory(slug="chatgpt", name="ChatGPT")
    PlatformSettingFactory(platform=platform, key="improve-model", label="Improve the model for everyone")
    return platform


@pytest.fixture
def draft():
    return PolicyVersionFactory(number=1)


def test_a_prohibiting_rule_defaults_to_nothing_and_may_warn_or_block(admin, draft, deepseek):
    rule = services.add_rule(version=draft, platform=deepseek, stance="prohibited", actor=admin)
    assert rule.on_open == ToolRule.OnOpen.NONE and rule.on_open_text == ""
    rule = services.update_rule(rule=rule, on_open="block", actor=admin)
    assert rule.on_open == "block"
    event = AuditEvent.objects.filter(action="rule.edited").latest("pk")
    assert (event.before["on_open"], event.after["on_open"]) == ("none", "block")


@pytest.mark.parametrize("on_open", ["warn", "block"])
def test_warn_or_block_on_a_rule_that_is_not_prohibiting_is_refused(admin, draft, chatgpt, on_open):
    with pytest.raises(ValidationError) as error:
        services.add_rule(
            version=draft, platform=chatgpt, stance="approved", no_settings_needed=True, on_open=on_open, actor=admin
        )
    assert "for prohibited tools only" in error.value.message_dict["on_open"][0]
    assert not draft.rules.exists()


def test_making_a_warning_rule_approved_asks_to_choose_nothing_first(admin, draft, deepseek):
    rule = services.add_rule(version=draft, platform=deepseek, stance="prohibited", on_open="warn", actor=admin)
    with pytest.raises(ValidationError) as error:
        services.update_rule(rule=rule, stance="approved", no_settings_needed=True, actor=admin)
    assert "on_open" in error.value.message_dict
    rule.refresh_from_db()
    assert (rule.stance, rule.on_open) == ("prohibited", "warn")


def test_an_unknown_choice_is_refused(admin, draft, deepseek):
    with pytest.raises(ValidationError) as error:
        services.add_rule(version=draft, platform=deepseek, stance="prohibited", on_open="hide", actor=admin)
    assert "Choose one of: none, warn, block" in error.value.message_dict["on_open"][0]


def test_the_database_refuses_a_warning_on_an_approved_rule(draft, chatgpt):
    rule = ToolRule.objects.create(version=draft, platform=chatgpt, stance="approved", no_settings_needed=True)
    rule.on_open = "warn"
    with pytest.raises(IntegrityError), transaction.atomic():
        rule.save()


def test_the_choice_is_carried_to_the_next_draft_and_a_change_shows_in_the_diff(admin, draft, deepseek):
    services.add_rule(version=draft, platform=deepseek, stance="prohibited", on_open="warn", actor=admin)
    draft.body_markdown = "DeepSeek is prohibited."
    draft.save()
    publishing.publish_policy_version(version=draft, actor=admin)
    draft.refresh_from_db()

    second = services.create_draft(policy=draft.policy, actor=admin)
    copy = second.rules.get()
    assert copy.on_open == "warn"
    assert selectors.diff_versions(draft, second).is_empty

    services.update_rule(rule=copy, on_open="block", actor=admin)
    [change] = selectors.diff_versions(draft, second).rules_changed
    assert change.fields == [
        (
            "When the site is opened",
            "Warn (a full warning page; the person may continue anyway)",
            "Block (a full warning page; no continuing)",
        )
    ]
    assert not change.reopens  # nobody attests a prohibited tool: nothing to re-open


def test_the_rule_form_sets_it_and_shows_a_clear_error_on_an_approved_rule(client, admin, draft, deepseek, chatgpt):
    client.force_login(admin)
    url = reverse("policies:rule-add", args=[draft.pk])
    form = client.get(url, {"platform": deepseek.pk}).content.decode()
    assert "When someone opens the tool&#x27;s site" in form and 'value="none"' in form

    response = client.post(url, {"platform": chatgpt.pk, "stance": "approved", "on_open": "warn"})
    assert response.status_code == 200
    assert "for prohibited tools only" in response.content.decode()
    assert not draft.rules.exists()

    response = client.post(url, {"platform": deepseek.pk, "stance": "prohibited", "on_open": "block"})
    assert response.status_code == 302
    rule = draft.rules.get(platform=deepseek)
    assert rule.on_open == "block"

    edit = client.get(reverse("policies:rule-edit", args=[rule.pk])).content.decode()
    assert re.search(r'value="block"[^>]*checked', edit) and not re.search(r'value="none"[^>]*checked', edit)
    response = client.post(reverse("policies:rule-edit", args=[rule.pk]), {"stance": "prohibited", "on_open": "warn"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.on_open == "warn"


def test_the_version_page_says_what_the_browser_does(client, admin, draft, deepseek):
    services.add_rule(version=draft, platform=deepseek, stance="prohibited", on_open="block", actor=admin)
    client.force_login(admin)
    page = client.get(reverse("policies:version", args=[draft.pk])).content.decode()
    assert "Blocked when opened: warning page, no continuing" in page
