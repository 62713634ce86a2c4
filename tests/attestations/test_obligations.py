import datetime

import pytest

from attestations.models import Obligation, ObligationStatus, PolicyException
from attestations.selectors.obligations import obligations_for
from attestations.selectors.records import acknowledgments_needed
from attestations.services import publishing
from attestations.services.obligations import expire_obligations, rescope_employees, run_daily_obligation_maintenance
from governance.roles import Role
from people.models import Employee
from platforms.signals import setting_revised
from policies import services
from policies.models import PolicyVersion
from tests.clock import noon_on
from tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    PlatformFactory,
    PlatformSettingFactory,
    PolicyVersionFactory,
)

TODAY = datetime.date(2026, 11, 29)
NOW = noon_on(TODAY)  # the clock the module's tests run at (frozen below), passed down where they read it

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(NOW, tick=True),
    pytest.mark.usefixtures("counts_dated_today"),
]


@pytest.fixture
def admin(make_user):
    return make_user(Role.GOVERNANCE_ADMIN, employee=False)


def tool(slug):
    platform = PlatformFactory(slug=slug, name=slug.title())
    PlatformSettingFactory(platform=platform, key=f"{slug}-training")
    return platform


def publish(admin, rules, version=None):
    """Publish a version with ``rules``: a list of (platform, scope kwargs)."""
    version = version or PolicyVersionFactory(number=1)
    for platform, scope in rules:
        services.add_rule(
            version=version,
            platform=platform,
            stance=scope.pop("stance", "approved"),
            required=[(platform.settings.first(), None)],
            actor=admin,
            **scope,
        )
    publishing.publish_policy_version(version=version, actor=admin)
    return version


def in_scope(platform):
    return set(Obligation.objects.open().filter(platform=platform).values_list("employee_id", flat=True))


# --- Scope -------------------------------------------------------------------------------


def test_everyone_scope_covers_all_but_terminated_employees(admin):
    chatgpt = tool("chatgpt")
    active = EmployeeFactory()
    on_leave = EmployeeFactory(status=Employee.Status.ON_LEAVE)
    EmployeeFactory(status=Employee.Status.TERMINATED, terminated_on=TODAY)
    publish(admin, [(chatgpt, {})])
    assert in_scope(chatgpt) == {active.pk, on_leave.pk}


def test_department_scope_includes_sub_departments_only(admin):
    chatgpt = tool("chatgpt")
    engineering = DepartmentFactory()
    platform_team = DepartmentFactory(parent=engineering)
    deep_team = DepartmentFactory(parent=platform_team)
    sales = DepartmentFactory()
    inside = [EmployeeFactory(department=d) for d in (engineering, platform_team, deep_team)]
    EmployeeFactory(department=sales)
    publish(admin, [(chatgpt, {"departments": [engineering]})])
    assert in_scope(chatgpt) == {p.pk for p in inside}


def test_country_and_handler_scopes_combine(admin):
    chatgpt, claude, gemini = tool("chatgpt"), tool("claude"), tool("gemini")
    german_handler = EmployeeFactory(country="DE", handles_customer_data=True)
    german = EmployeeFactory(country="DE")
    french_handler = EmployeeFactory(country="FR", handles_customer_data=True)
    EmployeeFactory(country="US")
    publish(
        admin,
        [
            (chatgpt, {"countries": ["DE", "FR"]}),
            (claude, {"customer_data_handlers_only": True, "stance": "restricted"}),
            (gemini, {"countries": ["DE"], "customer_data_handlers_only": True}),
        ],
    )
    assert in_scope(chatgpt) == {german_handler.pk, german.pk, french_handler.pk}
    assert in_scope(claude) == {german_handler.pk, french_handler.pk}
    assert in_scope(gemini) == {german_handler.pk}


def test_obligations_copy_the_employees_department_for_figures(admin):
    chatgpt = tool("chatgpt")
    person = EmployeeFactory()
    publish(admin, [(chatgpt, {})])
    assert Obligation.objects.get(employee=person).department_id == person.department_id


# --- Re-publishing and catalog revisions -------------------------------------------------


