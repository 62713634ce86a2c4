"""Where a setting's control lives (settings_url_patterns) and how the extension reads it (a
probe): validated like the rest of the catalog, versioned with the setting, unverified until
checked."""

import textwrap

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from platforms import services
from platforms.catalog_schema import read_catalog
from platforms.models import PlatformSetting, RevisionKind, SettingRevision
from tests.factories import PlatformFactory, PlatformSettingFactory

pytestmark = pytest.mark.django_db

CATALOG = """
platforms:
  - slug: acme-chat
    name: Acme Chat
    category: chatbot
    website: https://chat.acme.example
    privacy_url: https://acme.example/privacy
    consumer_trains_by_default: true
    confidence: high
    last_verified_on: 2026-11-01
    sources:
      - publisher: Acme
        title: Privacy help
        url: https://acme.example/help/privacy
        kind: vendor
        checked: 2026-11-01
    settings:
      - key: improve
        label: {label}
        navigation_steps: [Settings, Privacy, Improve]
        control_type: toggle
        values: ["on", "off"]
        safe_value: "off"
        protects: [training]
        applies_to_tiers: [free]
        settings_url_patterns:
          - {pattern}
        probe:
          role: switch
          read: {read}
          states: {{"true": "on", "false": "off"}}
"""


def catalog(
    tmp_path, *, label="Improve the model", pattern="https://chat.acme.example/*#settings/data", read="aria-checked"
):
    path = tmp_path / "catalog.yaml"
    path.write_text(textwrap.dedent(CATALOG.format(label=label, pattern=pattern, read=read)))
    return path


