import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from attestations.models import Obligation, ObligationStatus, PolicyException
from attestations.services import publishing
from governance.models import AuditEvent, Job
from governance.roles import Role
from policies import services
from policies.models import PolicyVersion, RequiredSetting, ToolRule
from tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    PlatformFactory,
    PlatformSettingFactory,
    PolicyVersionFactory,
    failing_answer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user):
    return make_user(Role.GOVERNANCE_ADMIN, employee=False)


@pytest.fixture
def chatgpt():
    platform = PlatformFactory(slug="chatgpt", name="ChatGPT")
    PlatformSettingFactory(platform=platform, key="improve-model", label="Improve the model for everyone")
    PlatformSettingFactory(platform=platform, key="memory", label="Reference saved memories")
    return platform


@pytest.fixture
def published(admin, chatgpt):
    EmployeeFactory.create_batch(3)
    version = PolicyVersionFactory(number=1)
    services.add_rule(
        version=version,
        platform=chatgpt,
        stance="approved",
        required=[(chatgpt.settings.get(key="improve-model"), None)],
        actor=admin,
    )
    publishing.publish_policy_version(version=version, actor=admin)
    version.refresh_from_db()
    return version


@pytest.fixture
def draft(published, admin):
    return services.create_draft(policy=published.policy, actor=admin)


def admin_urls(version, rule, requirement):
    return [
        reverse("policies:list"),
        reverse("policies:create"),
        reverse("policies:version", args=[version.pk]),
        reverse("policies:version-edit", args=[version.pk]),
        reverse("policies:rule-add", args=[version.pk]),
        reverse("attestations:version-preview", args=[version.pk]),
        reverse("policies:version-diff", args=[version.pk]),
        reverse("attestations:version-publish", args=[version.pk]),
        reverse("policies:rule-edit", args=[rule.pk]),
        reverse("policies:requirement-add", args=[rule.pk]),
        reverse("policies:requirement-edit", args=[requirement.pk]),
    ]


@pytest.mark.parametrize("role", [None, Role.COMPLIANCE_OFFICER])
def test_policy_editor_is_for_governance_admins_only(client, make_user, draft, role):
    rule = draft.rules.get()
    user = make_user(*([role] if role else []))
    client.force_login(user)
    for url in admin_urls(draft, rule, rule.required_settings.get()):
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("attestations:version-publish", args=[draft.pk]))
    assert response.status_code == 403
    assert PolicyVersion.objects.get(pk=draft.pk).is_draft


