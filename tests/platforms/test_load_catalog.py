"""The load_catalog command: idempotent upsert, revisions, refusal of bad files."""

import textwrap

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from governance.models import AuditEvent
from platforms.models import Platform, PlatformSetting
from platforms.signals import setting_revised
from tests.factories import PlatformFactory, PlatformSettingFactory

pytestmark = pytest.mark.django_db

CATALOG = """
platforms:
  - slug: acme-chat
    name: Acme Chat
    vendor: Acme
    category: chatbot
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
        applies_to_tiers: [free, consumer_paid]
      - key: history
        label: Keep history
        navigation_steps: [Settings, History]
        control_type: toggle
        values: ["on", "off"]
        safe_value: "off"
        protects: [retention]
        applies_to_tiers: [free]
        confidence: low
"""


def write(tmp_path, text, name="catalog.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def run(path):
    from io import StringIO

    out = StringIO()
    call_command("load_catalog", str(path), stdout=out)
    return out.getvalue()


def rows():
    return sorted(
        PlatformSetting.objects.values_list("platform__slug", "key", "label", "revision", "verified", "is_builtin")
    )


def test_first_load_creates_rows_and_reports_counts(tmp_path):
    output = run(write(tmp_path, CATALOG.format(label="Improve the model")))

    assert "Platforms: 1 created, 0 updated, 0 unchanged" in output
    assert "Settings: 2 created, 0 updated, 0 unchanged" in output
    platform = Platform.objects.get(slug="acme-chat")
    assert platform.is_builtin and platform.verified
    improve = platform.settings.get(key="improve")
    assert improve.values == ["on", "off"] and improve.safe_value == "off"
    assert [c["url"] for c in improve.sources] == ["https://acme.example/help/privacy"]  # inherited
    assert improve.sources[0]["checked"] == "2026-11-01" and improve.sources[0]["kind"] == "vendor"
    assert improve.revision == 1


def test_low_confidence_entries_load_as_unverified(tmp_path):
    run(write(tmp_path, CATALOG.format(label="Improve the model")))

    assert PlatformSetting.objects.get(key="history").verified is False
    assert PlatformSetting.objects.get(key="improve").verified is True


def test_second_load_changes_nothing(tmp_path):
    path = write(tmp_path, CATALOG.format(label="Improve the model"))
    run(path)
    before = rows()
    events = AuditEvent.objects.count()

    output = run(path)

    assert rows() == before
    assert "Platforms: 0 created, 0 updated, 1 unchanged" in output
    assert "Settings: 0 created, 0 updated, 2 unchanged" in output
    assert AuditEvent.objects.count() == events


def test_changed_label_bumps_revision_once_and_sends_signal(tmp_path):
    run(write(tmp_path, CATALOG.format(label="Improve the model")))
    received = []

    def listener(sender, setting, old_revision, new_revision, actor, **kwargs):
        received.append((setting.key, old_revision, new_revision, actor))

    setting_revised.connect(listener)
    try:
        path = write(tmp_path, CATALOG.format(label="Improve the model for everyone"))
        output = run(path)
        run(path)
    finally:
        setting_revised.disconnect(listener)

    improve = PlatformSetting.objects.get(key="improve")
    assert improve.label == "Improve the model for everyone"
    assert improve.revision == 2
    assert PlatformSetting.objects.get(key="history").revision == 1
    assert received == [("improve", 1, 2, None)]
    assert "Settings: 0 created, 1 updated, 1 unchanged" in output
    event = AuditEvent.objects.get(action="catalog.setting.revised")
    assert event.before == {"label": "Improve the model", "revision": 1}
    assert event.after == {
        "label": "Improve the model for everyone",
        "revision": 2,
        "reason": "Acme Chat renamed the setting “Improve the model” to “Improve the model for everyone”",
    }
    assert event.actor_label == "load_catalog"


def test_non_meaningful_change_updates_without_revision(tmp_path):
    run(write(tmp_path, CATALOG.format(label="Improve the model")))
    changed = CATALOG.format(label="Improve the model").replace(
        "applies_to_tiers: [free, consumer_paid]", "applies_to_tiers: [free]"
    )

    run(write(tmp_path, changed))

    improve = PlatformSetting.objects.get(key="improve")
    assert improve.applies_to_tiers == ["free"]
    assert improve.revision == 1


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'safe_value: "off"\n        protects: [training]',
            'safe_value: "maybe"\n        protects: [training]',
            ["platform 'acme-chat' setting 'improve'", "field 'safe_value'"],
        ),
        (
            'values: ["on", "off"]\n        safe_value: "off"\n        protects: [training]',
            'values: [on, off]\n        safe_value: "off"\n        protects: [training]',
            ["setting 'improve'", "field 'values'"],
        ),
        ("category: chatbot", "category: spaceship", ["platform 'acme-chat'", "field 'category'"]),
        (
            "applies_to_tiers: [free, consumer_paid]",
            "applies_to_tiers: [free, platinum]",
            ["setting 'improve'", "field 'applies_to_tiers'"],
        ),
        (
            "        navigation_steps: [Settings, Privacy, Improve]\n",
            "",
            ["setting 'improve'", "field 'navigation_steps'"],
        ),
    ],
    ids=["safe-value-not-in-values", "unquoted-on-off", "unknown-category", "unknown-tier", "missing-steps"],
)
def test_bad_file_is_refused_naming_file_entry_field_and_changes_nothing(tmp_path, old, new, expected):
    run(write(tmp_path, CATALOG.format(label="Improve the model"), name="good.yaml"))
    text = CATALOG.format(label="Changed label")
    assert old in text
    path = write(tmp_path, text.replace(old, new, 1), name="broken.yaml")
    before = (rows(), Platform.objects.count(), AuditEvent.objects.count())

    with pytest.raises(CommandError) as excinfo:
        run(path)

    message = str(excinfo.value)
    assert "broken.yaml" in message
    for part in expected:
        assert part in message
    assert (rows(), Platform.objects.count(), AuditEvent.objects.count()) == before