def load(path):
    call_command("load_catalog", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    return PlatformSetting.objects.get(key="improve")


def test_a_probe_loads_with_its_patterns_as_revision_1_and_unverified(tmp_path):
    setting = load(catalog(tmp_path))
    assert setting.settings_url_patterns == ["https://chat.acme.example/*#settings/data"]
    assert setting.probe == {"role": "switch", "read": "aria-checked", "states": {"true": "on", "false": "off"}}
    assert (setting.probe_revision, setting.probe_verified_on, setting.probe_verified) == (1, None, False)


def test_a_changed_probe_is_a_revision_of_its_own_that_keeps_attestations(tmp_path):
    load(catalog(tmp_path))
    setting = load(catalog(tmp_path, read="aria-pressed"))
    assert (setting.revision, setting.probe_revision) == (1, 2)
    (record,) = SettingRevision.objects.filter(setting=setting)
    assert (record.kind, record.changed_fields, record.revision, record.probe_revision) == (
        RevisionKind.COSMETIC,
        ["probe"],
        1,
        2,
    )
    assert "reads the setting" in record.reason and "unchanged" in record.reason
    setting = load(catalog(tmp_path, read="aria-pressed"))
    assert setting.probe_revision == 2, "an unchanged file changes nothing"


def test_a_renamed_setting_bumps_its_revision_and_keeps_its_probe_revision(tmp_path):
    load(catalog(tmp_path))
    setting = load(catalog(tmp_path, label="Improve the model for everyone"))
    assert (setting.revision, setting.probe_revision) == (2, 1)


def test_the_loader_puts_the_url_patterns_on_the_earlier_settings_of_the_built_in_catalog():
    settings = {(e.slug, s["key"]): s for e in read_catalog() for s in e.settings}
    chatgpt = settings[("chatgpt", "improve-model")]
    assert chatgpt["settings_url_patterns"] == ["https://chatgpt.com/*#settings/DataControls"]
    assert chatgpt["probe"]["role"] == "switch" and chatgpt["probe_verified_on"] is None
    assert settings[("claude", "help-improve")]["probe"]
    assert settings[("linkedin", "genai-improvement")]["probe"]["read"] == "checked"


@pytest.mark.parametrize(
    ("pattern", "read", "field", "says"),
    [
        ("http://chat.acme.example/settings", "aria-checked", "settings_url_patterns", "not an https address"),
        ("https://evil.example/settings", "aria-checked", "settings_url_patterns", "not on the tool's own hosts"),
        ("https://*.acme.example/settings", "aria-checked", "settings_url_patterns", "without a wildcard"),
        ("https://chat.acme.example:8443/settings", "aria-checked", "settings_url_patterns", "a port"),
        ("https://chat.acme.example/settings", "innerHTML", "probe", "read 'innerHTML' is not one of"),
    ],
)
def test_bad_patterns_and_probes_are_refused_naming_the_field(tmp_path, pattern, read, field, says):
    with pytest.raises(CommandError) as excinfo:
        load(catalog(tmp_path, pattern=pattern, read=read))
    assert f"field '{field}'" in str(excinfo.value) and says in str(excinfo.value)
    assert not PlatformSetting.objects.exists()


def test_a_pattern_on_a_sub_domain_of_the_tools_hosts_is_fine(tmp_path):
    assert load(catalog(tmp_path, pattern="https://www.acme.example/privacy")).settings_url_patterns


@pytest.mark.parametrize(
    ("probe", "says"),
    [
        ({"role": "slider", "read": "aria-checked", "states": {"true": "on"}}, "role 'slider' is not one of"),
        ({"role": "switch", "selector": "#x", "read": "checked", "states": {"true": "on"}}, "not both"),
        ({"read": "checked", "states": {"true": "on"}}, "give either role"),
        ({"role": "switch", "read": "checked", "states": {"true": "maybe"}}, "not one of the values"),
        ({"role": "switch", "read": "checked", "states": {True: "on"}}, "must be text"),
        ({"role": "switch", "read": "checked", "states": {}}, "states must map"),
        ({"role": "switch", "read": "checked", "states": {"true": "on"}, "script": "x()"}, "unknown key 'script'"),
        ({"selector": "#x", "name": "Improve", "read": "checked", "states": {"true": "on"}}, "name goes with role"),
    ],
)
def test_an_admin_edit_checks_the_probe_like_the_file(admin_user, probe, says):
    setting = PlatformSettingFactory(
        platform=PlatformFactory(website="https://chat.acme.example"),
        settings_url_patterns=["https://chat.acme.example/settings"],
    )
    with pytest.raises(ValidationError) as excinfo:
        services.update_setting(setting=setting, changes={"probe": probe}, actor=admin_user)
    assert says.casefold() in str(excinfo.value.message_dict["probe"]).casefold()


def test_an_admin_edit_of_a_probe_is_recorded_and_unverified_until_checked(admin_user):
    setting = PlatformSettingFactory(
        platform=PlatformFactory(name="Acme", website="https://chat.acme.example"),
        settings_url_patterns=["https://chat.acme.example/settings"],
    )
    probe = {"role": "switch", "read": "aria-checked", "states": {"true": "on", "false": "off"}}
    setting = services.update_setting(
        setting=setting, changes={"probe": probe, "probe_verified_on": setting.last_verified_on}, actor=admin_user
    )
    assert (setting.probe_revision, setting.probe_verified) == (1, True)
    setting = services.update_setting(
        setting=setting, changes={"probe": {**probe, "read": "aria-pressed"}}, actor=admin_user
    )
    assert (setting.revision, setting.probe_revision, setting.probe_verified_on) == (1, 2, None)
    assert list(SettingRevision.objects.filter(setting=setting).values_list("probe_revision", "changed_fields")) == [
        (1, ["probe"]),
        (2, ["probe"]),
    ]
    with pytest.raises(ValidationError, match="needs the settings pages"):
        services.update_setting(setting=setting, changes={"settings_url_patterns": []}, actor=admin_user)


def test_the_catalog_page_says_whether_the_extension_reads_a_setting_and_whether_that_is_verified(client, make_user):
    from django.urls import reverse

    platform = PlatformFactory(slug="acme", website="https://chat.acme.example")
    probe = {"role": "switch", "read": "aria-checked", "states": {"true": "on", "false": "off"}}
    PlatformSettingFactory(
        platform=platform,
        key="a",
        label="Improve",
        settings_url_patterns=["https://chat.acme.example/settings"],
        probe=probe,
        probe_revision=3,
    )
    PlatformSettingFactory(
        platform=platform, key="b", label="Memory", settings_url_patterns=["https://chat.acme.example/m"]
    )
    client.force_login(make_user())
    page = client.get(reverse("platforms:detail", args=["acme"])).content.decode()
    assert "probe revision 3" in page and "Probe not verified" in page
    assert "it has no probe to read its state" in page
