import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from attestations.models import Obligation, ObligationStatus
from attestations.selectors import publishing as publishing_selectors
from attestations.services import publishing
from governance.models import AuditEvent
from governance.roles import Role
from people.models import Employee
from policies import selectors as policy_selectors
from policies import services
from policies.models import ImmutableVersionError, PolicyVersion, ToolRule
from tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    PlatformFactory,
    PlatformSettingFactory,
    PolicyFactory,
    PolicyVersionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(make_user):
    """A governance admin without an employee record, so that counts are only the test's people."""
    return make_user(Role.GOVERNANCE_ADMIN, employee=False)


@pytest.fixture
def chatgpt():
    platform = PlatformFactory(slug="chatgpt", name="ChatGPT")
    PlatformSettingFactory(platform=platform, key="improve-model", values=["on", "off"], safe_value="off")
    PlatformSettingFactory(platform=platform, key="memory", values=["on", "off"], safe_value="off")
    return platform


@pytest.fixture
def claude():
    platform = PlatformFactory(slug="claude", name="Claude")
    PlatformSettingFactory(platform=platform, key="help-improve", values=["on", "off"], safe_value="off")
    return platform


def setting(platform, key):
    return platform.settings.get(key=key)


def published_policy(admin, *platforms, policy=None):
    """Version 1 of the policy, approving each platform with its first setting required."""
    version = PolicyVersionFactory(policy=policy or PolicyFactory(), number=1)
    for platform in platforms:
        services.add_rule(
            version=version,
            platform=platform,
            stance="approved",
            required=[(platform.settings.order_by("key").first(), None)],
            actor=admin,
        )
    publishing.publish_policy_version(version=version, actor=admin)
    version.refresh_from_db()
    return version


def test_publish_creates_one_pending_obligation_per_employee_and_rule(admin_user, chatgpt, claude):
    people = EmployeeFactory.create_batch(3)
    version = published_policy(admin_user, chatgpt, claude)

    assert version.status == PolicyVersion.Status.PUBLISHED
    obligations = Obligation.objects.filter(employee__in=people)
    assert obligations.count() == 6
    due = version.effective_on + datetime.timedelta(days=version.grace_period_days)
    assert set(obligations.values_list("status", "due_on")) == {(ObligationStatus.PENDING, due)}
    assert AuditEvent.objects.filter(action="policy_version.published", object_id=str(version.pk)).exists()


@pytest.mark.parametrize(
    ("effective_in_days", "due_in_days"),
    [(-14, 7), (0, 7), (10, 17)],
    ids=["back-dated", "today", "future"],
)
def test_obligations_are_due_from_the_later_of_the_effective_and_publish_days(
    admin_user, chatgpt, effective_in_days, due_in_days
):
    """A version back-dated two weeks does not make everyone overdue on the day it is published."""
    today = datetime.date(2026, 11, 29)
    EmployeeFactory.create_batch(2)
    version = PolicyVersionFactory(
        number=1, effective_on=today + datetime.timedelta(days=effective_in_days), grace_period_days=7
    )
    services.add_rule(
        version=version, platform=chatgpt, stance="approved", required=[(setting(chatgpt, "memory"), None)], actor=None
    )
    assert policy_selectors.first_due_on(version, today=today) == today + datetime.timedelta(days=due_in_days)
    publishing.publish_policy_version(version=version, actor=admin_user, today=today)

    due = set(Obligation.objects.filter(policy_version=version).values_list("due_on", flat=True))
    assert due == {today + datetime.timedelta(days=due_in_days)}
    assert min(due) >= today


def test_publish_sets_fingerprints_and_skips_prohibited_tools(admin_user, chatgpt):
    EmployeeFactory()
    banned = PlatformFactory(slug="deepseek", name="DeepSeek")
    version = PolicyVersionFactory(number=1)
    services.add_rule(
        version=version, platform=chatgpt, stance="approved", required=[(setting(chatgpt, "memory"), None)], actor=None
    )
    services.add_rule(version=version, platform=banned, stance="prohibited", actor=None)
    publishing.publish_policy_version(version=version, actor=admin_user)

    assert all(len(rule.fingerprint) == 64 for rule in version.rules.all())
    assert not Obligation.objects.filter(platform=banned).exists()
    assert Obligation.objects.filter(platform=chatgpt).count() == Employee.objects.count() == 1


