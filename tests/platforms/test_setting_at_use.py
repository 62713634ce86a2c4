"""A setting's notes that matter at the moment of use appear where the person checks it."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from attestations.services.attest import acknowledge_policy
from platforms.models import PlatformSetting
from tests.attestations.builders import new_version, publish
from tests.factories import ObligationFactory, RequiredSettingFactory, ToolRuleFactory

pytestmark = pytest.mark.django_db


def attest_page(client, employee_user, *settings):
    call_command("load_catalog", verbosity=0)
    version = new_version()
    rule = ToolRuleFactory(version=version, platform=settings[0].platform)
    for setting in settings:
        RequiredSettingFactory(rule=rule, setting=setting)
    publish(version)
    obligation = ObligationFactory(employee=employee_user.employee, rule=rule, policy_version=version)
    acknowledge_policy(employee=employee_user.employee, version=version, actor=None)
    client.force_login(employee_user)
    response = client.get(reverse("me-tool", args=[obligation.pk]))
    assert response.status_code == 200
    return response.content.decode()


def built_in(slug, key):
    call_command("load_catalog", verbosity=0)
    return PlatformSetting.objects.select_related("platform").get(platform__slug=slug, key=key)


def test_claude_thumbs_warning_is_on_the_attest_form(client, employee_user):
    page = attest_page(client, employee_user, built_in("claude", "help-improve"))
    assert "Keep in mind:" in page and "thumbs up or down" in page
    assert "If what you see differs:" in page and "preset On" in page


def test_tumblr_per_blog_note_is_on_the_attest_form(client, employee_user):
    page = attest_page(client, employee_user, built_in("tumblr", "prevent-third-party-sharing"))
    assert "every blog you own" in page


def test_a_setting_without_notes_shows_no_empty_note(client, employee_user):
    setting = built_in("microsoft-copilot", "model-training-text")
    assert not setting.notes and not setting.sources_disagree
    page = attest_page(client, employee_user, setting)
    assert "setting-at-use" not in page and "Keep in mind:" not in page
