"""SCIM Users and the HR record: the HR id of people SCIM creates, the REST API and HR sync
on the same people, managers that arrive later in the same run."""

import json

import pytest
from django.urls import reverse

from integrations.scim.schemas import ENTERPRISE_USER, PATCH_OP
from people.models import Employee
from tests.factories import DepartmentFactory, EmployeeFactory
from tests.integrations.scim import SCIM, sent

BULK = "/api/v1/employees/bulk/"


def user(user_name, **enterprise):
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name, "displayName": user_name}
    if enterprise:
        body[ENTERPRISE_USER] = enterprise
    return body


def patch(*operations):
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def test_a_scim_person_is_reachable_and_updatable_by_its_generated_id_in_the_rest_api(scim, api):
    created = sent(scim, "post", "/scim/v2/Users", user("ada@example.test"))
    external_id = Employee.objects.get(pk=created["id"]).external_id
    assert api.get(f"/api/v1/employees/{external_id}/").json()["email"] == "ada@example.test"
    data = api.post_json(BULK, {"employees": [{"external_id": external_id, "job_title": "Engineer"}]}).json()
    assert (data["updated"], data["created"], data["failed"]) == (1, 0, 0)
    assert scim.get(f"/scim/v2/Users/{created['id']}").json()["title"] == "Engineer"


def test_an_employee_number_sent_later_becomes_the_hr_id_and_removing_it_restores_the_generated_one(scim, api):
    created = sent(scim, "post", "/scim/v2/Users", user("ada@example.test"))
    url = f"/scim/v2/Users/{created['id']}"
    generated = Employee.objects.get(pk=created["id"]).external_id
    number = f"{ENTERPRISE_USER}:employeeNumber"
    updated = sent(scim, "patch", url, patch({"op": "add", "path": number, "value": "HR-42"}))
    assert updated[ENTERPRISE_USER]["employeeNumber"] == "HR-42"
    assert api.get("/api/v1/employees/HR-42/").json()["email"] == "ada@example.test"  # HR sync now finds them
    removed = sent(scim, "patch", url, patch({"op": "remove", "path": number}))
    assert ENTERPRISE_USER not in removed
    assert Employee.objects.get(pk=created["id"]).external_id == generated


def test_an_employee_number_another_record_has_is_a_conflict(scim):
    EmployeeFactory(external_id="HR-42")
    created = sent(scim, "post", "/scim/v2/Users", user("ada@example.test"))
    body = patch({"op": "add", "path": f"{ENTERPRISE_USER}:employeeNumber", "value": "HR-42"})
    response = scim.patch(f"/scim/v2/Users/{created['id']}", json.dumps(body), content_type=SCIM)
    assert response.status_code == 409 and response.json()["scimType"] == "uniqueness"


def test_a_put_without_the_enterprise_extension_keeps_the_hr_department_manager_and_id(scim):
    boss = EmployeeFactory()
    employee = EmployeeFactory(external_id="E7", email="ada@example.test", manager=boss)
    department = employee.department
    sent(scim, "put", f"/scim/v2/Users/{employee.pk}", user("ada@example.test"))
    employee.refresh_from_db()
    assert (employee.external_id, employee.department, employee.manager) == ("E7", department, boss)


def test_an_hr_record_is_found_by_its_address_as_user_name_and_adopted_by_patch(scim):
    employee = EmployeeFactory(email="grace@example.test", external_id="E9")
    found = scim.get("/scim/v2/Users", {"filter": 'userName eq "grace@example.test"'}).json()
    assert [r["id"] for r in found["Resources"]] == [str(employee.pk)]
    sent(scim, "patch", f"/scim/v2/Users/{employee.pk}", patch({"op": "replace", "path": "title", "value": "CTO"}))
    employee.refresh_from_db()
    assert (employee.job_title, employee.external_id, employee.scim.user_name) == ("CTO", "E9", "grace@example.test")


def test_a_post_with_the_address_of_an_hr_record_is_a_conflict_not_a_link(scim):
    EmployeeFactory(email="grace@example.test")
    response = scim.post("/scim/v2/Users", json.dumps(user("grace@example.test")), content_type=SCIM)
    assert response.status_code == 409 and response.json()["scimType"] == "uniqueness"


@pytest.mark.parametrize("key", ["employeeNumber", "externalId", "userName"])
def test_a_manager_provisioned_later_in_the_run_is_linked_when_it_arrives(scim, key):
    report = sent(scim, "post", "/scim/v2/Users", user("ada@example.test", manager={"value": f"boss-{key}"}))
    assert report[ENTERPRISE_USER]["manager"] == {"value": f"boss-{key}"}  # pending, as sent
    assert Employee.objects.get(pk=report["id"]).manager is None
    boss = user("boss@example.test" if key != "userName" else "boss-userName")
    if key == "employeeNumber":
        boss[ENTERPRISE_USER] = {"employeeNumber": "boss-employeeNumber"}
    elif key == "externalId":
        boss["externalId"] = "boss-externalId"
    else:
        boss["emails"] = [{"value": "boss@example.test", "primary": True}]
    boss = sent(scim, "post", "/scim/v2/Users", boss)
    employee = Employee.objects.get(pk=report["id"])
    assert employee.manager_id == int(boss["id"]) and employee.scim.manager_ref == ""
    linked = scim.get(f"/scim/v2/Users/{report['id']}").json()
    assert linked[ENTERPRISE_USER]["manager"]["value"] == boss["id"]


def test_a_manager_that_would_make_a_cycle_stays_pending(scim):
    first = sent(scim, "post", "/scim/v2/Users", user("a@example.test", employeeNumber="A", manager={"value": "B"}))
    second = sent(scim, "post", "/scim/v2/Users", user("b@example.test", employeeNumber="B", manager={"value": "A"}))
    a, b = Employee.objects.get(pk=first["id"]), Employee.objects.get(pk=second["id"])
    assert b.manager == a  # A existed when B arrived
    assert a.manager is None and a.scim.manager_ref == "B"  # B under A under B: refused, kept for an admin


def test_a_patch_keeps_a_department_whose_name_is_not_unique_and_a_manager_scim_deleted(scim):
    first, second = DepartmentFactory(code="S1", name="Sales"), DepartmentFactory(code="S2", name="Sales")
    boss = EmployeeFactory()
    employee = EmployeeFactory(department=second, manager=boss)
    scim.delete(f"/scim/v2/Users/{boss.pk}")
    sent(scim, "patch", f"/scim/v2/Users/{employee.pk}", patch({"op": "replace", "path": "title", "value": "Lead"}))
    employee.refresh_from_db()
    assert (employee.job_title, employee.department, employee.manager) == ("Lead", second, boss)
    assert first.employees.count() == 0


def test_a_scim_persons_generated_id_works_in_the_dashboard(scim, client, officer):
    created = sent(scim, "post", "/scim/v2/Users", user("ada@example.test"))
    external_id = Employee.objects.get(pk=created["id"]).external_id
    client.force_login(officer)
    page = client.get(reverse("dashboard-person", args=[external_id]))
    assert page.status_code == 200 and b"ada@example.test" in page.content
