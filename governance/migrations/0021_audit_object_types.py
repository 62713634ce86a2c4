"""Audit events name their object by the model's ``app_label.model`` (governance.audit). Older
events used short names, and the catalog's history, which reads ``platforms.platformsetting``,
never showed the "obligations re-opened for a setting" events written as ``platform_setting``.
This renames the old rows' object types; events about no single row keep theirs."""

from django.db import migrations

RENAMED = {
    "user": "governance.user",
    "employee": "governance.employee",
    "department": "governance.department",
    "obligation": "governance.obligation",
    "exception": "governance.policyexception",
    "api_key": "governance.apikey",
    "platform_setting": "platforms.platformsetting",
    "policy": "policies.policy",
    "policy_version": "policies.policyversion",
    "rule": "policies.toolrule",
}


def rename(apps, schema_editor, mapping=RENAMED):
    AuditEvent = apps.get_model("governance", "AuditEvent")
    for old, new in mapping.items():
        AuditEvent.objects.filter(object_type=old).update(object_type=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [("governance", "0020_ledger_refuses_truncate")]

    operations = [migrations.RunPython(rename, rename_back)]
