"""The policy version's "usage signals" switch: off by default, set in the editor, carried into
the next draft, named in the version diff, frozen once published."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from policies import services
from policies.models import ImmutableVersionError, PolicyVersion
from policies.selectors import diff_versions
from tests.attestations.builders import new_version, publish
from tests.clock import noon_on

TODAY = datetime.date(2026, 6, 1)
NOW = noon_on(TODAY)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]


def _form(version, **changes):
    data = {
        "title": version.title,
        "body_markdown": version.body_markdown + "\n\nThe browser extension reports which AI tools you open.",
        "effective_on": TODAY.isoformat(),
        "attestation_interval_days": 90,
        "grace_period_days": 14,
        "reminder_offsets": "-7, 0, 7",
        "escalation_after_days": 14,
    }
    data.update(changes)
    return data


def test_signals_are_off_unless_the_editor_turns_them_on(admin_user):
    draft = new_version()
    assert draft.usage_signals is False
    client = Client()
    client.force_login(admin_user)
    url = reverse("policies:version-edit", args=[draft.pk])
    assert "Usage signals from the browser extension" in client.get(url).content.decode()
    assert client.post(url, _form(draft, usage_signals="on")).status_code == 302
    draft.refresh_from_db()
    assert draft.usage_signals is True
    assert client.post(url, _form(draft)).status_code == 302  # an unticked box turns them off
    draft.refresh_from_db()
    assert draft.usage_signals is False


def test_the_next_draft_keeps_the_switch_and_the_diff_names_it(admin_user):
    published = publish(new_version(usage_signals=True))
    draft = services.create_draft(policy=published.policy, actor=admin_user)
    assert draft.usage_signals is True
    services.update_version(version=draft, actor=admin_user, usage_signals=False)
    draft.refresh_from_db()
    labels = [label for label, _, _ in diff_versions(published, draft).version_fields]
    assert labels == ["Usage signals from the browser extension"]


def test_a_published_versions_switch_cannot_change(db):
    published = publish(new_version())
    published.usage_signals = True
    with pytest.raises(ImmutableVersionError):
        published.save()
    with pytest.raises(ImmutableVersionError):
        PolicyVersion.objects.filter(pk=published.pk).update(usage_signals=True)
