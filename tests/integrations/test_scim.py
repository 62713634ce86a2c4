"""SCIM 2.0 Users over the employees: each operation, filters, paging and errors."""

import json

import pytest
from django.contrib.auth.models import Group

from integrations.scim.schemas import CORE_GROUP, CORE_USER, ENTERPRISE_USER, ERROR, PATCH_OP
from people.models import Department, Employee
from tests.factories import DepartmentFactory, EmployeeFactory, UserFactory
from tests.integrations.conftest import ApiClient
from tests.integrations.scim import SCIM, send


def user(user_name="ada@example.test", number="E1", **extra):
    body = {
        "schemas": [CORE_USER, ENTERPRISE_USER],
        "userName": user_name,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "title": "Engineer",
        ENTERPRISE_USER: {"employeeNumber": number},
    }
    body.update(extra)
    return body


def assert_scim_error(response, status, scim_type=None):
    assert response.status_code == status
    assert response["Content-Type"] == SCIM
    body = response.json()
    assert body["schemas"] == [ERROR] and body["status"] == str(status)
    if scim_type:
        assert body["scimType"] == scim_type
    return body


def test_create_a_user_with_the_enterprise_extension(scim):
    DepartmentFactory(code="ENG", name="Engineering")
    boss = EmployeeFactory(external_id="B1")
    body = user(
        **{ENTERPRISE_USER: {"employeeNumber": "E1", "department": "Engineering", "manager": {"value": str(boss.pk)}}}
    )
    response = send(scim, "post", "/scim/v2/Users", body)
    assert response.status_code == 201, response.json()
    assert response["Content-Type"] == SCIM
    created = response.json()
    assert response["Location"].endswith(f"/scim/v2/Users/{created['id']}")
    assert created["userName"] == "ada@example.test" and created["active"] is True
    assert created[ENTERPRISE_USER]["department"] == "Engineering"  # RFC 7643: the department's name
    assert created[ENTERPRISE_USER]["manager"]["value"] == str(boss.pk)
    employee = Employee.objects.get(external_id="E1")
    assert (employee.full_name, employee.manager, employee.department.code) == ("Ada Lovelace", boss, "ENG")


def test_creating_an_existing_user_name_is_a_uniqueness_conflict(scim):
    EmployeeFactory(email="ada@example.test")
    assert_scim_error(send(scim, "post", "/scim/v2/Users", user()), 409, "uniqueness")


def test_create_without_external_id_or_employee_number_gets_a_generated_hr_id(scim):
    body = user()
    del body[ENTERPRISE_USER]
    response = send(scim, "post", "/scim/v2/Users", body)
    assert response.status_code == 201, response.json()
    created = response.json()
    assert "externalId" not in created and ENTERPRISE_USER not in created  # nothing shown that was not sent
    employee = Employee.objects.get(pk=created["id"])
    assert employee.external_id.startswith("scim-") and employee.email == "ada@example.test"
    assert employee.external_id == employee.scim.generated_employee_id
    again = scim.get(f"/scim/v2/Users/{created['id']}").json()
    assert again == created  # the generated id is stable and stays hidden


def test_external_id_is_the_providers_id_and_kept_apart_from_the_hr_id(scim):
    body = user(externalId="00u1abcd")
    response = send(scim, "post", "/scim/v2/Users", body)
    assert response.status_code == 201, response.json()
    assert response.json()["externalId"] == "00u1abcd"
    employee = Employee.objects.get(pk=response.json()["id"])
    assert employee.external_id == "E1"  # the enterprise employeeNumber is the HR id
    found = scim.get("/scim/v2/Users", {"filter": 'externalId eq "00u1abcd"'}).json()
    assert [r["id"] for r in found["Resources"]] == [str(employee.pk)]


def test_a_user_without_emails_uses_an_address_user_name_and_one_without_either_is_refused(scim):
    body = {"schemas": [CORE_USER], "userName": "grace@example.test"}
    assert send(scim, "post", "/scim/v2/Users", body).status_code == 201
    assert Employee.objects.get(email="grace@example.test").status == "active"  # active by default
    body = {"schemas": [CORE_USER], "userName": "not-an-address"}
    assert_scim_error(send(scim, "post", "/scim/v2/Users", body), 400, "invalidValue")