def test_revision_bump_reopens_exactly_the_obligations_requiring_the_setting(admin):
    chatgpt, claude = tool("chatgpt"), tool("claude")
    people = EmployeeFactory.create_batch(3)
    publish(admin, [(chatgpt, {}), (claude, {})])
    Obligation.objects.update(status=ObligationStatus.COMPLIANT, valid_until=TODAY + datetime.timedelta(days=80))
    excepted = Obligation.objects.get(employee=people[2], platform=chatgpt)
    Obligation.objects.filter(pk=excepted.pk).update(status=ObligationStatus.EXCEPTED)
    revised = chatgpt.settings.get()

    setting_revised.send(sender=type(revised), setting=revised, old_revision=1, new_revision=2, actor=None)

    reopened = Obligation.objects.filter(status=ObligationStatus.PENDING)
    assert set(reopened.values_list("employee_id", "platform_id")) == {
        (people[0].pk, chatgpt.pk),
        (people[1].pk, chatgpt.pk),
    }
    assert set(reopened.values_list("due_on", flat=True)) == {TODAY + datetime.timedelta(days=14)}
    assert Obligation.objects.filter(platform=claude, status=ObligationStatus.COMPLIANT).count() == 3
    assert Obligation.objects.get(pk=excepted.pk).status == ObligationStatus.EXCEPTED


def test_revision_of_a_setting_no_published_rule_requires_changes_nothing(admin):
    chatgpt = tool("chatgpt")
    other = PlatformSettingFactory(platform=chatgpt, key="memory")
    EmployeeFactory()
    publish(admin, [(chatgpt, {})])
    Obligation.objects.update(status=ObligationStatus.COMPLIANT)
    setting_revised.send(sender=type(other), setting=other, old_revision=1, new_revision=2, actor=None)
    assert not Obligation.objects.filter(status=ObligationStatus.PENDING).exists()


def test_new_version_opens_pending_for_people_with_an_approved_exception_as_excepted(admin):
    chatgpt = tool("chatgpt")
    person = EmployeeFactory()
    v1 = publish(admin, [(chatgpt, {})])
    PolicyException.objects.create(
        employee=person,
        rule=v1.rules.get(),
        reason="Vendor contract",
        status=PolicyException.Status.APPROVED,
        expires_on=TODAY + datetime.timedelta(days=30),
    )
    draft = services.create_draft(policy=v1.policy, actor=admin)
    services.update_rule(rule=draft.rules.get(), allowed_tiers=["enterprise"], actor=admin)
    publishing.publish_policy_version(version=draft, actor=admin)
    obligation = Obligation.objects.open().get(employee=person)
    assert obligation.status == ObligationStatus.EXCEPTED
    assert obligation.due_on == TODAY + datetime.timedelta(days=30)


# --- Employee lifecycle ------------------------------------------------------------------


def test_new_hire_gets_obligations_of_rules_in_scope(admin):
    chatgpt, claude = tool("chatgpt"), tool("claude")
    sales = DepartmentFactory()
    publish(admin, [(chatgpt, {}), (claude, {"departments": [sales]})])
    hire = EmployeeFactory(department=DepartmentFactory())

    counts = rescope_employees(employee_ids=[hire.pk])

    assert counts == {"created": 1, "closed": 0, "reopened": 0}
    obligation = Obligation.objects.get(employee=hire)
    assert obligation.platform == chatgpt and obligation.status == ObligationStatus.PENDING
    assert obligation.due_on == TODAY + datetime.timedelta(days=14)
    assert rescope_employees(employee_ids=[hire.pk]) == {"created": 0, "closed": 0, "reopened": 0}


def test_department_move_closes_out_of_scope_and_adds_new_scope(admin):
    chatgpt, claude = tool("chatgpt"), tool("claude")
    sales, legal = DepartmentFactory(), DepartmentFactory()
    person = EmployeeFactory(department=sales)
    publish(admin, [(chatgpt, {"departments": [sales]}), (claude, {"departments": [legal]})])
    Employee.objects.filter(pk=person.pk).update(department=legal)

    counts = rescope_employees(employee_ids=[person.pk])

    assert counts["created"] == 1 and counts["closed"] == 1
    closed = Obligation.objects.get(employee=person, platform=chatgpt)
    assert closed.close_reason == Obligation.CloseReason.OUT_OF_SCOPE
    current = Obligation.objects.open().get(employee=person)
    assert current.platform == claude and current.department == legal

    Employee.objects.filter(pk=person.pk).update(department=sales)
    counts = rescope_employees(employee_ids=[person.pk])
    assert counts == {"created": 0, "closed": 1, "reopened": 1}
    assert Obligation.objects.open().get(employee=person).platform == chatgpt


