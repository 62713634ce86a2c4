import pytest
from django.db import DatabaseError, connection, transaction

from attestations.services import publishing
from governance.roles import Role
from policies.models import ImmutableVersionError, PolicyVersion, RequiredSetting, ToolRule
from tests.factories import DepartmentFactory, PlatformSettingFactory, PolicyVersionFactory, RequiredSettingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(make_user):
    admin = make_user(Role.GOVERNANCE_ADMIN, employee=False)
    version = PolicyVersionFactory(number=1)
    required = RequiredSettingFactory(rule__version=version)
    required.rule.departments.add(DepartmentFactory())
    publishing.publish_policy_version(version=version, actor=admin)
    version.refresh_from_db()
    return version


def test_published_version_refuses_save_and_delete(published):
    published.title = "Changed"
    with pytest.raises(ImmutableVersionError):
        published.save()
    with pytest.raises(ImmutableVersionError):
        published.delete()


def test_published_version_refuses_queryset_update_and_delete(published):
    with pytest.raises(ImmutableVersionError):
        PolicyVersion.objects.filter(pk=published.pk).update(title="Changed")
    with pytest.raises(ImmutableVersionError):
        PolicyVersion.objects.filter(pk=published.pk).delete()
    with pytest.raises(ImmutableVersionError):
        PolicyVersion.objects.filter(pk=published.pk).update(status="draft")


def test_rules_and_settings_of_a_published_version_refuse_changes(published):
    rule = published.rules.get()
    rule.stance = ToolRule.Stance.PROHIBITED
    with pytest.raises(ImmutableVersionError):
        rule.save()
    with pytest.raises(ImmutableVersionError):
        ToolRule.objects.filter(pk=rule.pk).update(stance="prohibited")
    with pytest.raises(ImmutableVersionError):
        rule.delete()
    with pytest.raises(ImmutableVersionError):
        RequiredSetting.objects.filter(rule=rule).update(required_value="on")
    with pytest.raises(ImmutableVersionError):
        RequiredSetting.objects.create(rule=rule, setting=PlatformSettingFactory(platform=rule.platform))
    # Django adds m2m rows inside atomic(savepoint=False); a savepoint keeps the test usable.
    department = DepartmentFactory()
    with pytest.raises(ImmutableVersionError), transaction.atomic():
        rule.departments.add(department)
    with pytest.raises(ImmutableVersionError), transaction.atomic():
        rule.departments.clear()
    with pytest.raises(ImmutableVersionError), transaction.atomic():
        department.rules.add(rule)
    assert rule.departments.count() == 1


def test_published_version_may_only_be_retired(published):
    PolicyVersion.objects.filter(pk=published.pk).update(status="retired")
    published.refresh_from_db()
    assert published.status == "retired"
    with pytest.raises(ImmutableVersionError):
        PolicyVersion.objects.filter(pk=published.pk).update(status="published")


def test_drafts_can_change_freely():
    version = PolicyVersionFactory(number=1)
    version.title = "New title"
    version.save()
    required = RequiredSettingFactory(rule__version=version)
    RequiredSetting.objects.filter(pk=required.pk).update(required_value="on")
    version.delete()
    assert not PolicyVersion.objects.filter(pk=version.pk).exists()


def test_body_markdown_is_rendered_and_sanitized():
    version = PolicyVersionFactory(
        body_markdown="# Rules\n\n**Never** paste customer data.<script>alert(1)</script>\n\n[x](javascript:alert(1))"
        "<img src=x onerror=alert(1)>"
    )
    html = version.body_html()
    assert "<h1>Rules</h1>" in html and "<strong>Never</strong>" in html
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.postgres
def test_database_refuses_raw_sql_changes_to_a_published_version(published):
    rule = published.rules.get()
    statements = [
        ("UPDATE policies_policyversion SET title = 'x' WHERE id = %s", [published.pk]),
        ("UPDATE policies_policyversion SET status = 'draft' WHERE id = %s", [published.pk]),
        ("DELETE FROM policies_policyversion WHERE id = %s", [published.pk]),
        ("UPDATE policies_toolrule SET stance = 'prohibited' WHERE id = %s", [rule.pk]),
        ("DELETE FROM policies_requiredsetting WHERE rule_id = %s", [rule.pk]),
        ("UPDATE policies_requiredsetting SET required_value = 'on' WHERE rule_id = %s", [rule.pk]),
        ("DELETE FROM policies_toolrule_departments WHERE toolrule_id = %s", [rule.pk]),
    ]
    for sql, params in statements:
        with pytest.raises(DatabaseError, match="cannot be"):
            _raw(sql, params)
    published.refresh_from_db()
    assert published.title != "x" and published.rules.get().required_settings.count() == 1


@pytest.mark.postgres
def test_database_allows_retiring_a_published_version_with_raw_sql(published):
    _raw("UPDATE policies_policyversion SET status = 'retired', retired_at = now() WHERE id = %s", [published.pk])
    with pytest.raises(DatabaseError):
        _raw("UPDATE policies_policyversion SET status = 'published' WHERE id = %s", [published.pk])