def test_approved_rule_without_settings_is_refused_and_nothing_is_written(chatgpt):
    version = PolicyVersionFactory(number=1)
    with pytest.raises(ValidationError) as error:
        services.add_rule(version=version, platform=chatgpt, stance="approved", actor=None)
    assert "no_settings_needed" in error.value.message_dict
    assert not version.rules.exists()


def test_rule_marked_no_settings_needed_is_accepted(chatgpt):
    version = PolicyVersionFactory(number=1)
    rule = services.add_rule(
        version=version,
        platform=chatgpt,
        stance="approved",
        no_settings_needed=True,
        allowed_tiers=["enterprise"],
        actor=None,
    )
    assert rule.no_settings_needed and rule.allowed_tiers == ["enterprise"]


def test_required_value_outside_the_settings_values_is_refused(chatgpt):
    version = PolicyVersionFactory(number=1)
    with pytest.raises(ValidationError) as error:
        services.add_rule(
            version=version,
            platform=chatgpt,
            stance="approved",
            required=[(setting(chatgpt, "memory"), "maybe")],
            actor=None,
        )
    assert "required_value" in error.value.message_dict
    assert not version.rules.exists()


def test_setting_of_another_platform_is_refused(chatgpt, claude):
    version = PolicyVersionFactory(number=1)
    with pytest.raises(ValidationError):
        services.add_rule(
            version=version,
            platform=chatgpt,
            stance="approved",
            required=[(setting(claude, "help-improve"), None)],
            actor=None,
        )


def test_unknown_department_in_scope_is_refused(chatgpt):
    version = PolicyVersionFactory(number=1)
    with pytest.raises(ValidationError) as error:
        services.add_rule(
            version=version,
            platform=chatgpt,
            stance="restricted",
            departments=[987654],
            required=[(setting(chatgpt, "memory"), None)],
            actor=None,
        )
    assert "987654" in error.value.message_dict["departments"][0]
    assert not version.rules.exists()


def test_bad_country_code_is_refused(chatgpt):
    version = PolicyVersionFactory(number=1)
    with pytest.raises(ValidationError) as error:
        services.add_rule(
            version=version,
            platform=chatgpt,
            stance="approved",
            countries="DE, Germany",
            required=[(setting(chatgpt, "memory"), None)],
            actor=None,
        )
    assert "GERMANY" in error.value.message_dict["countries"][0]


def test_removing_the_only_required_setting_is_refused(chatgpt):
    version = PolicyVersionFactory(number=1)
    rule = services.add_rule(
        version=version, platform=chatgpt, stance="approved", required=[(setting(chatgpt, "memory"), None)], actor=None
    )
    with pytest.raises(ValidationError):
        services.remove_required_setting(required_setting=rule.required_settings.get(), actor=None)
    assert rule.required_settings.count() == 1


def test_set_required_setting_defaults_to_the_safe_value_and_changes_value(chatgpt):
    version = PolicyVersionFactory(number=1)
    rule = services.add_rule(
        version=version, platform=chatgpt, stance="approved", required=[(setting(chatgpt, "memory"), None)], actor=None
    )
    added = services.set_required_setting(rule=rule, setting=setting(chatgpt, "improve-model"), actor=None)
    assert added.required_value == "off"
    changed = services.set_required_setting(
        rule=rule, setting=setting(chatgpt, "improve-model"), required_value="on", actor=None
    )
    assert changed.pk == added.pk and changed.required_value == "on"


def test_editing_a_published_version_or_its_rules_is_refused(admin_user, chatgpt):
    version = published_policy(admin_user, chatgpt)
    rule = version.rules.get()
    with pytest.raises(ImmutableVersionError):
        services.update_version(version=version, title="Changed", actor=admin_user)
    with pytest.raises(ImmutableVersionError):
        services.update_rule(rule=rule, stance="restricted", actor=admin_user)
    with pytest.raises(ImmutableVersionError):
        services.set_required_setting(rule=rule, setting=setting(chatgpt, "memory"), actor=admin_user)
    with pytest.raises(ImmutableVersionError):
        services.remove_rule(rule=rule, actor=admin_user)
    version.refresh_from_db()
    assert version.title != "Changed" and version.rules.count() == 1