def test_country_move_follows_country_scope(admin):
    chatgpt = tool("chatgpt")
    person = EmployeeFactory(country="FR")
    publish(admin, [(chatgpt, {"countries": ["DE"]})])
    assert not Obligation.objects.filter(employee=person).exists()
    Employee.objects.filter(pk=person.pk).update(country="DE")
    assert rescope_employees(employee_ids=[person.pk])["created"] == 1


def test_termination_closes_all_and_keeps_them(admin):
    chatgpt, claude = tool("chatgpt"), tool("claude")
    person = EmployeeFactory()
    publish(admin, [(chatgpt, {}), (claude, {})])
    Employee.objects.filter(pk=person.pk).update(status=Employee.Status.TERMINATED, terminated_on=TODAY)

    counts = rescope_employees(employee_ids=[person.pk])

    assert counts["closed"] == 2
    assert set(Obligation.objects.filter(employee=person).values_list("close_reason", flat=True)) == {
        Obligation.CloseReason.TERMINATED
    }
    assert not obligations_for(employee=person).exists()


def test_coming_back_into_scope_with_a_running_exception_reopens_as_excepted(admin, make_user):
    from attestations.services.exceptions import approve_exception, request_exception

    chatgpt = tool("chatgpt")
    sales, legal = DepartmentFactory(), DepartmentFactory()
    person = EmployeeFactory(department=sales)
    publish(admin, [(chatgpt, {"departments": [sales]})])
    obligation = Obligation.objects.get(employee=person)
    exception = request_exception(employee=person, obligation=obligation, reason="Pilot", requested_days=30, actor=None)
    until = TODAY + datetime.timedelta(days=30)
    approve_exception(exception=exception, expires_on=until, actor=make_user(Role.COMPLIANCE_OFFICER))
    Employee.objects.filter(pk=person.pk).update(department=legal)
    assert rescope_employees(employee_ids=[person.pk])["closed"] == 1

    Employee.objects.filter(pk=person.pk).update(department=sales)
    assert rescope_employees(employee_ids=[person.pk]) == {"created": 0, "closed": 0, "reopened": 1}

    obligation.refresh_from_db()
    assert obligation.closed_at is None
    assert (obligation.status, obligation.valid_until, obligation.due_on) == (ObligationStatus.EXCEPTED, until, until)


def test_after_a_republish_with_unchanged_terms_hires_and_revisions_follow_the_carried_terms(admin):
    chatgpt = tool("chatgpt")
    v1 = publish(admin, [(chatgpt, {})])
    draft = services.create_draft(policy=v1.policy, actor=admin)
    publishing.publish_policy_version(version=draft, actor=admin)
    terms_rule = v1.rules.get()
    assert draft.rules.get().terms_rule_id == terms_rule.pk

    hire = EmployeeFactory()
    assert rescope_employees(employee_ids=[hire.pk])["created"] == 1
    assert Obligation.objects.get(employee=hire).rule_id == terms_rule.pk
    Obligation.objects.filter(employee=hire).update(status=ObligationStatus.COMPLIANT)
    setting = chatgpt.settings.first()
    setting_revised.send(sender=type(setting), setting=setting, old_revision=1, new_revision=2, actor=None)
    assert Obligation.objects.get(employee=hire).status == ObligationStatus.PENDING


def test_rescope_query_count_does_not_depend_on_how_many_employees(admin, django_assert_max_num_queries):
    chatgpt = tool("chatgpt")
    publish(admin, [(chatgpt, {"countries": ["DE"]})])
    few = [e.pk for e in EmployeeFactory.create_batch(2)]
    many = [e.pk for e in EmployeeFactory.create_batch(40)]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        rescope_employees(employee_ids=few)
    with CaptureQueriesContext(connection) as big:
        rescope_employees(employee_ids=many)
    assert len(small) == len(big)


