"""Issue 13, identity: an HR feed (REST API, bulk, SCIM) never turns into someone else's
browser session, and ending an employee record ends its account's access everywhere."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from compliance.models import ComplianceReport
from governance.models import AuditEvent, User
from governance.roles import Role
from integrations.models import Scope
from notifications import digests as reminders
from notifications import magic_links
from people.models import Employee
from tests.clock import noon_on
from tests.factories import EmployeeFactory, ObligationFactory, ToolRuleFactory, report_in_state

TODAY = datetime.date(2026, 11, 30)
NOW = noon_on(TODAY)  # the clock the module's tests run at (frozen below), passed down where they read it

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]
PASSWORD = "correct horse battery"


@pytest.fixture
def hr(client_for):
    """The attacker: an API key with employees:write only."""
    return client_for(Scope.EMPLOYEES_WRITE)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver"


def due(employee):
    ObligationFactory(employee=employee, rule=ToolRuleFactory(), due_on=TODAY)


def link_mailed_to(outbox, address):
    (message,) = [m for m in outbox if m.to == [address] and "/me/link/" in m.body]
    return re.search(r"http://testserver(/me/link/\S+/)", message.body).group(1)


def session_user_id(client):
    return client.session.get("_auth_user_id")


def test_an_admins_record_moved_to_an_attackers_address_mails_no_link_that_opens_the_admin(
    hr, admin_user, client, mailoutbox, django_capture_on_commit_callbacks
):
    old = admin_user.email
    external_id = admin_user.employee.external_id
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.patch_json(f"/api/v1/employees/{external_id}/", {"email": "mallory@attacker.example"})
    assert response.status_code == 200, response.content
    due(admin_user.employee)

    reminders.send_reminder_digests(today=TODAY)
    response = client.get(link_mailed_to(mailoutbox, "mallory@attacker.example"))

    assert session_user_id(client) is None
    assert response.status_code == 302 and response.url == f"{reverse('login')}?next={reverse('me')}"
    assert client.get(reverse("integrations:api-keys")).status_code == 302  # to the sign-in, never the keys page
    admin_user.refresh_from_db()
    assert admin_user.email == old  # HR never changes how an account signs in
    # The change is audited with before and after, and the old address is told.
    event = AuditEvent.objects.get(action="employee.email_changed")
    assert (event.before, event.after) == ({"email": old}, {"email": "mallory@attacker.example"})
    assert event.object_id == str(admin_user.employee.pk)
    (notice,) = [m for m in mailoutbox if m.to == [old]]
    assert "mallory@attacker.example" in notice.body


def test_a_plain_employees_record_moved_to_an_attackers_address_does_not_open_their_account(
    hr, employee_user, client, mailoutbox
):
    hr.patch_json(f"/api/v1/employees/{employee_user.employee.external_id}/", {"email": "mallory@attacker.example"})
    due(employee_user.employee)

    reminders.send_reminder_digests(today=TODAY)
    response = client.get(link_mailed_to(mailoutbox, "mallory@attacker.example"))

    assert session_user_id(client) is None
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_links_sent_before_an_address_change_are_dead(hr, employee_user, client, mailoutbox):
    due(employee_user.employee)
    reminders.send_reminder_digests(today=TODAY)
    link = link_mailed_to(mailoutbox, employee_user.email)
    hr.patch_json(f"/api/v1/employees/{employee_user.employee.external_id}/", {"email": "new.address@example.test"})
    hr.patch_json(f"/api/v1/employees/{employee_user.employee.external_id}/", {"email": employee_user.email})

    response = client.get(link)  # even after the address came back: the link was for the old state

    assert response.status_code == 400 and "no longer valid" in response.content.decode()
    assert session_user_id(client) is None


def test_posting_a_record_with_a_superusers_address_does_not_link_the_superuser(hr, client, mailoutbox):
    root = User.objects.create_superuser(email="root@demo.example", password=PASSWORD)
    response = hr.post_json(
        "/api/v1/employees/", {"external_id": "E900", "email": "root@demo.example", "full_name": "Root"}
    )
    assert response.status_code == 201, response.content
    employee = Employee.objects.get(external_id="E900")
    assert employee.user is None

    due(employee)
    reminders.send_reminder_digests(today=TODAY)
    response = client.get(link_mailed_to(mailoutbox, "root@demo.example"))
    assert session_user_id(client) is None and response.url.startswith(reverse("login"))

    # Moved to the attacker's address: the next link makes (at most) a new plain account.
    hr.patch_json("/api/v1/employees/E900/", {"email": "mallory@attacker.example"})
    reminders.send_reminder_digests(today=TODAY + datetime.timedelta(days=1))
    client.get(link_mailed_to(mailoutbox, "mallory@attacker.example"))
    signed_in = User.objects.get(pk=session_user_id(client))
    assert signed_in != root and not (signed_in.is_superuser or signed_in.is_staff)
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("path", ["bulk", "single"])
def test_no_hr_path_links_an_existing_account(hr, make_user, path):
    user = make_user(employee=False, email="existing@example.test")
    row = {"external_id": "E901", "email": "existing@example.test", "full_name": "Existing"}
    if path == "bulk":
        hr.post_json("/api/v1/employees/bulk/", {"employees": [row]})
    else:
        hr.post_json("/api/v1/employees/", row)
    assert Employee.objects.get(external_id="E901").user is None
    assert not User.objects.filter(pk=user.pk, employee__isnull=False).exists()


def test_scim_does_not_link_an_existing_account(client_for, make_user):
    make_user(employee=False, email="ada@example.test")
    scim = client_for(Scope.EMPLOYEES_WRITE, Scope.EMPLOYEES_READ)
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "ada@example.test",
        "externalId": "E902",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "active": True,
    }
    response = scim.post("/scim/v2/Users", body, content_type="application/scim+json")
    assert response.status_code == 201, response.content
    assert Employee.objects.get(email="ada@example.test").user is None


# --- Deprovisioning -------------------------------------------------------------------------


def _terminate(how, employee, hr, scim):
    if how == "scim delete":
        return scim.delete(f"/scim/v2/Users/{employee.pk}")
    if how == "scim active false":
        patch = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        }
        return scim.patch(f"/scim/v2/Users/{employee.pk}", patch, content_type="application/scim+json")
    if how == "api delete":
        return hr.delete(f"/api/v1/employees/{employee.external_id}/")
    if how == "api patch":
        return hr.patch_json(f"/api/v1/employees/{employee.external_id}/", {"status": "terminated"})
    if how == "bulk":
        row = {"external_id": employee.external_id, "email": employee.email, "full_name": employee.full_name}
        return hr.post_json("/api/v1/employees/bulk/", {"employees": [{**row, "status": "terminated"}]})
    raise AssertionError(how)


@pytest.fixture
def scim(client_for):
    return client_for(Scope.EMPLOYEES_WRITE)


@pytest.mark.parametrize("how", ["scim delete", "scim active false", "api delete", "api patch", "bulk"])
def test_terminating_an_officer_ends_their_open_session_sign_in_links_and_roles(
    how, hr, scim, officer, client, private_storage
):
    report = report_in_state(ComplianceReport.Status.DONE, title="Q1")
    report.csv_file.save("q1.csv", ContentFile(b"employee,platform,status\n"))
    csv_url = reverse("reports:download", args=[report.pk, "csv"])
    client.post(reverse("login"), {"username": officer.email, "password": PASSWORD})
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(csv_url).status_code == 200
    officer.groups.add(Group.objects.get(name=Role.GOVERNANCE_ADMIN))
    User.objects.filter(pk=officer.pk).update(is_staff=True)
    pending_link = magic_links.make_login_link(officer.employee).removeprefix("http://testserver")

    response = _terminate(how, officer.employee, hr, scim)
    assert response.status_code in (200, 204), response.content

    # The open session is over at its next request (the account is inactive and its session
    # auth hash changed), here on the dashboard and on a report download alike.
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not response.wsgi_request.user.is_authenticated
    assert client.get(csv_url).status_code == 302
    # A fresh password sign-in fails, and so does a pending sign-in link.
    fresh = Client()
    refused = fresh.post(reverse("login"), {"username": officer.email, "password": PASSWORD})
    assert refused.status_code == 200 and session_user_id(fresh) is None
    refused = fresh.get(pending_link)
    assert refused.status_code == 400 and session_user_id(fresh) is None
    officer.refresh_from_db()
    assert (officer.is_active, officer.is_staff, officer.is_superuser) == (False, False, False)
    assert not officer.has_usable_password()
    assert list(officer.groups.all()) == []
    event = AuditEvent.objects.get(action="account.deprovisioned", object_id=str(officer.pk))
    assert event.before["groups"] == sorted([Role.EMPLOYEE, Role.COMPLIANCE_OFFICER, Role.GOVERNANCE_ADMIN])


def test_a_rehire_does_not_bring_back_the_account_or_its_roles(hr, officer, client):
    external_id = officer.employee.external_id
    hr.delete(f"/api/v1/employees/{external_id}/")
    # A terminated employee's address answers 404 (as after a SCIM delete); PUT re-hires.
    rehire = {"email": officer.employee.email, "full_name": officer.employee.full_name, "status": "active"}
    response = hr.put_json(f"/api/v1/employees/{external_id}/", rehire)
    assert response.status_code == 201, response.content

    officer.refresh_from_db()
    assert officer.employee.status == Employee.Status.ACTIVE
    assert not officer.is_active and list(officer.groups.all()) == []

    response = client.get(magic_links.make_login_link(officer.employee).removeprefix("http://testserver"))
    assert response.status_code == 400 and "disabled" in response.content.decode()

    # The rule: an admin re-activates the account deliberately; it comes back as a plain
    # employee account (no roles), which a sign-in link then opens.
    User.objects.filter(pk=officer.pk).update(is_active=True)
    client.get(magic_links.make_login_link(officer.employee).removeprefix("http://testserver"))
    assert session_user_id(client) == str(officer.pk)
    assert client.get(reverse("me")).status_code == 200
    assert client.get(reverse("dashboard")).status_code == 403


def test_terminating_a_record_without_an_account_or_already_terminated_touches_no_account(hr, make_user):
    bystander = make_user(employee=False, email="bystander@example.test")
    employee = EmployeeFactory(email="bystander@example.test")  # same address, not linked
    hr.delete(f"/api/v1/employees/{employee.external_id}/")
    bystander.refresh_from_db()
    assert bystander.is_active and bystander.has_usable_password()
    assert not AuditEvent.objects.filter(action="account.deprovisioned").exists()


@pytest.mark.parametrize("path", ["api put", "bulk", "scim patch"])
def test_every_hr_path_audits_an_address_change_and_tells_the_old_address(
    path, hr, client_for, employee_user, mailoutbox, django_capture_on_commit_callbacks
):
    employee = employee_user.employee
    old, new = employee.email, "moved@example.test"
    with django_capture_on_commit_callbacks(execute=True):
        if path == "api put":
            body = {"external_id": employee.external_id, "email": new, "full_name": employee.full_name}
            response = hr.put_json(f"/api/v1/employees/{employee.external_id}/", body)
        elif path == "bulk":
            row = {"external_id": employee.external_id, "email": new, "full_name": employee.full_name}
            response = hr.post_json("/api/v1/employees/bulk/", {"employees": [row]})
        else:
            patch = {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                # userName is the sign-in name at the provider; the work address is the e-mail.
                "Operations": [{"op": "replace", "path": 'emails[type eq "work"].value', "value": new}],
            }
            response = client_for(Scope.EMPLOYEES_WRITE).patch(
                f"/scim/v2/Users/{employee.pk}", patch, content_type="application/scim+json"
            )
    assert response.status_code == 200, response.content
    event = AuditEvent.objects.get(action="employee.email_changed", object_id=str(employee.pk))
    assert (event.before, event.after) == ({"email": old}, {"email": new})
    assert [m.to for m in mailoutbox] == [[old]]
    employee_user.refresh_from_db()
    assert employee_user.email == old
