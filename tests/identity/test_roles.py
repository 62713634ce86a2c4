"""Roles follow the identity provider's groups where a RoleMapping says so, and only there."""

import pytest

from governance import roles
from governance.models import AuditEvent
from governance.roles import Role
from identity.models import RoleMapping
from identity.services.roles import sync_roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def mapped():
    RoleMapping.objects.create(group="GRC-Officers", role=Role.COMPLIANCE_OFFICER)
    RoleMapping.objects.create(group="grc-admins", role=Role.GOVERNANCE_ADMIN)


def names(user):
    return set(user.groups.values_list("name", flat=True))


def test_a_mapped_group_grants_its_role_and_losing_it_takes_the_role_away(make_user, mapped):
    user = make_user()
    assert sync_roles(user, [" grc-officers ", "Everyone"], actor_label="sso") == ({Role.COMPLIANCE_OFFICER}, set())
    assert roles.is_compliance_officer(user) and not roles.is_governance_admin(user)

    assert sync_roles(user, ["Everyone"], actor_label="sso") == (set(), {Role.COMPLIANCE_OFFICER})
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
    sync_roles(officer, [], actor_label="sso")
    assert roles.is_compliance_officer(officer)


def test_an_unchanged_sign_in_writes_no_audit_event(make_user, mapped):
    user = make_user()
    sync_roles(user, ["GRC-Officers"])
    before = AuditEvent.objects.count()
    assert sync_roles(user, ["GRC-Officers"]) == (set(), set())
    assert AuditEvent.objects.count() == before


def test_a_deprovisioned_account_gains_no_role(make_user, mapped):
    user = make_user(is_active=False)
    assert sync_roles(user, ["grc-admins"]) == (set(), set())
    assert not user.groups.filter(name=Role.GOVERNANCE_ADMIN).exists()


def test_nobody_signs_up_through_the_sso_pages(client):
    response = client.post("/sso/signup/", {"email": "stranger@example.com"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    from governance.models import User

    assert not User.objects.filter(email="stranger@example.com").exists()