# --- Expiry ------------------------------------------------------------------------------


def test_expired_attestations_go_back_to_pending_due_when_validity_ended(admin):
    chatgpt = tool("chatgpt")
    people = EmployeeFactory.create_batch(3)
    publish(admin, [(chatgpt, {})])
    ended = TODAY - datetime.timedelta(days=2)
    Obligation.objects.filter(employee=people[0]).update(status=ObligationStatus.COMPLIANT, valid_until=ended)
    Obligation.objects.filter(employee=people[1]).update(status=ObligationStatus.NOT_USED, valid_until=ended)
    Obligation.objects.filter(employee=people[2]).update(status=ObligationStatus.COMPLIANT, valid_until=TODAY)

    assert expire_obligations(today=TODAY) == 2
    assert expire_obligations(today=TODAY) == 0

    assert set(Obligation.objects.filter(status=ObligationStatus.PENDING).values_list("employee_id", "due_on")) == {
        (people[0].pk, ended),
        (people[1].pk, ended),
    }
    assert Obligation.objects.get(employee=people[2]).status == ObligationStatus.COMPLIANT


def test_daily_maintenance_expires_attestations_and_exceptions(admin):
    chatgpt = tool("chatgpt")
    people = EmployeeFactory.create_batch(2)
    publish(admin, [(chatgpt, {})])
    yesterday = TODAY - datetime.timedelta(days=1)
    Obligation.objects.filter(employee=people[0]).update(status=ObligationStatus.COMPLIANT, valid_until=yesterday)
    Obligation.objects.filter(employee=people[1]).update(status=ObligationStatus.EXCEPTED, valid_until=yesterday)
    assert run_daily_obligation_maintenance(today=TODAY) == {"expired_attestations": 1, "expired_exceptions": 1}


# --- Acknowledgment ----------------------------------------------------------------------


def test_acknowledgments_needed_lists_published_versions_not_yet_acknowledged(admin):
    from attestations.models import Attestation

    chatgpt = tool("chatgpt")
    person, other = EmployeeFactory.create_batch(2)
    version = publish(admin, [(chatgpt, {})])
    assert list(acknowledgments_needed(employee=person)) == [version]
    Attestation.objects.create(
        kind=Attestation.Kind.ACKNOWLEDGMENT,
        employee=person,
        policy_version=version,
        statement="I have read the policy.",
        created_at=NOW,
        prev_hash="0" * 64,
        hash="a" * 64,
    )
    assert list(acknowledgments_needed(employee=person)) == []
    assert list(acknowledgments_needed(employee=other)) == [version]


def test_a_new_version_asks_for_acknowledgment_only_when_its_text_changed(admin):
    """v2 adds a tool with the same text (stored with CRLF, as a browser posts it): nothing to
    re-read; v3 changes the text: asked again, and shown what changed since v1."""
    from attestations.selectors.records import last_acknowledged
    from attestations.services.attest import acknowledge_policy

    chatgpt, claude, gemini = tool("chatgpt"), tool("claude"), tool("gemini")
    person = EmployeeFactory()
    v1 = PolicyVersionFactory(number=1, body_markdown="Use approved tools only.\n\nSwitch training off.")
    publish(admin, [(chatgpt, {})], version=v1)
    v1.refresh_from_db()
    acknowledge_policy(employee=person, version=v1, actor=None)

    v2 = services.create_draft(policy=v1.policy, actor=admin)
    PolicyVersion.objects.filter(pk=v2.pk).update(body_markdown=v1.body_markdown.replace("\n", "\r\n"))
    publish(admin, [(claude, {})], version=v2)
    assert list(acknowledgments_needed(employee=person)) == []
    assert list(acknowledgments_needed(employee=person, include_done=True)) == [v2]

    v3 = services.create_draft(policy=v1.policy, actor=admin)
    services.update_version(version=v3, actor=admin, body_markdown="Use approved tools only.\r\n\r\nNo customer data.")
    publish(admin, [(gemini, {})], version=v3)
    assert list(acknowledgments_needed(employee=person)) == [v3]
    assert last_acknowledged(employee=person, versions=[v3]) == {v1.policy_id: v1}