def test_anonymous_visitors_are_sent_to_sign_in(client, draft):
    response = client.get(reverse("policies:version", args=[draft.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_every_editor_page_renders_for_an_admin(client, admin, draft):
    rule = draft.rules.get()
    client.force_login(admin)
    for url in admin_urls(draft, rule, rule.required_settings.get()):
        assert client.get(url).status_code == 200, url


def test_policy_list_shows_versions_with_a_bounded_number_of_queries(
    client, admin, draft, django_assert_max_num_queries
):
    client.force_login(admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("policies:list"))
    assert b"Version 1" in response.content and b"Version 2" in response.content


def test_version_page_renders_the_sanitized_body(client, admin, draft):
    PolicyVersion.objects.filter(pk=draft.pk).update(
        body_markdown="## Use\n\n<script>alert(1)</script>*approved* tools"
    )
    client.force_login(admin)
    content = client.get(reverse("policies:version", args=[draft.pk])).content.decode()
    assert "<h2>Use</h2>" in content and "<em>approved</em>" in content and "<script>alert" not in content


def test_draft_button_copies_the_current_version(client, admin, published):
    client.force_login(admin)
    response = client.post(reverse("policies:draft", args=[published.policy_id]))
    draft = PolicyVersion.objects.get(policy=published.policy, number=2)
    assert response.status_code == 302 and response["Location"] == reverse("policies:version", args=[draft.pk])
    assert draft.rules.get().required_settings.count() == 1


def test_adding_an_approved_rule_without_settings_is_refused(client, admin, draft):
    claude = PlatformFactory(slug="claude", name="Claude")
    PlatformSettingFactory(platform=claude)
    client.force_login(admin)
    url = reverse("policies:rule-add", args=[draft.pk])
    response = client.post(url, {"platform": claude.pk, "stance": "approved"})
    assert response.status_code == 200
    assert "needs at least one required setting" in response.content.decode()
    assert not draft.rules.filter(platform=claude).exists()


def test_adding_a_rule_with_settings_and_scope(client, admin, draft):
    claude = PlatformFactory(slug="claude", name="Claude")
    setting = PlatformSettingFactory(platform=claude)
    sales = DepartmentFactory(name="Sales")
    client.force_login(admin)
    response = client.post(
        reverse("policies:rule-add", args=[draft.pk]),
        {
            "platform": claude.pk,
            "stance": "restricted",
            "departments": [sales.pk],
            "countries": "de, fr",
            "allowed_tiers": ["enterprise"],
            "required_settings": [setting.pk],
        },
    )
    assert response.status_code == 302
    rule = draft.rules.get(platform=claude)
    assert rule.countries == ["DE", "FR"] and list(rule.departments.all()) == [sales]
    assert rule.required_settings.get().required_value == setting.safe_value
    assert AuditEvent.objects.filter(action="rule.added", object_id=str(rule.pk)).exists()


def test_unknown_department_in_scope_is_refused(client, admin, draft):
    rule = draft.rules.get()
    client.force_login(admin)
    response = client.post(
        reverse("policies:rule-edit", args=[rule.pk]), {"stance": "approved", "departments": ["999999"]}
    )
    assert response.status_code == 200
    assert "999999" in response.content.decode()
    assert not rule.departments.exists()


def test_required_value_outside_the_settings_values_is_refused(client, admin, draft, chatgpt):
    rule = draft.rules.get()
    memory = chatgpt.settings.get(key="memory")
    client.force_login(admin)
    response = client.post(
        reverse("policies:requirement-add", args=[rule.pk]), {"requirement": f"{memory.pk}:sometimes"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert rule.required_settings.count() == 1


def test_require_a_setting_offers_each_remaining_setting_with_its_known_values(client, admin, draft, chatgpt):
    rule = draft.rules.get()
    memory = chatgpt.settings.get(key="memory")
    client.force_login(admin)
    url = reverse("policies:requirement-add", args=[rule.pk])
    content = client.get(url).content.decode()
    assert '<optgroup label="Reference saved memories">' in content
    assert f'<option value="{memory.pk}:off" selected>off (safe value)</option>' in content
    assert f'<option value="{memory.pk}:on">on</option>' in content
    assert "Improve the model for everyone" not in content.split("<select", 1)[1]  # required already
    response = client.post(url, {"requirement": f"{memory.pk}:on"})
    assert response.status_code == 302
    assert rule.required_settings.get(setting=memory).required_value == "on"


def test_require_a_setting_refuses_a_setting_of_another_tool(client, admin, draft):
    rule = draft.rules.get()
    other = PlatformSettingFactory(platform=PlatformFactory(slug="claude", name="Claude"))
    client.force_login(admin)
    response = client.post(reverse("policies:requirement-add", args=[rule.pk]), {"requirement": f"{other.pk}:off"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not rule.required_settings.filter(setting=other).exists()


def test_require_a_setting_says_so_when_every_setting_is_required_already(client, admin, draft, chatgpt):
    rule = draft.rules.get()
    services.set_required_setting(rule=rule, setting=chatgpt.settings.get(key="memory"), actor=admin)
    client.force_login(admin)
    content = client.get(reverse("policies:requirement-add", args=[rule.pk])).content.decode()
    assert "<select" not in content and "---------" not in content
    assert "Every setting of ChatGPT in the catalog is required by this rule already" in content
    assert reverse("platforms:setting-create", args=["chatgpt"]) in content


def test_changing_a_required_value_offers_the_settings_values_only(client, admin, draft):
    requirement = draft.rules.get().required_settings.get()
    client.force_login(admin)
    url = reverse("policies:requirement-edit", args=[requirement.pk])
    content = client.get(url).content.decode()
    assert 'type="radio" name="required_value" value="off"' in content and "off (safe value)" in content
    assert client.post(url, {"required_value": "maybe"}).status_code == 200
    assert client.post(url, {"required_value": "on"}).status_code == 302
    requirement.refresh_from_db()
    assert requirement.required_value == "on"


def test_rule_form_offers_departments_as_an_indented_tree_of_checkboxes(client, admin, draft):
    engineering = DepartmentFactory(name="Engineering")
    platform = DepartmentFactory(name="Platform", parent=engineering)
    DepartmentFactory(name="Accounting")
    rule = draft.rules.get()
    client.force_login(admin)
    url = reverse("policies:rule-edit", args=[rule.pk])
    content = client.get(url).content.decode()
    assert "<select multiple" not in content and "<legend>Departments</legend>" in content
    tree = content.split('<ul class="department-tree"', 1)[1].split("</ul>", 1)[0]
    assert tree.index("Accounting") < tree.index("Engineering") < tree.index("Platform")
    option = re.search(
        rf'<li class="tree-depth-1"><label for="(id_departments_\d+)"><input type="checkbox" name="departments" '
        rf'value="{platform.pk}" id="(id_departments_\d+)"> Platform <span class="tree-path">in Engineering</span>',
        tree,
    )
    assert option and option[1] == option[2]
    response = client.post(url, {"stance": "approved", "departments": [platform.pk]})
    assert response.status_code == 302 and list(rule.departments.all()) == [platform]
    content = client.get(url).content.decode()
    assert f'value="{platform.pk}" id="{option[1]}" checked>' in content


def test_removing_the_last_required_setting_is_refused_with_a_message(client, admin, draft):
    requirement = draft.rules.get().required_settings.get()
    client.force_login(admin)
    response = client.post(reverse("policies:requirement-remove", args=[requirement.pk]), follow=True)
    assert "only required setting" in response.content.decode()
    assert RequiredSetting.objects.filter(pk=requirement.pk).exists()


def test_editing_a_published_version_is_refused_and_changes_nothing(client, admin, published):
    rule = published.rules.get()
    client.force_login(admin)
    response = client.post(
        reverse("policies:version-edit", args=[published.pk]),
        {
            "title": "Changed",
            "body_markdown": "x",
            "effective_on": "2030-01-01",
            "attestation_interval_days": 30,
            "grace_period_days": 1,
            "reminder_offsets": "0",
            "escalation_after_days": 1,
        },
        follow=True,
    )
    assert "cannot be changed" in response.content.decode()
    response = client.post(reverse("policies:rule-edit", args=[rule.pk]), {"stance": "prohibited"}, follow=True)
    assert "cannot be changed" in response.content.decode()
    client.post(reverse("policies:rule-remove", args=[rule.pk]))
    published.refresh_from_db()
    assert published.title != "Changed" and ToolRule.objects.get(pk=rule.pk).stance == "approved"


def test_diff_page_shows_a_newly_required_setting(client, admin, draft, chatgpt):
    services.set_required_setting(rule=draft.rules.get(), setting=chatgpt.settings.get(key="memory"), actor=admin)
    client.force_login(admin)
    content = client.get(reverse("policies:version-diff", args=[draft.pk])).content.decode()
    assert "Setting added: Reference saved memories" in content and "re-opens obligations" in content


def test_preview_page_counts_affected_people(client, admin, draft):
    client.force_login(admin)
    response = client.get(reverse("attestations:version-preview", args=[draft.pk]))
    assert response.context["preview"].total.people == 3


def test_publish_confirmation_then_publish_then_second_publish_refused(
    client, admin, draft, published, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    url = reverse("attestations:version-publish", args=[draft.pk])
    confirm = client.get(url).content.decode()
    assert "Publish version 2" in confirm and "retires version 1" in confirm

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job", args=[job.pk])
    assert (job.kind, job.status, job.created_by) == ("attestations.publish", "done", admin)
    page = client.get(response["Location"]).content.decode()
    assert "Version 2 published: 0 obligations opened, 0 closed, 1 rules carried over" in page
    assert f'href="{reverse("policies:version", args=[draft.pk])}">See version 2</a>' in page
    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.status == "published" and published.status == "retired"
    # The draft copied the rule unchanged: the three obligations carry on under its terms from v1.
    assert Obligation.objects.open().filter(policy_version=published).count() == 3

    again = client.post(url, follow=True)
    assert "cannot be changed" in again.content.decode()
    assert Obligation.objects.count() == 3


@pytest.mark.time_machine(datetime.datetime(2026, 11, 29, 12, tzinfo=datetime.UTC), tick=True)
def test_publish_page_prints_the_due_date_and_warns_when_back_dated(client, admin, draft):
    client.force_login(admin)
    url = reverse("attestations:version-publish", args=[draft.pk])
    today = timezone.localdate()
    services.update_version(version=draft, actor=admin, effective_on=today, grace_period_days=10)
    page = client.get(url).content.decode()
    due = (today + datetime.timedelta(days=10)).strftime("%-d %b %Y")
    assert f"due on <strong>{due}</strong>" in page
    assert 'id="backdated"' not in page

    services.update_version(version=draft, actor=admin, effective_on=today - datetime.timedelta(days=14))
    page = client.get(url).content.decode()
    warning = page.split('id="backdated"')[1].split("</p>")[0]
    assert "The effective date is in the past." in warning
    assert (today - datetime.timedelta(days=14)).strftime("%-d %b %Y") in warning and due in warning
    assert f"due on <strong>{due}</strong>" in page  # still from today, not from the effective date


def test_publish_page_warns_when_rules_changed_but_the_text_did_not(client, admin, draft):
    claude = PlatformFactory(slug="claude", name="Claude")
    services.add_rule(
        version=draft,
        platform=claude,
        stance="approved",
        required=[(PlatformSettingFactory(platform=claude, key="help-improve"), None)],
        actor=admin,
    )
    client.force_login(admin)
    url = reverse("attestations:version-publish", args=[draft.pk])
    warning = client.get(url).content.decode().split('id="rules-not-in-text"')[1].split("</p>")[0]
    assert "The rules changed but the policy text did not" in warning and "Claude" in warning

    services.update_version(
        version=draft, actor=admin, body_markdown=draft.body_markdown + "\r\n\r\nClaude is approved."
    )
    page = client.get(url).content.decode()
    assert 'id="rules-not-in-text"' not in page
    assert "Claude is approved." in page.split("The policy text changed:")[1]


def test_publish_is_refused_while_a_rule_lacks_settings(client, admin, draft):
    rule = draft.rules.get()
    RequiredSetting.objects.filter(rule=rule).delete()
    client.force_login(admin)
    response = client.post(reverse("attestations:version-publish", args=[draft.pk]))
    assert response.status_code == 400
    assert "requires no setting" in response.content.decode()
    assert PolicyVersion.objects.get(pk=draft.pk).is_draft


def test_retire_closes_the_published_version(client, admin, published, django_capture_on_commit_callbacks):
    client.force_login(admin)
    assert client.get(reverse("attestations:version-retire", args=[published.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("attestations:version-retire", args=[published.pk]))
    assert response.status_code == 302
    assert "Version 1 retired; 3 open obligations closed." in client.get(response["Location"]).content.decode()
    published.refresh_from_db()
    assert published.status == "retired" and not Obligation.objects.open().exists()


def test_create_policy_starts_with_draft_version_one(client, admin):
    client.force_login(admin)
    response = client.post(reverse("policies:create"), {"name": "Social media", "description": "Posting rules"})
    version = PolicyVersion.objects.get(policy__name="Social media")
    assert response["Location"] == reverse("policies:version", args=[version.pk]) and version.number == 1


# --- Exceptions --------------------------------------------------------------------------


@pytest.fixture
def requested(published):
    # Someone else's request: an officer never decides their own (four eyes).
    obligation = Obligation.objects.filter(employee__user__isnull=True).first()
    return PolicyException.objects.create(
        employee=obligation.employee,
        rule=obligation.rule,
        obligation=obligation,
        reason="Client project",
        requested_days=30,
    )


def test_exception_queue_is_for_officers(client, make_user, officer, requested):
    client.force_login(make_user())
    assert client.get(reverse("attestations:exceptions")).status_code == 403
    assert client.get(reverse("attestations:exception-decide", args=[requested.pk])).status_code == 403
    client.force_login(officer)
    assert requested.employee.full_name in client.get(reverse("attestations:exceptions")).content.decode()


def test_officer_approves_with_an_expiry(client, officer, requested):
    expires = timezone.localdate() + datetime.timedelta(days=20)
    client.force_login(officer)
    response = client.post(
        reverse("attestations:exception-decide", args=[requested.pk]),
        {"decision": "approve", "approve-expires_on": expires.isoformat(), "approve-note": "ok"},
    )
    assert response.status_code == 302
    requested.refresh_from_db()
    assert requested.status == "approved" and requested.expires_on == expires
    obligation = Obligation.objects.get(pk=requested.obligation_id)
    assert obligation.status == ObligationStatus.EXCEPTED and obligation.valid_until == expires


def test_officer_cannot_approve_with_a_past_expiry(client, officer, requested):
    client.force_login(officer)
    response = client.post(
        reverse("attestations:exception-decide", args=[requested.pk]),
        {"decision": "approve", "approve-expires_on": "2000-01-01"},
    )
    assert response.status_code == 200 and "must be in the future" in response.content.decode()
    requested.refresh_from_db()
    assert requested.status == "requested"


def test_officer_denies(client, officer, requested):
    client.force_login(officer)
    client.post(reverse("attestations:exception-decide", args=[requested.pk]), {"decision": "deny", "deny-note": "No"})
    requested.refresh_from_db()
    assert requested.status == "denied" and requested.decision_note == "No"
    assert Obligation.objects.get(pk=requested.obligation_id).status == ObligationStatus.PENDING


def test_decision_page_shows_which_setting_failed_in_the_latest_attestation(client, officer, requested, chatgpt):
    setting = chatgpt.settings.get(key="improve-model")
    failing_answer(requested.obligation, setting, at=timezone.now(), required_value="off", value="on")
    client.force_login(officer)
    content = client.get(reverse("attestations:exception-decide", args=[requested.pk])).content.decode()
    assert "Settings that failed" in content
    row = content.split('<th scope="row">Improve the model for everyone', 1)[1].split("</tr>", 1)[0]
    assert "<td><code>on</code></td><td><code>off</code></td>" in row
    assert "Reference saved memories" not in content  # not required by the rule, not answered


def test_decision_page_before_any_attestation_lists_what_the_rule_requires(client, officer, requested):
    client.force_login(officer)
    content = client.get(reverse("attestations:exception-decide", args=[requested.pk])).content.decode()
    assert "Settings the rule requires" in content and "has not attested ChatGPT yet" in content
    row = content.split('<th scope="row">Improve the model for everyone', 1)[1].split("</tr>", 1)[0]
    assert "not answered yet" in row and "<code>off</code>" in row


def _queries_for(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_version_page_query_count_does_not_grow_with_rules(client, admin, draft):
    client.force_login(admin)
    url = reverse("policies:version", args=[draft.pk])
    before = _queries_for(client, url)
    for _ in range(4):
        platform = PlatformFactory()
        setting = PlatformSettingFactory(platform=platform)
        services.add_rule(
            version=draft,
            platform=platform,
            stance="restricted",
            departments=[DepartmentFactory()],
            required=[(setting, None)],
            actor=admin,
        )
    assert _queries_for(client, url) == before


def test_exception_queue_query_count_does_not_grow_with_requests(client, officer, published):
    client.force_login(officer)
    url = reverse("attestations:exceptions")
    obligations = list(Obligation.objects.select_related("employee", "rule"))
    PolicyException.objects.create(employee=obligations[0].employee, rule=obligations[0].rule, reason="a")
    before = _queries_for(client, url)
    for obligation in obligations[1:]:
        PolicyException.objects.create(employee=obligation.employee, rule=obligation.rule, reason="b")
    assert _queries_for(client, url) == before


def test_the_decision_page_refuses_an_officers_own_request(client, make_user, published):
    officer = make_user(Role.COMPLIANCE_OFFICER)
    obligation = Obligation.objects.first()
    mine = PolicyException.objects.create(
        employee=officer.employee, rule=obligation.rule, reason="I want it", requested_days=365
    )
    client.force_login(officer)
    url = reverse("attestations:exception-decide", args=[mine.pk])
    page = client.get(url).content.decode()
    assert "cannot decide your own exception request" in page
    assert "Approve exception" not in page and "Deny exception" not in page
    assert "Your own request" in client.get(reverse("attestations:exceptions")).content.decode()
    expires = timezone.localdate() + datetime.timedelta(days=365)
    response = client.post(url, {"decision": "approve", "approve-expires_on": expires.isoformat()})
    assert response.status_code == 200
    assert "cannot decide your own exception request" in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == "requested" and mine.decided_by is None


def test_version_page_offers_require_a_setting_only_while_one_is_left(client, admin, draft, chatgpt):
    rule = draft.rules.get()
    client.force_login(admin)
    url = reverse("policies:version", args=[draft.pk])
    assert reverse("policies:requirement-add", args=[rule.pk]) in client.get(url).content.decode()
    services.set_required_setting(rule=rule, setting=chatgpt.settings.get(key="memory"), actor=admin)
    content = client.get(url).content.decode()
    assert reverse("policies:requirement-add", args=[rule.pk]) not in content
    assert "Every catalog setting required" in content


def test_published_version_page_names_obligation_statuses(client, admin, published):
    client.force_login(admin)
    content = client.get(reverse("policies:version", args=[published.pk])).content.decode()
    assert '<span class="badge badge-info">Pending: 3</span>' in content and "pending:" not in content


def test_version_page_says_one_day_not_one_days(client, admin, draft):
    PolicyVersion.objects.filter(pk=draft.pk).update(grace_period_days=1, escalation_after_days=1)
    client.force_login(admin)
    content = client.get(reverse("policies:version", args=[draft.pk])).content.decode()
    assert "<dd>1 day</dd>" in content and "<dd>1 day overdue</dd>" in content and "1 days" not in content


def test_version_page_names_tiers_and_data_classes_as_people_read_them(client, admin, draft):
    ToolRule.objects.filter(version=draft).update(allowed_tiers=["consumer_paid"], data_classes=["customer"])
    client.force_login(admin)
    content = client.get(reverse("policies:version", args=[draft.pk])).content.decode()
    assert "Consumer paid" in content and "Customer data" in content
    assert "consumer_paid" not in content
