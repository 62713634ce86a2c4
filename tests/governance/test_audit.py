"""The audit log: one writer (governance.audit) names every object the way its readers look it up."""

import importlib
import pathlib

import pytest
from django.apps import apps
from django.urls import reverse

from attestations.models import ObligationStatus
from attestations.services.obligations import reopen_for_setting
from governance import audit
from governance.models import AuditEvent
from platforms.models import PlatformSetting
from tests.factories import ObligationFactory, PlatformSettingFactory, RequiredSettingFactory, mark_in_force

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_setting_reopen_events_appear_in_the_catalogs_history(client, officer):
    setting = PlatformSettingFactory()
    requirement = RequiredSettingFactory(setting=setting, rule__platform=setting.platform)
    mark_in_force(requirement.rule.version)
    ObligationFactory(rule=requirement.rule, status=ObligationStatus.COMPLIANT)

    assert reopen_for_setting(setting=setting) == 1

    client.force_login(officer)
    response = client.get(reverse("platforms:detail", args=[setting.platform.slug]))
    actions = [event.action for event in response.context["history"]]
    assert "obligations.reopened_for_setting" in actions
    assert AuditEvent.objects.get(action="obligations.reopened_for_setting").object_type == "platforms.platformsetting"


def test_the_migration_mends_old_short_object_types():
    migration = importlib.import_module("governance.migrations.0021_audit_object_types")
    old = AuditEvent.objects.create(
        action="obligations.reopened_for_setting", object_type="platform_setting", object_id="7"
    )
    batch = AuditEvent.objects.create(action="employees.upserted", object_type="employee_batch", object_id="3")

    migration.rename(apps, None)

    old.refresh_from_db(), batch.refresh_from_db()
    assert old.object_type == audit.object_type(PlatformSetting)
    assert batch.object_type == "employee_batch"


def test_record_keeps_jobs_and_keys_as_labels_and_users_as_actors(officer):
    setting = PlatformSettingFactory()
    by_job = audit.record(action="x.done", obj=setting)
    by_person = audit.record(actor=officer, action="x.done", obj=setting, before={"a": 1}, after={"a": 2})

    assert (by_job.actor, by_job.actor_label) == (None, "system")
    assert (by_person.actor, by_person.actor_label, by_person.before, by_person.after) == (
        officer,
        "",
        {"a": 1},
        {"a": 2},
    )
    assert list(audit.history(setting)) == [by_person, by_job]


def test_every_audit_write_goes_through_the_one_writer():
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/")) or "/migrations/" in relative or relative == "governance/audit.py":
            continue
        text = path.read_text()
        if "AuditEvent(" in text.replace("class AuditEvent(", "") or "AuditEvent.objects.create" in text:
            offenders.append(relative)
    assert offenders == []


def test_every_action_the_code_records_has_a_phrase_for_the_pages():
    """A new audit action without a phrase would show its machine name on the history pages."""
    import re

    from governance.audit_actions import ACTION_PHRASES

    pattern = re.compile(r'action=f?"([a-z_]+\.[a-z_.{}]+)"')
    found = set()
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {"tests", ".venv", "bench"} or "migrations" in path.parts:
            continue
        found.update(pattern.findall(path.read_text()))
    found = {action.replace("{kind}", kind) for action in found for kind in ("platform", "setting")}
    assert len(found) > 30
    assert sorted(found - set(ACTION_PHRASES)) == []


def test_an_action_without_a_phrase_reads_as_its_words():
    from governance.audit_actions import action_phrase

    assert action_phrase("rule.setting_required") == "Setting required"
    assert action_phrase("x.made_up") == "X made up"
