"""Catalog services: admins' edits bump revisions once, are audited and send setting_revised."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from governance.models import AuditEvent
from platforms import services
from platforms.models import Platform, PlatformSetting
from platforms.signals import setting_revised
from tests.factories import PlatformFactory, PlatformSettingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def revisions():
    received = []

    def listener(sender, setting, old_revision, new_revision, actor, **kwargs):
        received.append((setting.pk, old_revision, new_revision, actor))

    setting_revised.connect(listener)
    yield received
    setting_revised.disconnect(listener)


@pytest.mark.parametrize(
    "changes",
    [
        {"label": "Improve the model for everyone"},
        {"navigation_steps": ["Settings", "Data controls", "Improve"]},
        {"values": ["on", "off", "ask"]},
        {"safe_value": "on"},
        {"label": "New label", "safe_value": "on", "notes": "and a note"},
    ],
    ids=["label", "steps", "values", "safe-value", "several-at-once"],
)
def test_meaningful_change_bumps_revision_once_audits_and_signals(admin_user, revisions, changes):
    setting = PlatformSettingFactory(values=["on", "off"], safe_value="off")

    updated = services.update_setting(setting=setting, changes=changes, actor=admin_user, revision_kind="meaningful")

    assert updated.revision == 2
    assert PlatformSetting.objects.get(pk=setting.pk).revision == 2
    assert revisions == [(setting.pk, 1, 2, admin_user)]
    event = AuditEvent.objects.get(action="catalog.setting.revised", object_id=str(setting.pk))
    assert event.actor == admin_user
    assert event.before["revision"] == 1 and event.after["revision"] == 2
    for name, value in changes.items():
        assert event.after[name] == value
        assert event.before[name] == getattr(setting, name)


def test_cosmetic_change_is_audited_without_revision_or_signal(admin_user, revisions):
    setting = PlatformSettingFactory()

    updated = services.update_setting(
        setting=setting, changes={"notes": "Only on the web app", "applies_to_tiers": ["free"]}, actor=admin_user
    )

    assert updated.revision == 1
    assert revisions == []
    event = AuditEvent.objects.get(action="catalog.setting.updated")
    assert event.after == {"notes": "Only on the web app", "applies_to_tiers": ["free"], "revision": 1}


def test_saving_unchanged_values_writes_nothing(admin_user, revisions):
    setting = PlatformSettingFactory()

    services.update_setting(setting=setting, changes={"label": setting.label}, actor=admin_user)

    assert not AuditEvent.objects.exists()
    assert revisions == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"safe_value": "maybe"}, "safe_value"),
        ({"values": ["On", "Off"], "safe_value": "Off"}, "values"),
        ({"values": ["off"]}, "values"),
        ({"applies_to_tiers": ["platinum"]}, "applies_to_tiers"),
        ({"navigation_steps": []}, "navigation_steps"),
    ],
)
def test_invalid_edit_is_refused_and_nothing_changes(admin_user, revisions, changes, field):
    setting = PlatformSettingFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.update_setting(setting=setting, changes=changes, actor=admin_user, revision_kind="meaningful")

    assert field in excinfo.value.message_dict
    fresh = PlatformSetting.objects.get(pk=setting.pk)
    assert (fresh.revision, fresh.values, fresh.safe_value) == (1, ["on", "off"], "off")
    assert not AuditEvent.objects.exists()
    assert revisions == []


def test_update_platform_audits_before_and_after(admin_user):
    platform = PlatformFactory(consumer_trains_by_default=True)

    services.update_platform(platform=platform, changes={"consumer_trains_by_default": False}, actor=admin_user)

    platform.refresh_from_db()
    assert platform.consumer_trains_by_default is False
    event = AuditEvent.objects.get(action="catalog.platform.updated")
    assert (event.before, event.after, event.actor) == (
        {"consumer_trains_by_default": True},
        {"consumer_trains_by_default": False},
        admin_user,
    )


def test_no_opt_out_requires_a_note(admin_user):
    platform = PlatformFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.update_platform(platform=platform, changes={"no_opt_out": True}, actor=admin_user)

    assert "no_opt_out_note" in excinfo.value.message_dict
    assert Platform.objects.get(pk=platform.pk).no_opt_out is False


def test_created_entries_are_organization_made_and_audited(admin_user):
    platform = services.create_platform(
        data={"slug": "intranet-bot", "name": "Intranet bot", "category": "chatbot", "sources": ["internal wiki"]},
        actor=admin_user,
    )
    setting = services.create_setting(
        platform=platform,
        data={
            "key": "log-prompts",
            "label": "Log prompts",
            "navigation_steps": ["Settings", "Logging"],
            "control_type": "toggle",
            "values": ["on", "off"],
            "safe_value": "off",
            "protects": ["retention"],
            "applies_to_tiers": ["enterprise"],
            "sources": ["internal wiki"],
        },
        actor=admin_user,
    )

    assert not platform.is_builtin and not setting.is_builtin
    assert setting.revision == 1
    assert platform.last_verified_on == setting.last_verified_on is not None
    actions = set(AuditEvent.objects.filter(actor=admin_user).values_list("action", flat=True))
    assert actions == {"catalog.platform.created", "catalog.setting.created"}


def test_reserved_slug_is_refused(admin_user):
    with pytest.raises(ValidationError):
        services.create_platform(data={"slug": "stale", "name": "Stale", "category": "chatbot"}, actor=admin_user)


def test_mark_verified_sets_today_and_confirms_unverified_entry(admin_user):
    setting = PlatformSettingFactory(verified=False, last_verified_on=datetime.date(2020, 1, 1))

    services.mark_verified(entry=setting, actor=admin_user)

    setting.refresh_from_db()
    assert setting.verified is True
    assert setting.last_verified_on == datetime.date.today()
    assert setting.revision == 1
    event = AuditEvent.objects.get(action="catalog.setting.verified")
    assert event.before == {"last_verified_on": "2020-01-01", "verified": False}
