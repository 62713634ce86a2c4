"""A change to a catalog setting's meaning and its employees: how many it re-opens (asked before
the change), wording-only changes that keep attestations, and the reason cards, the attest
page and the tool page give for a tool that is due again."""

import datetime

import pytest
from django.urls import reverse

from attestations.models import Obligation, ObligationStatus
from attestations.selectors.obligations import revision_impact
from attestations.services.attest import acknowledge_policy, submit_attestation
from governance.models import AuditEvent
from platforms import impact
from platforms.models import RevisionKind, SettingRevision
from platforms.services import update_setting
from tests.attestations.builders import publish, safe_answers, tool_rules, unsafe_answers
from tests.clock import noon_on
from tests.factories import (
    EmployeeFactory,
    ObligationFactory,
    PlatformFactory,
    PlatformSettingFactory,
    RequiredSettingFactory,
    ToolRuleFactory,
)
from tests.platforms.admin_forms import edit_page_data

TODAY = datetime.date(2026, 3, 10)
NOW = noon_on(TODAY)
LATER = TODAY + datetime.timedelta(days=3)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]


@pytest.fixture
def chatgpt():
    return PlatformFactory(slug="chatgpt", name="ChatGPT")


@pytest.fixture
def rule(chatgpt):
    version, rules = tool_rules(tools=0)
    rule = ToolRuleFactory(version=version, platform=chatgpt)
    RequiredSettingFactory(
        rule=rule,
        setting__label="Improve the model for everyone",
        setting__navigation_steps=[
            "Open ChatGPT",
            "Settings",
            "Data controls",
            "Switch off Improve the model for everyone",
        ],
    )
    publish(version)
    return rule


@pytest.fixture
def setting(rule):
    return rule.required_settings.get().setting


def attested(employee, rule, *, compliant=True):
    obligation = ObligationFactory(employee=employee, rule=rule, policy_version=rule.version)
    acknowledge_policy(employee=employee, version=rule.version, actor=None)
    submit_attestation(
        obligation=obligation,
        answers=safe_answers(obligation) if compliant else unsafe_answers(obligation),
        tool_used=True,
        statement="s",
        signature=employee.full_name,
        actor=None,
    )
    obligation.refresh_from_db()
    return obligation


@pytest.fixture
def people(rule, make_user):
    """Two compliant, one non-compliant, one not attested yet (pending), one excepted."""
    compliant = [attested(make_user().employee, rule) for _ in range(2)]
    noncompliant = attested(make_user().employee, rule, compliant=False)
    pending = ObligationFactory(employee=make_user().employee, rule=rule, policy_version=rule.version)
    excepted = ObligationFactory(
        employee=EmployeeFactory(), rule=rule, policy_version=rule.version, status=ObligationStatus.EXCEPTED
    )
    return {"compliant": compliant, "noncompliant": noncompliant, "pending": pending, "excepted": excepted}


def rename(setting, kind, actor=None, label="Improve the model"):
    return update_setting(setting=setting, changes={"label": label}, actor=actor, revision_kind=kind)


# --- the count asked before the change ---------------------------------------------------------


def test_the_count_is_exactly_what_a_meaningful_revision_then_reopens(setting, people):
    figures = impact.revision_impact(setting)

    assert figures == revision_impact(setting)
    assert (figures.obligations, figures.people, figures.compliant) == (3, 3, 2)
    rename(setting, RevisionKind.MEANINGFUL)

    reopened = Obligation.objects.filter(status=ObligationStatus.PENDING).exclude(pk=people["pending"].pk)
    assert reopened.count() == figures.obligations
    assert set(reopened.values_list("pk", flat=True)) == {o.pk for o in people["compliant"]} | {
        people["noncompliant"].pk
    }
    assert Obligation.objects.get(pk=people["excepted"].pk).status == ObligationStatus.EXCEPTED
    assert AuditEvent.objects.get(action="obligations.reopened_for_setting").after["reopened"] == 3


def test_the_count_leaves_out_draft_policies_and_other_settings(setting, people, chatgpt):
    other = PlatformSettingFactory(platform=chatgpt)
    assert impact.revision_impact(other) == impact.RevisionImpact()
    assert impact.revision_impact(setting).obligations == 3