@pytest.mark.parametrize("text", ["Research & Development", "research & development "])
def test_an_unknown_department_name_is_created_under_unassigned_never_refused(scim, text):
    body = user(**{ENTERPRISE_USER: {"employeeNumber": "E1", "department": text}})
    response = send(scim, "post", "/scim/v2/Users", body)
    assert response.status_code == 201, response.json()
    employee = Employee.objects.select_related("department__parent").get(external_id="E1")
    assert employee.department.name == text.strip()
    assert (employee.department.parent.code, employee.department.parent.name) == ("unassigned", "Unassigned")
    second = user(
        "bob@example.test", "E2", **{ENTERPRISE_USER: {"employeeNumber": "E2", "department": "RESEARCH & development"}}
    )
    assert send(scim, "post", "/scim/v2/Users", second).status_code == 201
    assert Employee.objects.get(external_id="E2").department == employee.department  # one per name
    assert Department.objects.filter(parent__code="unassigned").count() == 1


def test_a_department_is_found_by_code_or_by_its_unique_name(scim):
    engineering = DepartmentFactory(code="ENG", name="Engineering")
    for number, text in (("E1", "ENG"), ("E2", "engineering")):
        body = user(
            f"{number}@example.test", number, **{ENTERPRISE_USER: {"employeeNumber": number, "department": text}}
        )
        assert send(scim, "post", "/scim/v2/Users", body).status_code == 201
        assert Employee.objects.get(external_id=number).department == engineering
    assert not Department.objects.filter(code="unassigned").exists()


def test_get_one_and_list_with_a_user_name_filter_and_paging(scim):
    people = [EmployeeFactory(email=f"p{i}@example.test") for i in range(5)]
    one = scim.get(f"/scim/v2/Users/{people[0].pk}")
    assert one.status_code == 200 and one.json()["userName"] == "p0@example.test"
    found = scim.get("/scim/v2/Users", {"filter": 'userName eq "P3@example.test"'}).json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == str(people[3].pk)
    page = scim.get("/scim/v2/Users", {"startIndex": 2, "count": 2}).json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert [r["id"] for r in page["Resources"]] == [str(people[1].pk), str(people[2].pk)]


def test_filters_combine_and_use_the_enterprise_employee_number(scim):
    EmployeeFactory(external_id="HR-1", email="a@example.test")
    EmployeeFactory(external_id="HR-2", email="b@example.test")
    query = f'{ENTERPRISE_USER}:employeeNumber eq "HR-2" or userName sw "a@"'
    assert scim.get("/scim/v2/Users", {"filter": query}).json()["totalResults"] == 2
    query = 'externalId eq "HR-1" and userName eq "b@example.test"'
    assert scim.get("/scim/v2/Users", {"filter": query}).json()["totalResults"] == 0


@pytest.mark.parametrize("expression", ['nickName eq "x"', 'userName eq "a" and nickName eq "x"', "userName eq", "(("])
def test_unsupported_or_broken_filters_are_invalid_filter_errors(scim, expression):
    assert_scim_error(scim.get("/scim/v2/Users", {"filter": expression}), 400, "invalidFilter")


def test_put_replaces_the_scim_attributes_and_keeps_the_others(scim):
    employee = EmployeeFactory(
        external_id="E1",
        email="old@example.test",
        job_title="Analyst",
        handles_customer_data=True,
        manager=EmployeeFactory(),
    )
    body = user("new@example.test", title="Lead")
    response = send(scim, "put", f"/scim/v2/Users/{employee.pk}", body)
    assert response.status_code == 200, response.json()
    employee.refresh_from_db()
    assert (employee.email, employee.job_title, employee.external_id) == ("new@example.test", "Lead", "E1")
    assert employee.manager is None  # sent without a manager
    assert employee.handles_customer_data is True  # not a SCIM attribute


def test_patch_active_false_terminates_and_true_reactivates(scim):
    employee = EmployeeFactory()
    patch = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": False}]}
    response = send(scim, "patch", f"/scim/v2/Users/{employee.pk}", patch)
    assert response.status_code == 200 and response.json()["active"] is False
    employee.refresh_from_db()
    assert employee.status == "terminated" and employee.terminated_on is not None
    patch["Operations"][0]["value"] = True
    send(scim, "patch", f"/scim/v2/Users/{employee.pk}", patch)
    employee.refresh_from_db()
    assert employee.status == "active" and employee.terminated_on is None


