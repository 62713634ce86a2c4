"""Django admin for the catalog saves through the services (revision, audit, signal)."""

import json

import pytest
from django.urls import reverse

from governance.models import AuditEvent
from platforms.models import PlatformSetting
from platforms.signals import setting_revised
from tests.factories import PlatformSettingFactory
from tests.platforms.admin_forms import change_data

pytestmark = pytest.mark.django_db


def test_admin_change_of_label_bumps_revision_once_with_audit_and_signal(client, staff_admin):
    setting = PlatformSettingFactory()
    received = []

    def listener(sender, setting, old_revision, new_revision, actor, **kwargs):
        received.append((old_revision, new_revision, actor))

    setting_revised.connect(listener)
    client.force_login(staff_admin)
    try:
        response = client.post(
            reverse("admin:platforms_platformsetting_change", args=[setting.pk]),
            change_data(setting, label="Renamed by the vendor", revision_kind="meaningful"),
        )
    finally:
        setting_revised.disconnect(listener)

    assert response.status_code == 302, response.content.decode()[:2000]
    setting.refresh_from_db()
    assert setting.label == "Renamed by the vendor" and setting.revision == 2
    assert received == [(1, 2, staff_admin)]
    assert AuditEvent.objects.get(action="catalog.setting.revised").actor == staff_admin


def test_admin_refuses_a_safe_value_outside_the_values(client, staff_admin):
    setting = PlatformSettingFactory()
    client.force_login(staff_admin)

    response = client.post(
        reverse("admin:platforms_platformsetting_change", args=[setting.pk]),
        change_data(setting, safe_value="maybe"),
    )

    assert response.status_code == 200
    assert PlatformSetting.objects.get(pk=setting.pk).safe_value == "off"


def test_staff_without_the_admin_role_cannot_change(client, make_user):
    setting = PlatformSettingFactory()
    staff_employee = make_user(is_staff=True)
    client.force_login(staff_employee)

    response = client.post(
        reverse("admin:platforms_platformsetting_change", args=[setting.pk]),
        change_data(setting, label="Nope"),
    )

    assert response.status_code == 403
    assert PlatformSetting.objects.get(pk=setting.pk).label == setting.label


def test_platform_admin_lists_and_searches(client, staff_admin):
    PlatformSettingFactory(label="Very specific label")
    client.force_login(staff_admin)

    response = client.get(reverse("admin:platforms_platform_changelist"), {"q": "very specific"})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def inline_data(setting, **overrides):
    platform = setting.platform
    return {
        "name": platform.name,
        "vendor": platform.vendor,
        "category": platform.category,
        "description": "",
        "website": "",
        "privacy_url": "",
        "consumer_trains_by_default": "true",
        "business_trains_by_default": "unknown",
        "retention_notes": "",
        "regional_notes": "",
        "no_opt_out_outside": "",
        "no_opt_out_note": "",
        "sources": json.dumps(["https://example.test"]),
        "last_verified_on": platform.last_verified_on.isoformat(),
        "verified": "on",
        "settings-TOTAL_FORMS": "1",
        "settings-INITIAL_FORMS": "1",
        "settings-MIN_NUM_FORMS": "0",
        "settings-MAX_NUM_FORMS": "1000",
        "settings-0-id": str(setting.pk),
        "settings-0-platform": str(platform.pk),
        "settings-0-key": setting.key,
        **{f"settings-0-{k}": v for k, v in change_data(setting, **overrides).items()},
    }


def test_platform_admin_inline_edit_goes_through_the_service(client, staff_admin):
    setting = PlatformSettingFactory()
    client.force_login(staff_admin)

    response = client.post(
        reverse("admin:platforms_platform_change", args=[setting.platform.pk]),
        inline_data(setting, notes="Only on the web app"),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    setting.refresh_from_db()
    assert setting.notes == "Only on the web app" and setting.revision == 1
    assert AuditEvent.objects.filter(action="catalog.setting.updated", actor=staff_admin).count() == 1


def test_platform_admin_inline_refuses_a_change_of_meaning_and_points_to_the_settings_page(client, staff_admin):
    setting = PlatformSettingFactory()
    client.force_login(staff_admin)

    response = client.post(
        reverse("admin:platforms_platform_change", args=[setting.platform.pk]), inline_data(setting, safe_value="on")
    )

    assert response.status_code == 200
    assert "on the setting&#x27;s own page" in response.content.decode()
    setting.refresh_from_db()
    assert (setting.safe_value, setting.revision) == ("off", 1)
    assert not AuditEvent.objects.exists()
