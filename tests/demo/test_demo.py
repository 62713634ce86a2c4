import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_setup_steps_are_idempotent(demo):
    """`make run` runs load_catalog and seed_demo each time; a second run changes nothing."""
    before = row_counts()
    call_command("load_catalog", verbosity=0)
    call_command("seed_demo", verbosity=0)
    after = row_counts()
    changed = {label: (before[label], after[label]) for label in before if before[label] != after[label]}
    assert changed == {}


def test_demo_has_one_sign_in_per_role(demo):
    from governance.models import User
    from governance.roles import home_url

    homes = {
        email: home_url(User.objects.get(email=email))
        for email in (
            "admin@demo.example",
            "officer@demo.example",
            "manager@demo.example",
            "employee@demo.example",
        )
    }
    assert homes == {
        "admin@demo.example": "/policies/",
        "officer@demo.example": "/dashboard/",
        "manager@demo.example": "/team/",
        "employee@demo.example": "/me/",
    }


def test_demo_reporting_line_includes_people_listed_before_their_manager(demo):
    from people.models import Employee
    from people.selectors import reports_of

    manager = Employee.objects.get(email="manager@demo.example")
    assert Employee.objects.get(email="employee@demo.example") in reports_of(manager=manager)