def test_a_bad_file_in_a_directory_stops_the_good_ones_too(tmp_path):
    write(tmp_path, CATALOG.format(label="Improve the model"), name="a_good.yaml")
    write(tmp_path, "platforms:\n  - slug: Not A Slug\n", name="b_bad.yaml")

    with pytest.raises(CommandError, match="b_bad.yaml"):
        run(tmp_path)

    assert not Platform.objects.exists()


def test_not_yaml_is_refused_with_the_line(tmp_path):
    path = write(tmp_path, "platforms:\n  - slug: [unclosed\n", name="garbled.yaml")

    with pytest.raises(CommandError, match=r"garbled.yaml: not valid YAML \(line"):
        run(path)


def test_organization_made_entries_survive_a_reload(tmp_path):
    own_platform = PlatformFactory(slug="acme-chat", name="Our own Acme", is_builtin=False)
    own_setting = PlatformSettingFactory(platform=own_platform, key="improve", label="Our wording", is_builtin=False)
    builtin = PlatformFactory(slug="other", name="Other", is_builtin=True)
    extra = PlatformSettingFactory(platform=builtin, key="org-extra", label="Our extra check", is_builtin=False)

    output = run(write(tmp_path, CATALOG.format(label="Improve the model")))

    own_platform.refresh_from_db()
    own_setting.refresh_from_db()
    assert own_platform.name == "Our own Acme" and not own_platform.is_builtin
    assert own_setting.label == "Our wording" and own_setting.revision == 1
    assert PlatformSetting.objects.filter(pk=extra.pk, label="Our extra check").exists()
    assert not PlatformSetting.objects.filter(platform=own_platform, key="history").exists()
    assert "1 skipped" in output


def test_never_deletes_settings_missing_from_the_file(tmp_path):
    run(write(tmp_path, CATALOG.format(label="Improve the model")))
    text = CATALOG.format(label="Improve the model")
    without_history = text[: text.index("      - key: history")]

    run(write(tmp_path, without_history))

    assert PlatformSetting.objects.filter(key="history").exists()


def test_admin_edits_survive_a_reload_of_an_unchanged_file(tmp_path):
    from platforms.services import update_setting

    path = write(tmp_path, CATALOG.format(label="Improve the model"))
    run(path)
    setting = PlatformSetting.objects.get(key="improve")
    update_setting(
        setting=setting,
        changes={"label": "Improve the model (renamed by vendor)"},
        actor=None,
        revision_kind="meaningful",
    )

    run(path)

    setting.refresh_from_db()
    assert setting.label == "Improve the model (renamed by vendor)"
    assert setting.revision == 2


