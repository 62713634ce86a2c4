"""Migration governance 0022 moves the models' content types and the audit log's object names
to the apps that own the models now, so that permissions, admin history and audit trails
recorded before the split keep pointing at the same rows."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from governance.models import AuditEvent

pytestmark = pytest.mark.django_db

migration = importlib.import_module("governance.migrations.0022_models_move_to_domain_apps")
editor = SimpleNamespace(connection=connection)


def test_content_types_permissions_and_audit_names_follow_the_models_to_their_apps():
    employee_type = ContentType.objects.get(app_label="people", model="employee")
    ContentType.objects.filter(pk=employee_type.pk).update(app_label="governance")  # as before the split
    permission = Permission.objects.get(content_type=employee_type, codename="view_employee")
    old_event = AuditEvent.objects.create(action="employee.updated", object_type="governance.employee", object_id="7")
    kernel_event = AuditEvent.objects.create(action="user.updated", object_type="governance.user", object_id="1")

    migration.move_content_types(apps, editor)

    employee_type.refresh_from_db()
    assert (employee_type.app_label, employee_type.model) == ("people", "employee")
    assert Permission.objects.get(pk=permission.pk).content_type_id == employee_type.pk  # same row, same rights
    old_event.refresh_from_db()
    kernel_event.refresh_from_db()
    assert old_event.object_type == "people.employee"
    assert kernel_event.object_type == "governance.user"  # the kernel's models stay


def test_every_moved_model_is_named_and_the_move_reverses():
    moved = {
        m._meta.model_name: m._meta.app_label for m in apps.get_models() if m._meta.db_table.startswith("governance_")
    }
    # HandlerObligationCount moved too, then became PersonObligationCount with a table of its
    # own app's name (compliance 0006).
    moved["handlerobligationcount"] = "compliance"
    assert {name: app for name, app in moved.items() if app != "governance"} == migration.MOVED
    AuditEvent.objects.create(action="x", object_type="integrations.apikey", object_id="1")

    migration.move_content_types_back(apps, editor)
    assert ContentType.objects.filter(app_label="governance", model="apikey").exists()
    assert AuditEvent.objects.get(action="x").object_type == "governance.apikey"
    migration.move_content_types(apps, editor)
    assert ContentType.objects.get(model="apikey").app_label == "integrations"