def test_publishing_twice_is_refused(admin_user, chatgpt):
    version = published_policy(admin_user, chatgpt)
    with pytest.raises(ValidationError):
        publishing.publish_policy_version(version=version, actor=admin_user)


def test_create_draft_copies_rules_scope_and_settings(admin_user, chatgpt):
    department = DepartmentFactory()
    version = PolicyVersionFactory(number=1)
    services.add_rule(
        version=version,
        platform=chatgpt,
        stance="restricted",
        departments=[department],
        countries=["DE"],
        required=[(setting(chatgpt, "memory"), "off"), (setting(chatgpt, "improve-model"), None)],
        actor=admin_user,
    )
    publishing.publish_policy_version(version=version, actor=admin_user)

    draft = services.create_draft(policy=version.policy, actor=admin_user)

    assert draft.number == 2 and draft.status == PolicyVersion.Status.DRAFT
    copy = draft.rules.get()
    assert copy.stance == "restricted" and copy.countries == ["DE"]
    assert list(copy.departments.all()) == [department]
    assert sorted(copy.required_settings.values_list("setting__key", flat=True)) == ["improve-model", "memory"]
    assert policy_selectors.diff_versions(version, draft).is_empty
    with pytest.raises(ValidationError):
        services.create_draft(policy=version.policy, actor=admin_user)


def test_republish_carries_unchanged_rules_over_and_reopens_changed_ones(admin_user, chatgpt, claude):
    person = EmployeeFactory()
    v1 = published_policy(admin_user, chatgpt, claude)
    attested_on = timezone.localdate()
    Obligation.objects.filter(employee=person).update(
        status=ObligationStatus.COMPLIANT, valid_until=attested_on + datetime.timedelta(days=90)
    )
    draft = services.create_draft(policy=v1.policy, actor=admin_user)
    services.set_required_setting(
        rule=draft.rules.get(platform=chatgpt), setting=setting(chatgpt, "memory"), actor=admin_user
    )

    before = {o.platform_id: o for o in Obligation.objects.open().filter(employee=person)}

    counts = publishing.publish_policy_version(version=draft, actor=admin_user)

    v1.refresh_from_db()
    assert v1.status == PolicyVersion.Status.RETIRED and v1.retired_at is not None
    assert counts["obligations_superseded"] == 1 and counts["rules_carried_over"] == 1
    assert counts["obligations_created"] == 1
    superseded = Obligation.objects.get(pk=before[chatgpt.pk].pk)
    assert superseded.close_reason == Obligation.CloseReason.SUPERSEDED and superseded.closed_at is not None
    current = {o.platform_id: o for o in Obligation.objects.open().filter(employee=person)}
    # The unchanged rule's obligation is the same row, untouched: it follows v1's terms, now under v2.
    assert current[claude.pk].pk == before[claude.pk].pk and current[claude.pk].policy_version_id == v1.pk
    assert draft.rules.get(platform=claude).terms_rule_id == v1.rules.get(platform=claude).pk
    assert current[claude.pk].status == ObligationStatus.COMPLIANT
    assert current[claude.pk].valid_until == attested_on + datetime.timedelta(days=90)
    assert current[chatgpt.pk].status == ObligationStatus.PENDING and current[chatgpt.pk].policy_version_id == draft.pk
    assert current[chatgpt.pk].valid_until is None


def test_diff_lists_added_removed_and_changed_rules_and_settings(admin_user, chatgpt, claude):
    gemini = PlatformFactory(slug="gemini", name="Gemini")
    PlatformSettingFactory(platform=gemini, key="keep-activity")
    v1 = published_policy(admin_user, chatgpt, claude)
    draft = services.create_draft(policy=v1.policy, actor=admin_user)
    chat_rule = draft.rules.get(platform=chatgpt)
    services.set_required_setting(rule=chat_rule, setting=setting(chatgpt, "memory"), actor=None)
    services.set_required_setting(
        rule=chat_rule, setting=setting(chatgpt, "improve-model"), required_value="on", actor=None
    )
    services.remove_rule(rule=draft.rules.get(platform=claude), actor=None)
    services.add_rule(version=draft, platform=gemini, stance="prohibited", actor=None)

    diff = policy_selectors.diff_versions(v1, draft)

    assert [r.platform for r in diff.rules_added] == [gemini]
    assert [r.platform for r in diff.rules_removed] == [claude]
    [change] = diff.rules_changed
    assert change.platform == chatgpt and change.reopens
    assert [r.setting.key for r in change.settings_added] == ["memory"]
    assert [(a.required_value, b.required_value) for a, b in change.settings_changed] == [("off", "on")]