def test_the_edit_page_shows_the_count_before_saving(client, admin_user, setting, people):
    client.force_login(admin_user)
    url = reverse("platforms:setting-edit", args=["chatgpt", setting.key])
    data = edit_page_data(setting, label="Improve the model", notes="")

    response = client.post(url, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "This change re-opens 3 people&#x27;s attestations (2 are compliant today)" in html
    assert Obligation.objects.filter(status=ObligationStatus.COMPLIANT).count() == 2


# --- wording only -------------------------------------------------------------------------------


def test_wording_only_keeps_attestations_and_is_recorded_and_audited(client, admin_user, setting, people):
    updated = rename(setting, RevisionKind.COSMETIC, actor=admin_user)

    assert updated.label == "Improve the model" and updated.revision == 1
    assert Obligation.objects.filter(status=ObligationStatus.COMPLIANT).count() == 2
    assert Obligation.objects.get(pk=people["noncompliant"].pk).status == ObligationStatus.NONCOMPLIANT
    record = SettingRevision.objects.get(setting=setting)
    assert (record.kind, record.revision, record.changed_fields) == ("cosmetic", 1, ["label"])
    assert (record.old_label, record.new_label, record.actor) == (
        "Improve the model for everyone",
        "Improve the model",
        admin_user,
    )
    event = AuditEvent.objects.get(action="catalog.setting.reworded")
    assert event.actor == admin_user
    assert event.before == {"label": "Improve the model for everyone", "revision": 1}
    assert event.after["label"] == "Improve the model" and event.after["revision"] == 1
    assert not AuditEvent.objects.filter(action__in=["catalog.setting.revised", "obligations.reopened_for_setting"])

    employee = people["compliant"][0].employee
    client.force_login(employee.user)
    html = client.get(reverse("me")).content.decode()
    assert "Compliant until" in html and "Why this is due again" not in html


# --- people must check again: the reason ------------------------------------------------------


def test_card_attest_page_and_tool_page_say_why_it_is_due_again_with_the_date(
    client, admin_user, setting, people, time_machine
):
    time_machine.move_to(noon_on(LATER))
    rename(setting, RevisionKind.MEANINGFUL, actor=admin_user)
    obligation = people["compliant"][0]
    client.force_login(obligation.employee.user)
    reason = "ChatGPT renamed the setting “Improve the model for everyone” to “Improve the model” on 13 Mar 2026."

    card = client.get(reverse("me")).content.decode()
    attest = client.get(reverse("me-tool", args=[obligation.pk])).content.decode()
    tool = client.get(reverse("platforms:detail", args=["chatgpt"])).content.decode()

    assert "Why this is due again" in card and reason in card
    assert "Due on 27 Mar 2026" in card  # today + the version's 14-day grace period
    assert "Why this is due again" in attest and reason in attest
    assert reason.removesuffix(".") + ": people who attested before then check this setting again." in tool


def test_the_reason_goes_once_the_employee_attests_again(client, setting, people, time_machine):
    time_machine.move_to(noon_on(LATER))
    update_setting(
        setting=setting,
        changes={"safe_value": "on"},
        actor=None,
        revision_kind=RevisionKind.MEANINGFUL,
    )
    obligation = Obligation.objects.get(pk=people["compliant"][0].pk)
    client.force_login(obligation.employee.user)
    assert "changed the required value (now “on”) of the setting" in client.get(reverse("me")).content.decode()

    submit_attestation(
        obligation=obligation,
        answers=safe_answers(obligation),
        tool_used=True,
        statement="s",
        signature=obligation.employee.full_name,
        actor=None,
    )

    assert "Why this is due again" not in client.get(reverse("me")).content.decode()


def test_a_person_who_never_attested_gets_no_reason(client, setting, people):
    rename(setting, RevisionKind.MEANINGFUL)
    client.force_login(people["pending"].employee.user)
    assert "Why this is due again" not in client.get(reverse("me")).content.decode()


@pytest.mark.parametrize("tools", [1, 6])
def test_my_tools_reasons_take_one_query_whatever_the_number_of_tools(
    client, make_user, tools, django_assert_max_num_queries, time_machine
):
    version, _ = tool_rules(tools=0)
    rules = []
    for _ in range(tools):
        rule = ToolRuleFactory(version=version)
        RequiredSettingFactory(rule=rule)
        RequiredSettingFactory(rule=rule)
        rules.append(rule)
    publish(version)
    employee = make_user().employee
    obligations = [attested(employee, rule) for rule in rules]
    time_machine.move_to(noon_on(LATER))
    for rule in rules:
        for requirement in rule.required_settings.all():
            rename(requirement.setting, RevisionKind.MEANINGFUL, label=f"Renamed {requirement.setting.pk}")
    client.force_login(employee.user)

    with django_assert_max_num_queries(13):  # test_my_tools_query_count_is_bounded's 12 + the reasons
        html = client.get(reverse("me")).content.decode()

    assert html.count("Why this is due again") == len(obligations)
    assert html.count("on 13 Mar 2026.") == 2 * tools


def test_a_revision_that_reopens_many_runs_as_a_job_committed_with_it(
    setting, people, monkeypatch, django_capture_on_commit_callbacks
):
    from attestations import jobs as attestation_jobs
    from governance.models import Job

    monkeypatch.setattr(attestation_jobs, "REOPEN_IN_REQUEST", 2)
    with django_capture_on_commit_callbacks(execute=True):
        rename(setting, RevisionKind.MEANINGFUL)
    job = Job.objects.get()
    assert (job.kind, job.status, job.result) == (
        "attestations.reopen_for_setting",
        "done",
        {"reopened": 3, "revision": 2},
    )
    assert "3 attestations of “Improve the model” re-opened" in job.message
    assert Obligation.objects.filter(status=ObligationStatus.PENDING).count() == 4  # the three and the pending one
