"""A practice (issue 16, point 14): a behaviour at the moment of use that a policy requires like a
setting (the same obligations, ledger and figures) and the employee confirms on the attest form.
Uses the built-in catalog's Claude entry: "Do not rate replies with thumbs up or down"."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from attestations.models import Attestation, AttestationAnswer, Obligation, ObligationStatus
from attestations.services.publishing import publish_policy_version
from compliance import selectors as compliance
from compliance.selectors import ComplianceFilters
from platforms.models import ControlType, Platform
from policies import services as policy_services
from tests.factories import PolicyVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claude():
    call_command("load_catalog", verbosity=0)
    return Platform.objects.get(slug="claude")


@pytest.fixture
def practice(claude):
    return claude.settings.get(key="no-feedback-ratings")


@pytest.fixture
def obligation(employee_user, claude, practice):
    version = PolicyVersionFactory(number=1)
    switch = claude.settings.get(key="help-improve")
    policy_services.add_rule(
        version=version, platform=claude, stance="approved", required=[(switch, None), (practice, None)], actor=None
    )
    publish_policy_version(version=version, actor=None)
    return Obligation.objects.open().get(employee=employee_user.employee, platform=claude)


@pytest.fixture
def signed_in(client, employee_user):
    client.force_login(employee_user)
    return client


def attest(client, obligation, practice_answer):
    page = client.get(reverse("me-tool", args=[obligation.pk]))
    data = {
        "state": page.context["form"].initial["state"],
        "tool_used": "yes",
        "confirm": "on",
        "signature": obligation.employee.full_name,
    }
    for requirement in obligation.rule.required_settings.select_related("setting"):
        value = practice_answer if requirement.setting.is_practice else requirement.required_value
        data[f"setting_{requirement.setting_id}"] = value
    return client.post(reverse("me-tool", args=[obligation.pk]), data)


def test_the_practice_is_a_catalog_entry_required_at_followed(practice, obligation):
    assert practice.control_type == ControlType.PRACTICE
    assert (practice.values, practice.safe_value) == (["followed", "not followed"], "followed")
    requirement = obligation.rule.required_settings.get(setting=practice)
    assert requirement.required_value == "followed"


def test_a_policy_requiring_the_practice_creates_obligations_for_everyone_in_scope(obligation, claude):
    assert Obligation.objects.open().filter(platform=claude).count() >= 1
    assert obligation.status == ObligationStatus.PENDING


def test_the_attest_form_asks_to_confirm_the_practice_not_to_read_a_switch(signed_in, obligation, practice):
    content = signed_in.get(reverse("me-tool", args=[obligation.pk])).content.decode()
    group = content.split(f'name="setting_{practice.pk}"', 1)[0].rsplit("<fieldset", 1)[1]
    assert 'class="card setting practice field"' in group
    assert "Practice to confirm:</span> Do not rate replies with thumbs up or down in work chats" in group
    assert "Where it applies:" in group and "What is it set to now?" not in group
    assert "may be used for training even with" in group  # the note that matters at the moment of use
    assert f"Open {practice.platform.name} settings" not in group
    choices = content.split(f'name="setting_{practice.pk}"', 1)[1].split("</fieldset>", 1)[0]
    assert "I confirm: I do this" in choices and "I do not do this" in choices
    # The switch next to it still reads as a switch.
    assert "What is it set to now?" in content


def test_not_following_the_practice_is_not_compliant_and_the_receipt_says_so(signed_in, obligation, practice):
    response = attest(signed_in, obligation, "not followed")
    assert response.status_code == 302
    record = Attestation.objects.get(obligation=obligation)
    assert record.compliant is False
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.NONCOMPLIANT
    answer = AttestationAnswer.objects.get(attestation=record, setting=practice)
    assert (answer.value, answer.required_value, answer.compliant) == ("not followed", "followed", False)
    receipt = signed_in.get(response.url).content.decode()
    assert "You said you do not follow the practice “Do not rate replies" in receipt
    assert '<span class="badge badge-bad">Not followed</span>' in receipt
    assert "Settings and practices attested" in receipt
    # The dashboard's failing-settings list counts it like a setting.
    failing = compliance.noncompliant_settings(ComplianceFilters(), limit=10)
    assert [row["setting_id"] for row in failing] == [practice.pk]


def test_confirming_the_practice_is_compliant_and_history_says_confirmed(signed_in, obligation, practice):
    response = attest(signed_in, obligation, "followed")
    record = Attestation.objects.get(obligation=obligation)
    assert record.compliant is True
    receipt = signed_in.get(response.url).content.decode()
    assert '<span class="badge badge-ok">Confirmed</span>' in receipt
    history = signed_in.get(reverse("me-history")).content.decode()
    assert "1 practice confirmed" in history


def test_an_unanswered_practice_asks_whether_it_is_followed(signed_in, obligation, practice):
    page = signed_in.get(reverse("me-tool", args=[obligation.pk]))
    data = {
        "state": page.context["form"].initial["state"],
        "tool_used": "yes",
        "confirm": "on",
        "signature": obligation.employee.full_name,
    }
    response = signed_in.post(reverse("me-tool", args=[obligation.pk]), data)
    assert response.status_code == 400
    assert "Say whether you follow “Do not rate replies with thumbs up or down in work chats”." in (
        response.content.decode()
    )
    assert not Attestation.objects.filter(obligation=obligation).exists()
