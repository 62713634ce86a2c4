"""Roles follow the identity provider's groups where a RoleMapping says so, and only there."""

import pytest

from governance import roles
from governance.models import AuditEvent
from governance.roles import Role
from identity.models import RoleMapping
from identity.services.roles import sync_employee_groups, sync_roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def mapped():
    RoleMapping.objects.create(group="GRC-Officers", role=Role.COMPLIANCE_OFFICER)
    RoleMapping.objects.create(group="grc-admins", role=Role.GOVERNANCE_ADMIN)


def names(user):
    return set(user.groups.values_list("name", flat=True))


def test_a_mapped_group_grants_its_role_and_losing_it_takes_the_role_away(make_user, mapped):
    user = make_user()
    assert sync_roles(user, [" grc-officers ", "Everyone"], source="sso:okta", actor_label="sso") == (
        {Role.COMPLIANCE_OFFICER},
        set(),
    )
    assert roles.is_compliance_officer(user) and not roles.is_governance_admin(user)

    assert sync_roles(user, ["Everyone"], source="sso:okta", actor_label="sso") == (set(), {Role.COMPLIANCE_OFFICER})
    assert not roles.is_compliance_officer(user)
    assert Role.EMPLOYEE in names(user)  # the unmanaged base role stays
    changes = AuditEvent.objects.filter(action="account.roles_synced", object_id=str(user.pk))
    assert [e.after["roles"] for e in changes.order_by("id")] == [
        sorted([Role.COMPLIANCE_OFFICER]),
        [],
    ]


def test_a_role_no_mapping_manages_is_left_as_admins_granted_it(make_user):
    RoleMapping.objects.create(group="grc-admins", role=Role.GOVERNANCE_ADMIN)
    officer = make_user(Role.COMPLIANCE_OFFICER)
    sync_roles(officer, [], source="sso:okta", actor_label="sso")
    assert roles.is_compliance_officer(officer)


def test_an_unchanged_sign_in_writes_no_audit_event(make_user, mapped):
    user = make_user()
    sync_roles(user, ["GRC-Officers"], source="sso:okta")
    before = AuditEvent.objects.count()
    assert sync_roles(user, ["GRC-Officers"], source="sso:okta") == (set(), set())
    assert AuditEvent.objects.count() == before


def test_a_deprovisioned_account_gains_no_role(make_user, mapped):
    user = make_user(is_active=False)
    assert sync_roles(user, ["grc-admins"], source="scim") == (set(), set())
    assert not user.groups.filter(name=Role.GOVERNANCE_ADMIN).exists()


def test_roles_follow_every_source_together_and_each_source_replaces_only_its_own_word(make_user, mapped):
    user = make_user()
    sync_employee_groups(user.employee, ["GRC-Officers"], source="scim")
    assert roles.is_compliance_officer(user)
    # A sign-in through a provider that sends no groups (Google) keeps the role SCIM grants.
    sync_roles(user, [], source="sso:google")
    assert roles.is_compliance_officer(user)
    sync_roles(user, ["grc-officers"], source="sso:okta")
    sync_employee_groups(user.employee, [], source="scim")
    assert roles.is_compliance_officer(user)  # Okta's sign-in still says so
    sync_roles(user, [], source="sso:okta")
    assert not roles.is_compliance_officer(user)


def test_groups_recorded_before_the_account_exists_apply_at_its_first_sign_in(make_user, mapped):
    from tests.factories import EmployeeFactory

    employee = EmployeeFactory()
    sync_employee_groups(employee, ["grc-admins"], source="scim")
    user = make_user(employee=False, email=employee.email)
    employee.user = user
    employee.save()
    user.refresh_from_db()
    assert sync_roles(user, [], source="sso:okta") == ({Role.GOVERNANCE_ADMIN}, set())


def test_the_admin_role_from_the_provider_opens_django_admin_and_leaving_the_group_closes_it(make_user, mapped):
    user = make_user()
    sync_roles(user, ["grc-admins"], source="sso:okta")
    user.refresh_from_db()
    assert user.is_staff and roles.is_governance_admin(user)
    sync_roles(user, [], source="sso:okta")
    user.refresh_from_db()
    assert not user.is_staff and not roles.is_governance_admin(user)


def test_governance_admins_manage_providers_and_role_mappings_in_the_admin(client, admin_user, employee_user):
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    for page in (
        "/admin/socialaccount/socialapp/add/",
        "/admin/identity/rolemapping/add/",
        "/admin/identity/pendinglink/",
    ):
        assert client.get(page).status_code == 200, page
    added = client.post("/admin/identity/rolemapping/add/", {"group": "GRC-Auditors", "role": Role.COMPLIANCE_OFFICER})
    assert added.status_code == 302 and RoleMapping.objects.filter(group="GRC-Auditors").exists()
    employee_user.is_staff = True  # staff alone is not enough
    employee_user.save()
    client.force_login(employee_user)
    assert client.get("/admin/identity/rolemapping/add/").status_code == 403


def test_nobody_signs_up_through_the_sso_pages(client):
    response = client.post("/sso/signup/", {"email": "stranger@example.com"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    from governance.models import User

    assert not User.objects.filter(email="stranger@example.com").exists()
