"""Recorded requests of real identity providers, replayed against /scim/v2.

Microsoft Entra ID: the request bodies of "Tutorial: Develop and plan provisioning for a SCIM
endpoint in Microsoft Entra ID", sections "User Operations" and "Group Operations"
(https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups),
and of "Known issues and resolutions with SCIM 2.0 protocol compliance of the Microsoft Entra
user provisioning service" (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility):
capitalized ops, ``"active": "False"``, path-less operations whose value keys are attribute
paths (dotted, or qualified by the extension URN).

Okta: the request bodies of "SCIM 2.0 protocol reference" in Okta's developer documentation
(https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/): create, PUT-based
updates, deactivation by a path-less ``replace``, and its group pushes.

Ids and addresses in the recorded bodies are the documentation's; the ids our server issues
replace the documentation's ids where a request refers to a resource."""

import json

import pytest

from identity.models import RoleMapping
from integrations.scim.schemas import ENTERPRISE_USER, PATCH_OP
from people.models import Employee
from tests.factories import DepartmentFactory, EmployeeFactory, UserFactory
from tests.integrations.scim import sent

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def patch(*operations):
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


# --- Microsoft Entra ID: users ---------------------------------------------------------------

ENTRA_CREATE_USER = {
    "schemas": [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
    "active": True,
    "emails": [
        {"primary": True, "type": "work", "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}
    ],
    "meta": {"resourceType": "User"},
    "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
    "roles": [],
}


def test_entra_creates_finds_updates_disables_and_deletes_a_user(scim):
    # "Get User by query": Entra ID looks the user up before creating it.
    query = 'userName eq "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"'
    assert scim.get("/scim/v2/Users", {"filter": query}).json()["totalResults"] == 0
    created = sent(scim, "post", "/scim/v2/Users", ENTRA_CREATE_USER)
    assert created["externalId"] == "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
    assert created["userName"] == "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"
    assert created["name"] == ENTRA_CREATE_USER["name"] and "roles" not in created  # roles: not stored
    found = scim.get("/scim/v2/Users", {"filter": query}).json()
    assert [r["id"] for r in found["Resources"]] == [created["id"]]
    url = f"/scim/v2/Users/{created['id']}"
    # "Update User [Multi-valued properties]"
    updated = sent(
        scim,
        "patch",
        url,
        patch(
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "updatedEmail@microsoft.com"},
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        ),
    )
    assert updated["emails"] == [{"primary": True, "type": "work", "value": "updatedEmail@microsoft.com"}]  # as sent
    assert updated["name"]["familyName"] == "updatedFamilyName"
    employee = Employee.objects.get(pk=created["id"])
    assert employee.email == "updatedemail@microsoft.com"
    # "Update User [Single-valued properties]"
    sent(
        scim,
        "patch",
        url,
        patch({"op": "Replace", "path": "userName", "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}),
    )
    assert scim.get(url).json()["userName"] == "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    # "Disable User"
    disabled = sent(
        scim, "patch", url, {"Operations": [{"op": "Replace", "path": "active", "value": False}], "schemas": [PATCH_OP]}
    )
    assert disabled["active"] is False
    employee.refresh_from_db()
    assert employee.status == Employee.Status.TERMINATED
    # "Delete User"
    assert scim.delete(url).status_code == 204
    assert scim.get(url).status_code == 404
    assert Employee.objects.filter(pk=created["id"]).exists()


def test_entra_adds_a_work_email_to_a_user_who_has_none_of_that_type(scim):
    # Recorded in Microsoft's Q&A "Entra ID patch sending Add instead of Replace": an Add on a filtered path.
    created = sent(
        scim, "post", "/scim/v2/Users", {**ENTRA_CREATE_USER, "emails": [{"type": "home", "value": "a@home.test"}]}
    )
    updated = sent(
        scim,
        "patch",
        f"/scim/v2/Users/{created['id']}",
        patch(
            {"op": "Replace", "path": "title", "value": "tester"},
            {"op": "Add", "path": 'emails[type eq "work"].value', "value": "joe@joe.com"},
        ),
    )
    assert {"type": "work", "value": "joe@joe.com"}.items() <= next(
        e for e in updated["emails"] if e["type"] == "work"
    ).items()
    assert updated["title"] == "tester"


@pytest.mark.parametrize(("as_text", "active"), [("False", False), ("True", True), ("false", False)])
def test_entra_sends_active_as_a_string_in_a_path_less_replace(scim, as_text, active):
    # "Known issues ... SCIM 2.0 protocol compliance": before aadOptscim062020, the value is a string.
    employee = EmployeeFactory(status=Employee.Status.TERMINATED if active else Employee.Status.ACTIVE)
    updated = sent(
        scim, "patch", f"/scim/v2/Users/{employee.pk}", patch({"op": "Replace", "value": {"active": as_text}})
    )
    assert updated["active"] is active
    employee.refresh_from_db()
    assert employee.is_active is active


def test_entra_sends_dotted_and_extension_qualified_keys_in_a_path_less_add(scim):
    DepartmentFactory(code="FIN", name="Finance")
    manager = EmployeeFactory(external_id="M1")
    employee = EmployeeFactory(full_name="Old Name")
    operation = {
        "op": "Add",
        "value": {
            "displayName": "Jane Doe",
            "name.givenName": "Jane",
            "name.familyName": "Doe",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Finance",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": "M1",
            'phoneNumbers[type eq "work"].value': "+1 555 0100",  # not stored: ignored
        },
    }
    updated = sent(scim, "patch", f"/scim/v2/Users/{employee.pk}", patch(operation))
    name = (updated["displayName"], updated["name"]["givenName"], updated["name"]["familyName"])
    assert name == ("Jane Doe", "Jane", "Doe")
    employee.refresh_from_db()
    assert (employee.full_name, employee.department.code, employee.manager) == ("Jane Doe", "FIN", manager)
    assert updated[ENTERPRISE_USER]["manager"]["value"] == str(manager.pk)


# --- Microsoft Entra ID: groups --------------------------------------------------------------


def test_entra_creates_a_group_and_adds_and_removes_members_and_the_roles_follow(scim):
    RoleMapping.objects.create(group="displayName", role=RoleMapping.MappedRole.COMPLIANCE_OFFICER)
    account = UserFactory()
    member = EmployeeFactory(user=account)
    other = EmployeeFactory()
    # "Create Group", with Microsoft's own schema URN next to the core one.
    created = sent(
        scim,
        "post",
        "/scim/v2/Groups",
        {
            "schemas": [CORE_GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
            "meta": {"resourceType": "Group"},
        },
    )
    assert created["displayName"] == "displayName" and created["externalId"] == "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"
    # "Get Group by displayName"
    found = scim.get(
        "/scim/v2/Groups", {"excludedAttributes": "members", "filter": 'displayName eq "displayName"'}
    ).json()
    assert [r["id"] for r in found["Resources"]] == [created["id"]] and "members" not in found["Resources"][0]
    url = f"/scim/v2/Groups/{created['id']}"
    # "Update Group [Add Members]"
    add = patch(
        {
            "op": "Add",
            "path": "members",
            "value": [{"$ref": None, "value": str(member.pk)}, {"$ref": None, "value": str(other.pk)}],
        }
    )
    assert {m["value"] for m in sent(scim, "patch", url, add)["members"]} == {str(member.pk), str(other.pk)}
    assert account.groups.filter(name="compliance officer").exists()
    # "Update Group [Remove Members]": Entra ID sends the member to remove as the value.
    remove = patch({"op": "Remove", "path": "members", "value": [{"$ref": None, "value": str(member.pk)}]})
    assert [m["value"] for m in sent(scim, "patch", url, remove)["members"]] == [str(other.pk)]
    assert not account.groups.filter(name="compliance officer").exists()
    # "Update Group [Non-member attributes]"
    sent(
        scim,
        "patch",
        url,
        patch(
            {"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}
        ),
    )
    assert scim.get(url).json()["displayName"] == "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
    # "Delete Group"
    assert scim.delete(url).status_code == 204
    assert scim.get(url).status_code == 404


# --- Okta ------------------------------------------------------------------------------------

OKTA_CREATE_USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "test.user@okta.local",
    "name": {"givenName": "Test", "familyName": "User"},
    "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
    "displayName": "Test User",
    "locale": "en-US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "1mz050nq",
    "active": True,
}


def test_okta_creates_a_user_and_updates_it_with_put(scim):
    query = {"filter": 'userName eq "test.user@okta.local"', "startIndex": 1, "count": 100}
    assert scim.get("/scim/v2/Users", query).json()["totalResults"] == 0
    created = sent(scim, "post", "/scim/v2/Users", OKTA_CREATE_USER)
    assert (created["userName"], created["displayName"], created["externalId"]) == (
        "test.user@okta.local",
        "Test User",
        "00ujl29u0le5T6Aj10h7",
    )
    assert "password" not in json.dumps(created) and "locale" not in created
    employee = Employee.objects.get(pk=created["id"])
    assert (employee.full_name, employee.email) == ("Test User", "test.user@okta.local")
    employee.country, employee.handles_customer_data = "DE", True  # the HR system's, not SCIM's
    employee.save()
    put = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": created["id"],
        "userName": "test.user@okta.local",
        "name": {"givenName": "Another", "middleName": "Test", "familyName": "User"},
        "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Another Test User",
        "locale": "en-US",
        "externalId": "00u1dhhb1fkIGP7RL1d8",
        "groups": [],
        "active": True,
        "meta": {"resourceType": "User", "location": created["meta"]["location"]},
    }
    replaced = sent(scim, "put", f"/scim/v2/Users/{created['id']}", put)
    assert replaced["displayName"] == "Another Test User" and replaced["name"] == {
        "givenName": "Another",
        "familyName": "User",
    }
    employee.refresh_from_db()
    assert (employee.full_name, employee.country, employee.handles_customer_data) == ("Another Test User", "DE", True)


def test_okta_deactivates_with_a_path_less_replace_and_reactivates_with_put(scim):
    account = UserFactory()
    created = sent(scim, "post", "/scim/v2/Users", OKTA_CREATE_USER)
    Employee.objects.filter(pk=created["id"]).update(user=account)
    url = f"/scim/v2/Users/{created['id']}"
    sent(scim, "patch", url, patch({"op": "replace", "value": {"active": False}}))
    account.refresh_from_db()
    assert not account.is_active and not account.has_usable_password()  # the account's access ends
    assert scim.get(url).json()["active"] is False
    sent(scim, "put", url, {**OKTA_CREATE_USER, "id": created["id"], "active": True})
    assert Employee.objects.get(pk=created["id"]).status == Employee.Status.ACTIVE


def test_okta_pushes_a_group_renames_it_and_adds_and_removes_members(scim):
    RoleMapping.objects.create(group="Governance admins", role=RoleMapping.MappedRole.GOVERNANCE_ADMIN)
    account = UserFactory()
    member = EmployeeFactory(user=account)
    created = sent(
        scim, "post", "/scim/v2/Groups", {"schemas": [CORE_GROUP], "displayName": "Test SCIMv2", "members": []}
    )
    url = f"/scim/v2/Groups/{created['id']}"
    add = patch({"op": "add", "path": "members", "value": [{"value": str(member.pk), "display": member.email}]})
    sent(scim, "patch", url, add)
    assert not account.groups.exists()  # "Test SCIMv2" carries no role
    sent(
        scim, "patch", url, patch({"op": "replace", "value": {"id": created["id"], "displayName": "Governance admins"}})
    )
    assert account.groups.filter(name="governance admin").exists()  # the rename carries the role
    sent(scim, "patch", url, patch({"op": "remove", "path": f'members[value eq "{member.pk}"]'}))
    assert not account.groups.filter(name="governance admin").exists()
    # Okta can also push the whole group with PUT.
    put = {
        "schemas": [CORE_GROUP],
        "id": created["id"],
        "displayName": "Governance admins",
        "members": [{"value": str(member.pk), "display": member.email}],
    }
    assert [m["value"] for m in sent(scim, "put", url, put)["members"]] == [str(member.pk)]
    assert account.groups.filter(name="governance admin").exists()


# --- Google Workspace ------------------------------------------------------------------------
# Google publishes no request bodies for auto-provisioning to a custom SAML app; what is
# documented is the flow: the Admin console checks the endpoint and token with a probe,
# GET /Users?count=1 (described in third-party setup guides, e.g. authn.sh's "SCIM 2.0 with
# Google Workspace"), provisions the people in scope with their primary address as userName and
# no HR id, and on leaving scope either suspends them (active false) or deletes them, as the
# admin chose ("Automated user provisioning", Google Workspace Admin Help, answer 7681608).
# These tests replay that flow with core-schema bodies of that shape.

GOOGLE_USER = {
    "schemas": [CORE_USER],
    "userName": "ana.lopez@acme.example",
    "name": {"givenName": "Ana", "familyName": "Lopez"},
    "emails": [{"value": "ana.lopez@acme.example", "type": "work", "primary": True}],
    "active": True,
}


def test_google_checks_the_endpoint_with_a_one_user_probe(scim):
    EmployeeFactory.create_batch(2)
    probe = scim.get("/scim/v2/Users", {"count": 1})
    assert probe.status_code == 200 and probe["Content-Type"] == "application/scim+json"
    body = probe.json()
    assert body["totalResults"] == 2 and body["itemsPerPage"] == 1 and len(body["Resources"]) == 1
    assert scim.__class__().get("/scim/v2/Users", {"count": 1}).status_code == 401  # a wrong token is told so


@pytest.mark.parametrize("leaving", ["suspend", "delete"])
def test_google_provisions_a_person_without_an_hr_id_and_ends_them_as_the_admin_chose(scim, leaving):
    created = sent(scim, "post", "/scim/v2/Users", GOOGLE_USER)
    employee = Employee.objects.get(pk=created["id"])
    assert (employee.email, employee.full_name) == ("ana.lopez@acme.example", "Ana Lopez")
    assert "externalId" not in created and ENTERPRISE_USER not in created  # none was sent, none invented
    url = f"/scim/v2/Users/{created['id']}"
    if leaving == "suspend":
        sent(scim, "patch", url, patch({"op": "replace", "path": "active", "value": False}))
        assert scim.get(url).json()["active"] is False
    else:
        assert scim.delete(url).status_code == 204
        assert scim.get(url).status_code == 404
    employee.refresh_from_db()
    assert employee.status == Employee.Status.TERMINATED  # the record and its history stay
