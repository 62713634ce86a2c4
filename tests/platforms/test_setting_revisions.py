"""Changes to what a setting says are recorded revisions: the editor says whether they are
wording only or people must check again (no silent default), on the catalog's edit page, in
the Django admin and in the service; the loader's revisions leave a reason too."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from governance.models import AuditEvent
from governance.roles import Role
from platforms import services
from platforms.catalog_schema import CatalogFileError
from platforms.models import PlatformSetting, RevisionKind, SettingRevision
from platforms.signals import setting_revised
from tests.clock import noon_on
from tests.factories import PlatformFactory, PlatformSettingFactory
from tests.platforms.admin_forms import change_data, edit_page_data
from tests.platforms.test_load_catalog import CATALOG, run, write

TODAY = datetime.date(2026, 3, 10)
NOW = noon_on(TODAY)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]


@pytest.fixture
def setting():
    platform = PlatformFactory(slug="chatgpt", name="ChatGPT")
    return PlatformSettingFactory(
        platform=platform,
        key="improve",
        label="Improve the model for everyone",
        navigation_steps=["Open ChatGPT", "Settings", "Data controls", "Switch off Improve the model for everyone"],
        sources=["https://example.test/help"],
    )


@pytest.fixture
def revisions():
    received = []

    def listener(sender, setting, old_revision, new_revision, actor, **kwargs):
        received.append((old_revision, new_revision))

    setting_revised.connect(listener)
    yield received
    setting_revised.disconnect(listener)


# --- the service -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["", "maybe"])
def test_a_change_of_meaning_without_a_kind_is_refused_and_nothing_is_written(setting, revisions, kind):
    with pytest.raises(ValidationError) as excinfo:
        services.update_setting(setting=setting, changes={"label": "Improve the model"}, actor=None, revision_kind=kind)

    assert "revision_kind" in excinfo.value.message_dict
    assert PlatformSetting.objects.get(pk=setting.pk).label == "Improve the model for everyone"
    assert not SettingRevision.objects.exists() and not AuditEvent.objects.exists() and revisions == []


def test_other_changes_need_no_kind_and_leave_no_revision(setting, revisions):
    services.update_setting(setting=setting, changes={"notes": "Web app only"}, actor=None)

    assert PlatformSetting.objects.get(pk=setting.pk).notes == "Web app only"
    assert not SettingRevision.objects.exists() and revisions == []


def test_meaningful_revision_is_recorded_with_its_reason_and_signalled(setting, revisions, admin_user):
    updated = services.update_setting(
        setting=setting,
        changes={"label": "Improve the model", "safe_value": "on"},
        actor=admin_user,
        revision_kind=RevisionKind.MEANINGFUL,
    )

    record = SettingRevision.objects.get()
    assert (record.kind, record.revision, updated.revision) == ("meaningful", 2, 2)
    assert record.changed_fields == ["label", "safe_value"]
    assert record.reason == (
        "ChatGPT renamed the setting “Improve the model for everyone” to “Improve the model” "
        "and changed its required value (now “on”)"
    )
    assert record.actor == admin_user and record.created_at.date() == TODAY
    assert revisions == [(1, 2)]
    assert AuditEvent.objects.get(action="catalog.setting.revised").after["reason"] == record.reason


def test_cosmetic_revision_keeps_the_revision_and_sends_nothing(setting, revisions):
    services.update_setting(
        setting=setting, changes={"label": "Improve the Model"}, actor=None, revision_kind=RevisionKind.COSMETIC
    )

    assert PlatformSetting.objects.get(pk=setting.pk).revision == 1
    assert SettingRevision.objects.get().kind == "cosmetic"
    assert AuditEvent.objects.get().action == "catalog.setting.reworded"
    assert revisions == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"navigation_steps": ["Settings", "Privacy"]}, "ChatGPT changed the steps of the setting “Improve it”"),
        (
            {"values": ["on", "off", "ask"]},
            "ChatGPT changed the possible values of the setting “Improve it”",
        ),
        (
            {"navigation_steps": ["Settings"], "values": ["on", "off", "ask"], "safe_value": "ask"},
            "ChatGPT changed the steps, possible values and required value (now “ask”) of the setting “Improve it”",
        ),
    ],
)
def test_the_reason_names_what_changed(changes, reason):
    new = PlatformSettingFactory.build(label="Improve it", safe_value=changes.get("safe_value", "off"))
    assert services.revision_reason(platform_name="ChatGPT", old_label="Improve it", new=new, changed=changes) == reason


@pytest.mark.parametrize(
    ("steps", "stale"),
    [
        (["Settings", "Switch off Improve the model for everyone"], [2]),
        (["Settings", "switch off IMPROVE THE MODEL FOR EVERYONE"], [2]),
        (["Settings", "Switch off Improve the model"], []),
        (["Improve the model for everyone", "Settings", "Improve the model for everyone"], [1, 3]),
    ],
)
def test_steps_that_still_quote_the_old_label(steps, stale):
    found = services.steps_quoting_old_label(
        old_label="Improve the model for everyone", new_label="Improve the model", steps=steps
    )
    assert found == stale


def test_a_step_quoting_the_new_label_that_contains_the_old_one_is_not_stale():
    steps = ["Open Memory and history", "Switch off Memory"]
    assert services.steps_quoting_old_label(old_label="Memory", new_label="Memory and history", steps=steps) == [2]


# --- the catalog's edit page -----------------------------------------------------------------


def edit_url(setting):
    return reverse("platforms:setting-edit", args=[setting.platform.slug, setting.key])


def test_a_rename_asks_first_with_neither_choice_preselected_and_saves_nothing(client, admin_user, setting):
    client.force_login(admin_user)

    response = client.post(edit_url(setting), edit_page_data(setting, label="Improve the model"))

    html = response.content.decode()
    assert response.status_code == 200 and response.context["confirmation"] is not None
    assert "Before saving: does this change what people must check?" in html
    radios = re.findall(r'<input type="radio" name="revision_kind"[^>]*>', html)
    assert len(radios) == 2 and not any("checked" in radio for radio in radios)
    assert "Wording only: keep attestations" in html and "People must check again" in html
    assert 'value="Improve the model"' in html  # the edit is kept for the second step
    assert "Step 4 still quotes the old label “Improve the model for everyone”" in html
    assert PlatformSetting.objects.get(pk=setting.pk).label == "Improve the model for everyone"
    assert not AuditEvent.objects.exists()


def test_confirming_without_a_choice_is_an_error_not_a_default(client, admin_user, setting):
    client.force_login(admin_user)

    response = client.post(edit_url(setting), edit_page_data(setting, label="Improve the model", confirming="on"))

    assert response.status_code == 200
    assert response.context["form"].errors["revision_kind"] == [services.REVISION_KIND_REQUIRED]
    assert PlatformSetting.objects.get(pk=setting.pk).label == "Improve the model for everyone"
    assert not SettingRevision.objects.exists()


def test_an_unknown_choice_is_refused(client, admin_user, setting):
    client.force_login(admin_user)

    response = client.post(
        edit_url(setting), edit_page_data(setting, label="Improve the model", confirming="on", revision_kind="both")
    )

    assert response.status_code == 200 and "revision_kind" in response.context["form"].errors
    assert "Select a valid choice" in response.content.decode()
    assert not SettingRevision.objects.exists()


def test_wording_only_on_the_edit_page_saves_a_cosmetic_revision(client, admin_user, setting):
    client.force_login(admin_user)
    steps = "Open ChatGPT\nSettings\nData controls\nSwitch off Improve the model"

    response = client.post(
        edit_url(setting),
        edit_page_data(
            setting, label="Improve the model", navigation_steps=steps, revision_kind="cosmetic", confirming="on"
        ),
        follow=True,
    )

    assert "saved as a wording change: attestations stay valid" in response.content.decode()
    fresh = PlatformSetting.objects.get(pk=setting.pk)
    assert (fresh.label, fresh.revision) == ("Improve the model", 1)
    assert SettingRevision.objects.get().changed_fields == ["label", "navigation_steps"]


def test_must_check_again_on_the_edit_page_bumps_the_revision(client, admin_user, setting):
    client.force_login(admin_user)

    response = client.post(
        edit_url(setting),
        edit_page_data(setting, label="Improve the model", revision_kind="meaningful", confirming="on"),
        follow=True,
    )

    assert "is now revision 2: 0 attestations re-opened" in response.content.decode()
    assert PlatformSetting.objects.get(pk=setting.pk).revision == 2
    assert SettingRevision.objects.get().kind == "meaningful"


def test_an_edit_that_changes_no_meaning_saves_without_asking(client, admin_user, setting):
    client.force_login(admin_user)

    response = client.post(edit_url(setting), edit_page_data(setting, notes="Web app only"))

    assert response.status_code == 302
    assert PlatformSetting.objects.get(pk=setting.pk).notes == "Web app only"


# --- the Django admin ---------------------------------------------------------------------------


def test_admin_shows_the_count_and_refuses_a_rename_without_a_choice(client, staff_admin, setting):
    client.force_login(staff_admin)
    url = reverse("admin:platforms_platformsetting_change", args=[setting.pk])

    page = client.get(url).content.decode()
    response = client.post(url, change_data(setting, label="Improve the model"))

    assert "People must check again re-opens 0 attestation(s) of 0 people (0 compliant today)" in page
    assert response.status_code == 200
    assert services.REVISION_KIND_REQUIRED in response.content.decode()
    assert PlatformSetting.objects.get(pk=setting.pk).label == "Improve the model for everyone"
    assert not AuditEvent.objects.exists()


def test_admin_wording_only_keeps_the_revision_and_warns_about_steps(client, staff_admin, setting, revisions):
    client.force_login(staff_admin)

    response = client.post(
        reverse("admin:platforms_platformsetting_change", args=[setting.pk]),
        change_data(setting, label="Improve the model", revision_kind="cosmetic"),
        follow=True,
    )

    assert "Step(s) 4 still quote the old label “Improve the model for everyone”" in response.content.decode()
    fresh = PlatformSetting.objects.get(pk=setting.pk)
    assert (fresh.label, fresh.revision) == ("Improve the model", 1)
    assert SettingRevision.objects.get().actor == staff_admin
    assert AuditEvent.objects.get().action == "catalog.setting.reworded"
    assert revisions == []


# --- the loader --------------------------------------------------------------------------------


def test_the_loaders_revision_is_meaningful_and_leaves_a_reason(tmp_path):
    run(write(tmp_path, CATALOG.format(label="Improve the model")))

    run(write(tmp_path, CATALOG.format(label="Improve the model for everyone")))

    record = SettingRevision.objects.get()
    assert (record.kind, record.revision, record.actor, record.actor_label) == ("meaningful", 2, None, "load_catalog")
    assert record.reason == "Acme Chat renamed the setting “Improve the model” to “Improve the model for everyone”"
    assert record.created_at.date() == TODAY


def test_a_file_may_mark_a_change_wording_only(tmp_path, revisions):
    run(write(tmp_path, CATALOG.format(label="Improve the model")))
    reworded = CATALOG.format(label="Improve the Model").replace(
        "      - key: improve\n", "      - key: improve\n        wording_only: true\n"
    )

    run(write(tmp_path, reworded))

    improve = PlatformSetting.objects.get(key="improve")
    assert (improve.label, improve.revision) == ("Improve the Model", 1)
    assert SettingRevision.objects.get().kind == "cosmetic"
    assert AuditEvent.objects.filter(action="catalog.setting.reworded").count() == 1
    assert revisions == []


def test_a_file_with_a_bad_wording_only_is_refused(tmp_path):
    bad = CATALOG.format(label="Improve").replace(
        "      - key: improve\n", "      - key: improve\n        wording_only: sure\n"
    )
    with pytest.raises(CatalogFileError, match="wording_only"):
        services.load_catalog(path=write(tmp_path, bad))


def test_officers_read_the_revision_record_in_the_admin_and_nobody_edits_it(client, make_user, setting):
    services.update_setting(
        setting=setting, changes={"label": "Improve the model"}, actor=None, revision_kind=RevisionKind.COSMETIC
    )
    record = SettingRevision.objects.get()
    client.force_login(make_user(Role.COMPLIANCE_OFFICER, is_staff=True))

    listing = client.get(reverse("admin:platforms_settingrevision_changelist"))
    change = client.post(reverse("admin:platforms_settingrevision_change", args=[record.pk]), {"reason": "edited"})

    assert listing.status_code == 200 and "ChatGPT renamed the setting" in listing.content.decode()
    assert change.status_code == 403
    assert SettingRevision.objects.get().reason == record.reason
