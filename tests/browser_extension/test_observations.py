"""POST /api/extension/v1/observations: "Attest what the browser sees", recorded in the ledger
with its source (observed by the extension) and each probe's revision; refused, with nothing
stored, whenever the extension could be wrong."""

import datetime
import json

import pytest

from attestations import ledger
from attestations.models import AnswerSource, Attestation, ObligationStatus
from attestations.services.attest import submit_attestation
from platforms import services as catalog
from platforms.models import RevisionKind
from tests.attestations.builders import new_version, publish, safe_answers, unguarded
from tests.clock import noon_on
from tests.factories import (
    ObligationFactory,
    PlatformFactory,
    PlatformSettingFactory,
    RequiredSettingFactory,
    ToolRuleFactory,
)

TODAY = datetime.date(2026, 6, 1)
NOW = noon_on(TODAY)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]

OBSERVATIONS = "/api/extension/v1/observations"
PROBE = {"role": "switch", "read": "aria-checked", "states": {"true": "on", "false": "off"}}


def build_chatgpt(*, practice=False, allowed_tiers=()):
    """ChatGPT with its switch (a probe reads it) required off; with ``practice``, also a practice
    that no probe can read; ``allowed_tiers`` on the rule."""
    platform = PlatformFactory(slug="chatgpt", name="ChatGPT", website="https://chatgpt.com")
    setting = PlatformSettingFactory(
        platform=platform,
        key="improve-model",
        label="Improve the model for everyone",
        settings_url_patterns=["https://chatgpt.com/*#settings/DataControls"],
        probe=PROBE,
        probe_revision=1,
    )
    version = new_version()
    rule = ToolRuleFactory(version=version, platform=platform, allowed_tiers=list(allowed_tiers))
    RequiredSettingFactory(rule=rule, setting=setting, required_value="off")
    if practice:
        other = PlatformSettingFactory(
            platform=platform,
            key="temporary-chat",
            label="Use a Temporary Chat",
            control_type="practice",
            values=["followed", "not followed"],
            safe_value="followed",
        )
        RequiredSettingFactory(rule=rule, setting=other)
    publish(version)
    return {"platform": platform, "setting": setting, "rule": rule}


@pytest.fixture
def chatgpt():
    return build_chatgpt()


def _obligation(employee, chatgpt, **kwargs):
    return ObligationFactory(
        employee=employee, rule=chatgpt["rule"], due_on=TODAY + datetime.timedelta(days=3), **kwargs
    )


def _body(obligation, value="off", **answer):
    setting = obligation.rule.required_settings.get().setting
    return {
        "tool": obligation.platform.slug,
        "obligation": obligation.pk,
        "answers": [
            {"setting": setting.key, "value": value, "revision": setting.revision, "probe_revision": 1, **answer}
        ],
    }


def test_an_observed_attestation_lands_in_the_ledger_with_its_source(employee_user, device_client, chatgpt):
    employee = employee_user.employee
    obligation = _obligation(employee, chatgpt)
    response = device_client(employee).post_json(OBSERVATIONS, _body(obligation))
    assert response.status_code == 201, response.content
    record = Attestation.objects.get()
    assert response.json()["record"] == record.pk and response.json()["source"] == "extension"
    assert response.json()["receipt_url"].endswith(f"/me/records/{record.pk}/")
    assert record.source == AnswerSource.OBSERVED and record.source_label == "Observed by the extension"
    (answer,) = record.answers
    assert (answer["source"], answer["probe_revision"], answer["value"]) == ("extension", 1, "off")
    assert "read by the browser extension" in record.statement
    assert record.signed_name == employee.full_name and record.compliant is True
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.COMPLIANT and obligation.satisfied_by == record
    assert ledger.verify_chain().ok