def test_patch_without_a_path_and_of_the_enterprise_extension(scim):
    DepartmentFactory(code="OPS")
    employee = EmployeeFactory()
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [
            {"op": "replace", "value": {"title": "Head of Ops", "displayName": "Grace Hopper"}},
            {"op": "add", "path": f"{ENTERPRISE_USER}:department", "value": "OPS"},
        ],
    }
    response = send(scim, "patch", f"/scim/v2/Users/{employee.pk}", patch)
    assert response.status_code == 200, response.json()
    employee.refresh_from_db()
    assert (employee.job_title, employee.full_name, employee.department.code) == ("Head of Ops", "Grace Hopper", "OPS")


def test_patch_errors(scim):
    employee = EmployeeFactory(job_title="Engineer")
    url = f"/scim/v2/Users/{employee.pk}"
    assert_scim_error(send(scim, "patch", url, {"Operations": []}), 400, "invalidSyntax")
    # An attribute this server does not store (schemas.POLICY) is accepted and changes nothing.
    unknown = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "nickName", "value": "x"}]}
    assert send(scim, "patch", url, unknown).status_code == 200
    employee.refresh_from_db()
    assert employee.job_title == "Engineer"
    required = {"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "userName"}]}
    assert_scim_error(send(scim, "patch", url, required), 400)
    bad_op = {"schemas": [PATCH_OP], "Operations": [{"op": "move", "path": "title", "value": "x"}]}
    assert_scim_error(send(scim, "patch", url, bad_op), 400, "invalidValue")  # RFC 7644 §3.12


@pytest.mark.parametrize("declared", [True, 7, None, {"a": PATCH_OP}, PATCH_OP, PATCH_OP[:-1], [[PATCH_OP]]])
def test_patch_refuses_schemas_that_are_not_a_list_naming_the_patch_message(scim, declared):
    """A hostile PATCH body's ``schemas`` (a bool, a number, an object, a bare string) is a 400,
    never a 500; a substring of the message URN does not pass for it."""
    employee = EmployeeFactory(job_title="Engineer")
    body = {"schemas": declared, "Operations": [{"op": "replace", "path": "title", "value": "Changed"}]}
    assert_scim_error(send(scim, "patch", f"/scim/v2/Users/{employee.pk}", body), 400, "invalidSyntax")
    employee.refresh_from_db()
    assert employee.job_title == "Engineer"


def test_delete_terminates_keeps_history_and_answers_404_afterwards(scim):
    employee = EmployeeFactory(email="gone@example.test")
    response = scim.delete(f"/scim/v2/Users/{employee.pk}")
    assert response.status_code == 204
    employee.refresh_from_db()
    assert employee.status == "terminated" and employee.scim.deleted_at is not None
    assert_scim_error(scim.get(f"/scim/v2/Users/{employee.pk}"), 404)
    assert_scim_error(scim.delete(f"/scim/v2/Users/{employee.pk}"), 404)
    assert scim.get("/scim/v2/Users", {"filter": 'userName eq "gone@example.test"'}).json()["totalResults"] == 0
    assert Employee.objects.filter(pk=employee.pk).exists()  # the product keeps the record


def test_a_deleted_user_provisioned_again_comes_back_as_the_same_record(scim):
    employee = EmployeeFactory(email="ada@example.test", external_id="E1")
    scim.delete(f"/scim/v2/Users/{employee.pk}")
    response = send(scim, "post", "/scim/v2/Users", user())
    assert response.status_code == 201, response.json()
    assert response.json()["id"] == str(employee.pk)
    employee.refresh_from_db()
    assert employee.status == "active" and employee.scim.deleted_at is None


def test_discovery_documents(scim):
    config = scim.get("/scim/v2/ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True and config["filter"]["supported"] is True
    assert (config["bulk"]["supported"], config["sort"]["supported"], config["etag"]["supported"]) == (False,) * 3
    assert config["filter"]["maxResults"] == 1000
    schemas = scim.get("/scim/v2/Schemas").json()
    assert {s["id"] for s in schemas["Resources"]} == {CORE_USER, ENTERPRISE_USER, CORE_GROUP}
    assert scim.get(f"/scim/v2/Schemas/{ENTERPRISE_USER}").json()["name"] == "EnterpriseUser"
    types = scim.get("/scim/v2/ResourceTypes").json()
    assert types["Resources"][0]["schemaExtensions"][0]["schema"] == ENTERPRISE_USER
    assert scim.get("/scim/v2/ResourceTypes/User").json()["endpoint"] == "/Users"
    assert scim.get("/scim/v2/ResourceTypes/Group").json()["schema"] == CORE_GROUP


def test_errors_are_scim_errors(scim, client_for):
    assert_scim_error(ApiClient().get("/scim/v2/Users"), 401)
    assert_scim_error(send(client_for("employees:read"), "post", "/scim/v2/Users", user()), 403)
    assert_scim_error(scim.get("/scim/v2/Users/999999"), 404)
    assert_scim_error(scim.get("/scim/v2/Roles"), 404)
    assert_scim_error(send(scim, "post", "/scim/v2/.search", {}), 501)
    assert_scim_error(scim.post("/scim/v2/Users", "{not json", content_type=SCIM), 400, "invalidSyntax")
    assert_scim_error(scim.post("/scim/v2/Users", "userName=x", content_type="text/plain"), 415)
    assert_scim_error(send(scim, "post", "/scim/v2/ServiceProviderConfig", {}), 405)


def test_a_write_only_key_cannot_read_users_through_scim(client_for):
    employee = EmployeeFactory(email="secret@example.test")
    writer = client_for("employees:write")
    for path in (
        "/scim/v2/Users",
        f"/scim/v2/Users/{employee.pk}",
        '/scim/v2/Users?filter=userName eq "secret@example.test"',
    ):
        body = assert_scim_error(writer.get(path), 403)
        assert "employees:read" in body["detail"] and "secret@example.test" not in json.dumps(body)
    assert send(writer, "post", "/scim/v2/Users", user()).status_code == 201


def test_listing_users_takes_the_same_queries_for_more_users(scim, django_assert_max_num_queries):
    boss = EmployeeFactory()
    for _ in range(3):
        EmployeeFactory(manager=boss)
    with django_assert_max_num_queries(6) as few:
        assert scim.get("/scim/v2/Users").json()["totalResults"] == 4
    for _ in range(30):
        EmployeeFactory(manager=boss)
    with django_assert_max_num_queries(6) as many:
        assert scim.get("/scim/v2/Users").json()["itemsPerPage"] == 34
    assert len(many.captured_queries) <= len(few.captured_queries)  # the first also records the key's last use


def test_attributes_and_excluded_attributes_shape_users_and_lists(scim):
    employee = EmployeeFactory(job_title="Engineer")
    url = f"/scim/v2/Users/{employee.pk}"
    only = scim.get(url, {"attributes": "userName,urn:ietf:params:scim:schemas:core:2.0:User:title"}).json()
    assert set(only) == {"schemas", "id", "meta", "userName", "title"}
    without = scim.get(url, {"excludedAttributes": f"emails,name,{ENTERPRISE_USER}:department"}).json()
    assert "emails" not in without and "name" not in without and "title" in without
    assert "department" not in without[ENTERPRISE_USER] and "employeeNumber" in without[ENTERPRISE_USER]
    listed = scim.get("/scim/v2/Users", {"attributes": "displayName"}).json()["Resources"]
    assert set(listed[0]) == {"schemas", "id", "meta", "displayName"}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"userName": "a\x00b@example.test"}, "Control characters"),
        ({"displayName": "x" * 201}, "at most 200"),
        ({"emails": [{"value": f"a{i}@example.test"} for i in range(11)]}, "at most 10"),
        ({"name": {"givenName": "\x1b[31m"}}, "Control characters"),
        ({"externalId": "e" * 257}, "at most 256"),
    ],
)
def test_hostile_user_attributes_are_clear_errors(scim, body, detail):
    payload = {**user(), **body}
    response = send(scim, "post", "/scim/v2/Users", payload)
    assert detail in assert_scim_error(response, 400, "invalidValue")["detail"]
    assert not Employee.objects.exists()


def test_delete_ends_the_linked_accounts_access_and_takes_its_roles(scim):
    account = UserFactory()
    account.groups.add(Group.objects.get_or_create(name="compliance officer")[0])
    employee = EmployeeFactory(user=account)
    assert scim.delete(f"/scim/v2/Users/{employee.pk}").status_code == 204
    account.refresh_from_db()
    assert not account.is_active and not account.has_usable_password() and not account.groups.exists()
