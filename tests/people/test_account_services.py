"""people.services.accounts: an account confirms its own HR record; admins link plain
accounts explicitly; deprovisioning ends access in a fixed number of queries."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.models import AuditEvent
from governance.roles import Role
from people.models import Employee
from people.services import accounts
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def test_an_account_confirms_the_hr_record_listed_under_its_address(client, make_user):
    user = make_user(employee=False, email="late@example.test")
    employee = EmployeeFactory(email="late@example.test", full_name="Late Joiner", external_id="E77")
    client.force_login(user)

    tools = client.get(reverse("me"))
    assert reverse("me-confirm-record") in tools.content.decode()
    page = client.get(reverse("me-confirm-record"))
    assert page.status_code == 200 and "E77" in page.content.decode() and "Late Joiner" in page.content.decode()
    employee.refresh_from_db()
    assert employee.user is None  # looking is not confirming

    response = client.post(reverse("me-confirm-record"))

    assert response.status_code == 302 and response.url == reverse("me")
    employee.refresh_from_db()
    assert employee.user == user
    event = AuditEvent.objects.get(action="employee.account_linked")
    assert event.actor == user and event.after["confirmed_by_account"] is True


def test_a_privileged_account_links_its_record_only_by_confirming_it(client, make_user):
    officer = make_user(Role.COMPLIANCE_OFFICER, employee=False, email="officer@example.test")
    employee = EmployeeFactory(email="officer@example.test")
    client.force_login(officer)
    client.post(reverse("me-confirm-record"))
    employee.refresh_from_db()
    assert employee.user == officer


def test_there_is_nothing_to_confirm_for_another_address_a_terminated_record_or_a_linked_account(
    client, make_user, employee_user
):
    stranger = make_user(employee=False, email="stranger@example.test")
    EmployeeFactory(email="someone.else@example.test")
    EmployeeFactory(email="left@example.test", status=Employee.Status.TERMINATED, terminated_on="2026-01-01")
    left = make_user(employee=False, email="left@example.test")
    for user in (stranger, left, employee_user):
        client.force_login(user)
        assert client.post(reverse("me-confirm-record")).url == reverse("me")
    assert not Employee.objects.filter(user__in=[stranger, left]).exists()


def test_admins_link_plain_accounts_explicitly_and_privileged_ones_are_left_to_confirm(admin_user, make_user):
    plain = make_user(employee=False, email="plain@example.test")
    root = make_user(employee=False, email="root@example.test", is_superuser=True, is_staff=True)
    plain_record = EmployeeFactory(email="plain@example.test")
    root_record = EmployeeFactory(email="root@example.test")

    linked, skipped = accounts.link_same_address_accounts(
        employees=Employee.objects.filter(pk__in=[plain_record.pk, root_record.pk]), actor=admin_user
    )

    assert [e.pk for e in linked] == [plain_record.pk] and [e.pk for e in skipped] == [root_record.pk]
    plain_record.refresh_from_db()
    root_record.refresh_from_db()
    assert plain_record.user == plain and root_record.user is None
    assert root.is_superuser


def test_the_admin_action_links_through_the_django_admin(client, make_user):
    superuser = make_user(employee=False, is_superuser=True, is_staff=True)
    plain = make_user(employee=False, email="plain@example.test")
    record = EmployeeFactory(email="plain@example.test")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:people_employee_changelist"),
        {"action": "link_same_address_accounts", "_selected_action": [record.pk]},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.user == plain


def test_terminating_in_the_django_admin_deprovisions_the_account_too(client, make_user, officer):
    superuser = make_user(employee=False, is_superuser=True, is_staff=True)
    client.force_login(superuser)
    employee = officer.employee
    url = reverse("admin:people_employee_change", args=[employee.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(status="terminated", terminated_on="2026-11-30", user=officer.pk, department=employee.department_id)
    data.pop("manager", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    officer.refresh_from_db()
    assert not officer.is_active and list(officer.groups.all()) == []


def test_deprovisioning_takes_the_same_queries_for_more_accounts(make_user):
    few = [make_user(Role.COMPLIANCE_OFFICER).pk for _ in range(2)]
    many = [make_user(Role.COMPLIANCE_OFFICER).pk for _ in range(8)]
    with CaptureQueriesContext(connection) as small:
        accounts.deprovision_accounts(user_ids=few, reason="test")
    with CaptureQueriesContext(connection) as large:
        accounts.deprovision_accounts(user_ids=many, reason="test")
    assert len(large) == len(small)
    assert not Group.objects.get(name=Role.COMPLIANCE_OFFICER).user_set.exists()


def test_the_upgrade_ends_access_of_accounts_whose_record_was_terminated_before(officer, employee_user):
    import importlib

    from django.apps import apps

    Employee.objects.filter(pk=officer.employee.pk).update(status="terminated", terminated_on="2026-01-01")
    migration = importlib.import_module("governance.migrations.0018_employee_email_changed_at")

    migration.deprovision_accounts_of_terminated_employees(apps, None)

    officer.refresh_from_db()
    employee_user.refresh_from_db()
    assert not officer.is_active and not officer.has_usable_password() and list(officer.groups.all()) == []
    assert employee_user.is_active  # still employed
    assert AuditEvent.objects.get(action="account.deprovisioned").object_id == str(officer.pk)