def test_a_switch_observed_on_is_recorded_as_it_is_not_compliant(employee_user, device_client, chatgpt):
    obligation = _obligation(employee_user.employee, chatgpt)
    response = device_client(employee_user.employee).post_json(OBSERVATIONS, _body(obligation, value="on"))
    assert response.status_code == 201 and response.json()["compliant"] is False


def test_the_ledger_hash_covers_the_source_and_typed_records_verify_as_before(make_user, device_client, chatgpt):
    typed_by, observed_by = make_user(), make_user()
    typed = _obligation(typed_by.employee, chatgpt)
    typed_record = submit_attestation(
        obligation=typed,
        answers=safe_answers(typed),
        tool_used=True,
        statement="I confirm.",
        signature=typed_by.employee.full_name,
        actor=typed_by,
    )
    assert "source" not in typed_record.answers[0] and typed_record.source == AnswerSource.TYPED
    observed = _obligation(observed_by.employee, chatgpt)
    assert device_client(observed_by.employee).post_json(OBSERVATIONS, _body(observed)).status_code == 201
    record = Attestation.objects.latest("id")
    assert ledger.verify_chain().ok and ledger.verify_chain().count == 2

    # Someone with the database turns the observed answer into a typed one: the chain breaks there.
    typed_answers = [
        {k: v for k, v in answer.items() if k not in ("source", "probe_revision")} for answer in record.answers
    ]
    unguarded(("UPDATE governance_attestation SET answers = %s WHERE id = %s", [json.dumps(typed_answers), record.pk]))
    result = ledger.verify_chain()
    assert (result.ok, result.broken_id) == (False, record.pk)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"label": "Improve the model"}, "revision"),
        ({"probe": {**PROBE, "states": {"true": "on", "false": "off", "mixed": "on"}}}, "probe_revision"),
    ],
)
def test_a_setting_or_probe_revised_since_the_browser_read_it_is_refused(
    employee_user, device_client, admin_user, chatgpt, change, field
):
    obligation = _obligation(employee_user.employee, chatgpt)
    body = _body(obligation)
    catalog.update_setting(
        setting=chatgpt["setting"], changes=change, actor=admin_user, revision_kind=RevisionKind.MEANINGFUL
    )
    response = device_client(employee_user.employee).post_json(OBSERVATIONS, body)
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "stale_probe" and "revised" in response.json()["detail"]
    assert not Attestation.objects.exists()


def test_unknown_and_unasked_settings_are_refused(employee_user, device_client, chatgpt):
    obligation = _obligation(employee_user.employee, chatgpt)
    client = device_client(employee_user.employee)
    response = client.post_json(OBSERVATIONS, _body(obligation, setting="no-such-setting"))
    assert (response.status_code, response.json()["code"]) == (400, "unknown_setting")
    PlatformSettingFactory(platform=chatgpt["platform"], key="memory", probe=PROBE, probe_revision=1)
    response = client.post_json(OBSERVATIONS, _body(obligation, setting="memory"))
    assert (response.status_code, response.json()["code"]) == (400, "not_required")
    response = client.post_json(OBSERVATIONS, _body(obligation, value="maybe"))
    assert (response.status_code, response.json()["code"]) == (400, "invalid_value")
    assert not Attestation.objects.exists()


def test_a_field_the_server_does_not_know_is_refused_not_ignored(employee_user, device_client, chatgpt):
    obligation = _obligation(employee_user.employee, chatgpt)
    client = device_client(employee_user.employee)
    for body in (
        {**_body(obligation), "tool_used": False},  # a typed answer's field: never taken from here
        _body(obligation, source="typed"),
    ):
        response = client.post_json(OBSERVATIONS, body)
        assert response.status_code == 400
        assert "Unknown field." in response.content.decode()
    assert not Attestation.objects.exists()