def test_scope_only_change_shows_in_diff_but_keeps_status(admin_user, chatgpt):
    department = DepartmentFactory()
    person = EmployeeFactory(department=department)
    EmployeeFactory()
    v1 = published_policy(admin_user, chatgpt)
    Obligation.objects.filter(employee=person).update(status=ObligationStatus.COMPLIANT)
    draft = services.create_draft(policy=v1.policy, actor=admin_user)
    services.update_rule(rule=draft.rules.get(), departments=[department], actor=admin_user)

    diff = policy_selectors.diff_versions(v1, draft)
    assert diff.rules_changed[0].fields[0][0] == "Departments" and not diff.rules_changed[0].reopens
    publishing.publish_policy_version(version=draft, actor=admin_user)

    assert list(Obligation.objects.open().values_list("employee", "status")) == [
        (person.pk, ObligationStatus.COMPLIANT)
    ]


def test_preview_counts_people_and_obligations_by_department(admin_user, chatgpt, claude):
    sales, legal = DepartmentFactory(name="Sales"), DepartmentFactory(name="Legal")
    EmployeeFactory.create_batch(3, department=sales)
    EmployeeFactory.create_batch(2, department=legal, handles_customer_data=True)
    v1 = published_policy(admin_user, chatgpt)
    draft = services.create_draft(policy=v1.policy, actor=admin_user)
    services.add_rule(
        version=draft,
        platform=claude,
        stance="restricted",
        customer_data_handlers_only=True,
        required=[(setting(claude, "help-improve"), None)],
        actor=None,
    )

    preview = publishing_selectors.preview_affected(draft)

    rows = {row.department.name: row for row in preview.rows}
    assert (rows["Sales"].people, rows["Sales"].obligations, rows["Sales"].carried) == (3, 3, 3)
    assert (rows["Legal"].people, rows["Legal"].obligations, rows["Legal"].opened) == (2, 4, 2)
    assert preview.total.superseded == 0  # unchanged terms, unchanged scope: nothing closes
    assert {i.rule.platform.slug: i.change for i in preview.rules} == {"chatgpt": "unchanged", "claude": "new"}


def test_preview_and_publish_agree_when_unchanged_terms_get_a_narrower_scope(admin_user, chatgpt, claude):
    sales, legal = DepartmentFactory(name="Sales"), DepartmentFactory(name="Legal")
    sellers = EmployeeFactory.create_batch(3, department=sales)
    EmployeeFactory.create_batch(2, department=legal)
    v1 = published_policy(admin_user, chatgpt, claude)
    draft = services.create_draft(policy=v1.policy, actor=admin_user)
    services.update_rule(rule=draft.rules.get(platform=chatgpt), departments=[sales], actor=admin_user)
    untouched = set(Obligation.objects.open().filter(employee__in=sellers).values_list("pk", flat=True))

    preview = publishing_selectors.preview_affected(draft)
    counts = publishing.publish_policy_version(version=draft, actor=admin_user)

    rows = {row.department.name: row for row in preview.rows}
    assert (rows["Sales"].carried, rows["Sales"].superseded) == (6, 0)
    assert (rows["Legal"].carried, rows["Legal"].superseded) == (2, 2)
    assert counts["obligations_out_of_scope"] == preview.total.superseded == 2
    assert counts["obligations_created"] == preview.total.opened == 0
    assert set(Obligation.objects.open().filter(employee__in=sellers).values_list("pk", flat=True)) == untouched
    legal_chatgpt = Obligation.objects.filter(employee__department=legal, platform=chatgpt)
    assert set(legal_chatgpt.values_list("close_reason", flat=True)) == {Obligation.CloseReason.OUT_OF_SCOPE}


