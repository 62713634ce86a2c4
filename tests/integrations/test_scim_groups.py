"""SCIM Groups: CRUD, filters, members, and the roles group names carry (identity.RoleMapping)."""

import pytest
from django.contrib.auth.models import Group

from identity.models import RoleMapping
from integrations.models import ScimGroup
from integrations.scim.schemas import CORE_GROUP, PATCH_OP, base_url
from tests.factories import EmployeeFactory, UserFactory
from tests.integrations.scim import send

OFFICER = "compliance officer"


@pytest.fixture
def officers(db):
    RoleMapping.objects.create(group="AI Officers", role=RoleMapping.MappedRole.COMPLIANCE_OFFICER)


def group(name="AI Officers", *members):
    body = {"schemas": [CORE_GROUP], "displayName": name}
    if members:
        body["members"] = [{"value": str(m.pk)} for m in members]
    return body


def roles(account):
    return set(account.groups.values_list("name", flat=True))


def test_create_read_list_filter_replace_and_delete(scim):
    ada, bob = EmployeeFactory(), EmployeeFactory()
    response = send(scim, "post", "/scim/v2/Groups", {**group("Engineering", ada), "externalId": "g-1"})
    assert response.status_code == 201, response.json()
    created = response.json()
    assert response["Location"].endswith(f"/scim/v2/Groups/{created['id']}")
    assert created["members"] == [{"value": str(ada.pk), "$ref": f"{base_url()}/Users/{ada.pk}", "type": "User"}]
    url = f"/scim/v2/Groups/{created['id']}"
    assert scim.get(url).json()["externalId"] == "g-1"
    send(scim, "post", "/scim/v2/Groups", group("Sales"))
    found = scim.get("/scim/v2/Groups", {"filter": 'displayName eq "engineering"'}).json()
    assert [r["id"] for r in found["Resources"]] == [created["id"]]
    by_member = scim.get("/scim/v2/Groups", {"filter": f'members[value eq "{ada.pk}"]'}).json()
    assert [r["id"] for r in by_member["Resources"]] == [created["id"]]
    replaced = send(scim, "put", url, group("Engineering", bob)).json()
    assert [m["value"] for m in replaced["members"]] == [str(bob.pk)] and "externalId" not in replaced
    user_view = scim.get(f"/scim/v2/Users/{bob.pk}").json()
    assert [g["display"] for g in user_view["groups"]] == ["Engineering"]
    assert scim.delete(url).status_code == 204
    assert scim.get(url).status_code == 404
    assert not ScimGroup.objects.filter(pk=created["id"]).exists()


def test_a_display_name_is_unique_without_case(scim):
    assert send(scim, "post", "/scim/v2/Groups", group("Sales")).status_code == 201
    response = send(scim, "post", "/scim/v2/Groups", group("SALES"))
    assert response.status_code == 409 and response.json()["scimType"] == "uniqueness"


@pytest.mark.parametrize("value", ["999999", "abc", ""])
def test_members_must_be_users_here(scim, value):
    response = send(scim, "post", "/scim/v2/Groups", {**group("Sales"), "members": [{"value": value}]})
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"
    assert not ScimGroup.objects.exists()


def test_membership_grants_the_mapped_role_and_removal_takes_it(scim, officers):
    account = UserFactory()
    member = EmployeeFactory(user=account)
    created = send(scim, "post", "/scim/v2/Groups", group("AI Officers", member)).json()
    assert OFFICER in roles(account)
    remove = {"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": f'members[value eq "{member.pk}"]'}]}
    assert send(scim, "patch", f"/scim/v2/Groups/{created['id']}", remove).status_code == 200
    assert OFFICER not in roles(account)


def test_renaming_or_deleting_the_group_moves_the_role(scim, officers):
    account = UserFactory()
    member = EmployeeFactory(user=account)
    created = send(scim, "post", "/scim/v2/Groups", group("Everyone", member)).json()
    assert OFFICER not in roles(account)
    url = f"/scim/v2/Groups/{created['id']}"
    rename = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "ai officers"}]}
    send(scim, "patch", url, rename)
    assert OFFICER in roles(account)
    scim.delete(url)
    assert OFFICER not in roles(account)


def test_a_role_no_mapping_manages_is_left_alone_and_an_account_in_two_groups_keeps_it(scim, officers):
    account = UserFactory()
    account.groups.add(Group.objects.get_or_create(name="governance admin")[0])  # granted by hand
    member = EmployeeFactory(user=account)
    first = send(scim, "post", "/scim/v2/Groups", group("AI Officers", member)).json()
    RoleMapping.objects.create(group="Risk", role=RoleMapping.MappedRole.COMPLIANCE_OFFICER)
    send(scim, "post", "/scim/v2/Groups", group("Risk", member))
    scim.delete(f"/scim/v2/Groups/{first['id']}")
    assert roles(account) == {OFFICER, "governance admin"}  # still in Risk; the hand-granted role stays


def test_a_member_whose_employee_has_no_account_or_is_terminated_gains_nothing(scim, officers):
    plain = EmployeeFactory()  # no account: nothing to grant
    account = UserFactory(is_active=False)
    terminated = EmployeeFactory(user=account, status="terminated")
    response = send(scim, "post", "/scim/v2/Groups", group("AI Officers", plain, terminated))
    assert response.status_code == 201
    assert roles(account) == set()


def test_members_deleted_over_scim_are_not_listed(scim):
    ada, bob = EmployeeFactory(), EmployeeFactory()
    created = send(scim, "post", "/scim/v2/Groups", group("Sales", ada, bob)).json()
    scim.delete(f"/scim/v2/Users/{ada.pk}")
    listed = scim.get(f"/scim/v2/Groups/{created['id']}").json()
    assert [m["value"] for m in listed["members"]] == [str(bob.pk)]


def test_listing_groups_takes_the_same_queries_for_more_groups(scim, django_assert_max_num_queries):
    people = [EmployeeFactory() for _ in range(3)]
    send(scim, "post", "/scim/v2/Groups", group("G0", *people))
    with django_assert_max_num_queries(8) as few:
        scim.get("/scim/v2/Groups")
    for i in range(1, 15):
        send(scim, "post", "/scim/v2/Groups", group(f"G{i}", *people))
    with django_assert_max_num_queries(8) as many:
        assert scim.get("/scim/v2/Groups").json()["totalResults"] == 15
    assert len(many.captured_queries) <= len(few.captured_queries)


@pytest.mark.parametrize(
    "body",
    [
        {"displayName": "Sales\x00"},
        {"displayName": "x" * 257},
        {"displayName": ""},
        {"displayName": "Sales", "externalId": "\u202e\x07"},
        {"displayName": "Sales", "members": [{"value": "1\x00"}]},
    ],
)
def test_hostile_groups_are_clear_errors(scim, body):
    response = send(scim, "post", "/scim/v2/Groups", {"schemas": [CORE_GROUP], **body})
    assert response.status_code == 400 and response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert not ScimGroup.objects.exists()