def test_admin_verification_is_not_undone_by_an_older_file(tmp_path):
    import datetime

    from platforms.services import mark_verified

    run(write(tmp_path, CATALOG.format(label="Improve the model")))
    history = PlatformSetting.objects.get(key="history")
    mark_verified(entry=history, actor=None, on=datetime.date(2026, 11, 20))

    run(write(tmp_path, CATALOG.format(label="Improve the model, renamed")))

    history.refresh_from_db()
    assert history.verified is True
    assert history.last_verified_on == datetime.date(2026, 11, 20)


def test_load_uses_a_bounded_number_of_queries(tmp_path, django_assert_max_num_queries):
    many = ["platforms:"]
    for n in range(40):
        block = CATALOG.format(label=f"Improve {n}").split("platforms:\n", 1)[1]
        many.append(block.replace("acme-chat", f"acme-{n}"))
    path = write(tmp_path, "\n".join(many))

    with django_assert_max_num_queries(12):
        run(path)
    assert Platform.objects.count() == 40 and PlatformSetting.objects.count() == 80
    with django_assert_max_num_queries(6):
        run(path)


def test_file_change_to_one_field_keeps_an_admin_edit_of_another(tmp_path):
    from platforms.services import update_setting

    run(write(tmp_path, CATALOG.format(label="Improve the model")))
    setting = PlatformSetting.objects.get(key="improve")
    update_setting(
        setting=setting, changes={"label": "Admin's corrected label"}, actor=None, revision_kind="meaningful"
    )
    changed_tiers = CATALOG.format(label="Improve the model").replace(
        "applies_to_tiers: [free, consumer_paid]", "applies_to_tiers: [free]"
    )

    run(write(tmp_path, changed_tiers))

    setting.refresh_from_db()
    assert setting.label == "Admin's corrected label"
    assert setting.applies_to_tiers == ["free"]
    assert setting.revision == 2  # the admin's rename only; the tier change is not meaningful


PRACTICE = """
      - key: no-ratings
        label: Do not rate replies
        navigation_steps: [Any chat, The rating buttons]
        control_type: practice
        values: {values}
        safe_value: {safe}
        protects: [training]
        applies_to_tiers: [free]
"""


def test_a_practice_loads_like_a_setting(tmp_path):
    text = CATALOG.format(label="Improve the model") + PRACTICE.format(
        values='["followed", "not followed"]', safe="followed"
    )
    run(write(tmp_path, text))
    practice = PlatformSetting.objects.get(key="no-ratings")
    assert practice.control_type == "practice" and practice.is_practice
    assert (practice.values, practice.safe_value) == (["followed", "not followed"], "followed")


@pytest.mark.parametrize(
    "values, safe",
    [
        ('["on", "off"]', '"off"'),
        ('["followed", "not followed"]', '"not followed"'),
        ('["yes", "followed"]', "followed"),
    ],
    ids=["switch-values", "unsafe-safe-value", "other-values"],
)
def test_a_practice_with_other_values_is_refused(tmp_path, values, safe):
    text = CATALOG.format(label="Improve the model") + PRACTICE.format(values=values, safe=safe)
    with pytest.raises(CommandError) as excinfo:
        run(write(tmp_path, text))
    assert "setting 'no-ratings'" in str(excinfo.value) and "a practice has the values" in str(excinfo.value)
    assert not Platform.objects.exists()


def test_the_built_in_catalog_carries_the_practices_its_notes_describe():
    call_command("load_catalog", verbosity=0)
    practices = set(PlatformSetting.objects.filter(control_type="practice").values_list("platform__slug", "key"))
    assert {("claude", "no-feedback-ratings"), ("tumblr", "every-blog")} <= practices
    for setting in PlatformSetting.objects.filter(control_type="practice"):
        assert setting.sources and setting.notes.startswith("A practice, not a switch"), setting.key
        assert (setting.values, setting.safe_value) == (["followed", "not followed"], "followed")
