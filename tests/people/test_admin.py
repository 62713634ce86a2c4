"""The Django admin's people pages write through the path services: a new manager moves the
reporting line (in a job, shown, when the reports are many), a new parent moves the sub-departments."""

import pytest
from django.urls import reverse

from governance.models import Job
from governance.roles import Role
from people import jobs as people_jobs
from people.models import Department, Employee
from tests.factories import DepartmentFactory, EmployeeFactory
from tests.people.test_reporting_paths import rebuilt_paths, stored_paths

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_admin(make_user, client):
    client.force_login(make_user(Role.GOVERNANCE_ADMIN, is_staff=True, is_superuser=True))
    return client


def _post_change(client, obj, **changes):
    url = reverse(f"admin:people_{obj._meta.model_name}_change", args=[obj.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: ("on" if value is True else value) for name, value in data.items() if value not in (None, False)}
    data.update(changes)
    return client.post(url, data)


def _team(size):
    boss, other = EmployeeFactory(), EmployeeFactory()
    lead = EmployeeFactory(manager=boss)
    for _ in range(size):
        EmployeeFactory(manager=lead)
    return boss, other, lead


def test_a_new_manager_in_the_admin_moves_a_team_at_once(staff_admin):
    _, other, lead = _team(3)
    response = _post_change(staff_admin, lead, manager=other.pk)
    assert response.status_code == 302 and response.url == reverse("admin:people_employee_changelist")
    assert Employee.objects.get(pk=lead.pk).reporting_path == other.subtree_prefix
    assert stored_paths() == rebuilt_paths()
    assert not Job.objects.exists()


def test_a_new_manager_of_many_in_the_admin_redirects_to_the_job(staff_admin, monkeypatch):
    monkeypatch.setattr(people_jobs, "REWRITE_IN_REQUEST", 2)
    _, other, lead = _team(3)
    response = _post_change(staff_admin, lead, manager=other.pk)
    job = Job.objects.get(kind=people_jobs.REWRITE)
    assert response.status_code == 302 and response.url == reverse("job", args=[job.pk])
    assert job.params["employee_ids"] == [lead.pk] and job.created_by is not None


def test_the_admin_refuses_a_manager_among_ones_own_reports(staff_admin):
    boss, _, lead = _team(1)
    response = _post_change(staff_admin, boss, manager=lead.pk)
    assert response.status_code == 200
    assert "own (indirect) manager" in response.content.decode()
    assert Employee.objects.get(pk=boss.pk).manager is None


def test_a_new_parent_in_the_admin_moves_the_sub_departments(staff_admin):
    a, b = DepartmentFactory(), DepartmentFactory()
    child = DepartmentFactory(parent=a)
    leaf = DepartmentFactory(parent=child)
    response = _post_change(staff_admin, child, parent=b.pk)
    assert response.status_code == 302
    assert Department.objects.get(pk=leaf.pk).path == f"{b.path}{child.pk}/{leaf.pk}/"