def test_retire_closes_open_obligations_and_keeps_them(admin_user, chatgpt):
    EmployeeFactory.create_batch(2)
    version = published_policy(admin_user, chatgpt)
    closed = publishing.retire_policy_version(version=version, actor=admin_user)
    version.refresh_from_db()
    assert closed == 2 and version.status == PolicyVersion.Status.RETIRED
    assert Obligation.objects.filter(close_reason=Obligation.CloseReason.RETIRED).count() == 2
    with pytest.raises(ValidationError):
        publishing.retire_policy_version(version=version, actor=admin_user)


def _publish_query_count(admin_user, people, name):
    platforms = []
    for _ in range(3):
        platform = PlatformFactory()
        PlatformSettingFactory(platform=platform)
        platforms.append(platform)
    v1 = published_policy(admin_user, *platforms, policy=PolicyFactory(name=name, slug=name))
    departments = DepartmentFactory.create_batch(4)
    for n in range(people):
        EmployeeFactory(department=departments[n % 4], country=("DE", "FR")[n % 2], handles_customer_data=n % 3 == 0)
    draft = services.create_draft(policy=v1.policy, actor=admin_user)
    services.update_rule(rule=draft.rules.get(platform=platforms[0]), departments=departments[:2], actor=None)
    services.update_rule(rule=draft.rules.get(platform=platforms[1]), countries=["DE"], stance="restricted", actor=None)
    services.update_rule(rule=draft.rules.get(platform=platforms[2]), customer_data_handlers_only=True, actor=None)
    with CaptureQueriesContext(connection) as queries:
        publishing.publish_policy_version(version=draft, actor=admin_user)
    assert Obligation.objects.open().count() > people // 2
    return len(queries)


def test_publish_query_count_does_not_depend_on_the_number_of_employees(admin_user):
    small = _publish_query_count(admin_user, 10, "small")
    Obligation.objects.all().delete()
    Employee.objects.all().delete()
    big = _publish_query_count(admin_user, 200, "big")
    assert small == big


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_publishes_of_one_version_let_exactly_one_succeed(admin_user, chatgpt):
    EmployeeFactory.create_batch(5)
    version = PolicyVersionFactory(number=1)
    services.add_rule(
        version=version, platform=chatgpt, stance="approved", required=[(setting(chatgpt, "memory"), None)], actor=None
    )
    results = []
    barrier = threading.Barrier(2)

    def publish():
        try:
            barrier.wait()
            publishing.publish_policy_version(version=PolicyVersion.objects.get(pk=version.pk), actor=None)
            results.append("published")
        except ValidationError as error:
            results.append(error.messages[0])
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results)[-1] == "published" and results.count("published") == 1
    assert "already" in next(r for r in results if r != "published")
    assert Obligation.objects.count() == 5
    assert ToolRule.objects.get().fingerprint


def test_saving_the_text_unchanged_with_crlf_line_endings_is_not_a_text_change(admin_user, chatgpt):
    v1 = published_policy(admin_user, chatgpt)
    draft = services.create_draft(policy=v1.policy, actor=admin_user)
    services.update_version(version=draft, actor=admin_user, body_markdown=v1.body_markdown.replace("\n", "\r\n"))
    draft.refresh_from_db()
    assert "\r" not in draft.body_markdown
    diff = policy_selectors.diff_versions(v1, draft)
    assert not diff.body_changed and diff.text_changes == []


def test_the_diff_lists_changed_lines_and_rules_the_text_does_not_mention(admin_user, chatgpt, claude):
    v1 = published_policy(admin_user, chatgpt)
    draft = services.create_draft(policy=v1.policy, actor=admin_user)
    services.add_rule(
        version=draft,
        platform=claude,
        stance="approved",
        required=[(setting(claude, "help-improve"), None)],
        actor=None,
    )
    diff = policy_selectors.diff_versions(v1, draft)
    assert not diff.body_changed and diff.rules_not_in_text == ["Claude"]

    draft = services.update_version(
        version=draft, actor=admin_user, body_markdown=v1.body_markdown + "\n\nClaude: help-improve off."
    )
    diff = policy_selectors.diff_versions(v1, draft)
    assert diff.body_changed and diff.rules_not_in_text == []
    assert diff.text_changes == [("added", "Claude: help-improve off.")]