def test_every_required_setting_must_be_read_by_a_probe(employee_user, device_client):
    chatgpt = build_chatgpt(practice=True)
    _obligation(employee_user.employee, chatgpt)
    client = device_client(employee_user.employee)
    setting = chatgpt["setting"]
    only_switch = {
        "tool": "chatgpt",
        "answers": [{"setting": setting.key, "value": "off", "revision": setting.revision, "probe_revision": 1}],
    }
    response = client.post_json(OBSERVATIONS, only_switch)
    assert (response.status_code, response.json()["code"]) == (400, "incomplete")
    assert "Use a Temporary Chat" in response.json()["detail"]
    with_practice = {
        **only_switch,
        "answers": [
            *only_switch["answers"],
            {"setting": "temporary-chat", "value": "followed", "revision": 1, "probe_revision": 1},
        ],
    }
    response = client.post_json(OBSERVATIONS, with_practice)
    assert (response.status_code, response.json()["code"]) == (400, "no_probe")
    assert not Attestation.objects.exists()


def test_someone_elses_obligation_and_a_tool_with_nothing_due_are_refused(make_user, device_client, chatgpt):
    mine, theirs = make_user(), make_user()
    their_obligation = _obligation(theirs.employee, chatgpt)
    client = device_client(mine.employee)
    response = client.post_json(OBSERVATIONS, _body(their_obligation))
    assert (response.status_code, response.json()["code"]) == (403, "not_your_obligation")

    response = client.post_json(OBSERVATIONS, {**_body(their_obligation), "obligation": None})
    assert response.status_code == 400  # the obligation, when sent, is a number
    without = {k: v for k, v in _body(their_obligation).items() if k != "obligation"}
    response = client.post_json(OBSERVATIONS, without)
    assert (response.status_code, response.json()["code"]) == (404, "nothing_due")

    _obligation(
        mine.employee, chatgpt, status=ObligationStatus.COMPLIANT, valid_until=TODAY + datetime.timedelta(days=80)
    )
    response = client.post_json(OBSERVATIONS, without)
    assert (response.status_code, response.json()["code"]) == (409, "nothing_due")
    assert not Attestation.objects.exists()


def test_a_rule_that_asks_for_the_account_tier_needs_the_site(employee_user, device_client):
    chatgpt = build_chatgpt(allowed_tiers=["team"])
    obligation = _obligation(employee_user.employee, chatgpt)
    response = device_client(employee_user.employee).post_json(OBSERVATIONS, _body(obligation))
    assert (response.status_code, response.json()["code"]) == (400, "tier_required")


def test_observations_need_a_device_token_and_a_well_formed_body(employee_user, device_client, client, chatgpt):
    obligation = _obligation(employee_user.employee, chatgpt)
    client.force_login(employee_user)
    response = client.post(OBSERVATIONS, _body(obligation), content_type="application/json")
    assert response.status_code == 401, "a session is not a device"
    device = device_client(employee_user.employee)
    for body in ({}, {"tool": "chatgpt", "answers": []}, {"tool": "chatgpt", "answers": [{"setting": "x"}]}, []):
        response = device.post_json(OBSERVATIONS, body)
        assert response.status_code == 400, body
    assert not Attestation.objects.exists()


def test_the_source_shows_where_attestations_are_listed(make_user, device_client, chatgpt):
    from django.test import Client
    from django.urls import reverse

    from governance.roles import Role

    person = make_user()
    obligation = _obligation(person.employee, chatgpt)
    record_id = device_client(person.employee).post_json(OBSERVATIONS, _body(obligation)).json()["record"]
    me = Client()
    me.force_login(person)
    assert "Observed by the extension" in me.get(reverse("me-history")).content.decode()
    receipt = me.get(reverse("me-record", args=[record_id])).content.decode()
    assert "Observed by the extension" in receipt and "settings page in your paired browser" in receipt
    officer = Client()
    officer.force_login(make_user(Role.COMPLIANCE_OFFICER))
    page = officer.get(reverse("dashboard-person", args=[person.employee.external_id])).content.decode()
    assert "Observed by the extension" in page
