"""The domain models leave the kernel for their apps (people, attestations, compliance, notifications, integrations), without touching the data: the state moves, the tables keep their names."""

from django.db import migrations

MOVED = {
    "department": "people",
    "employee": "people",
    "obligation": "attestations",
    "policyexception": "attestations",
    "attestation": "attestations",
    "attestationanswer": "attestations",
    "evidence": "attestations",
    "obligationcount": "compliance",
    "obligationcountstate": "compliance",
    "obligationfacetcount": "compliance",
    "failingsettingcount": "compliance",
    "handlerobligationcount": "compliance",
    "compliancesnapshottotal": "compliance",
    "compliancereport": "compliance",
    "compliancesnapshot": "compliance",
    "notificationlog": "notifications",
    "loginlinkuse": "notifications",
    "apikey": "integrations",
    "idempotencyrecord": "integrations",
    "webhookendpoint": "integrations",
    "webhookdelivery": "integrations",
}


def move_content_types(apps, schema_editor, moves=None):
    """Content types (and so permissions, admin log entries and groups' rights) and the audit
    log's object names follow each model to its app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("governance", "AuditEvent")
    using = schema_editor.connection.alias
    for model, (old, new) in (moves or {m: ("governance", app) for m, app in MOVED.items()}).items():
        # A content type created for the new label before this ran (none, normally) gives way.
        ContentType.objects.using(using).filter(app_label=new, model=model).delete()
        ContentType.objects.using(using).filter(app_label=old, model=model).update(app_label=new)
        AuditEvent.objects.using(using).filter(object_type=f"{old}.{model}").update(object_type=f"{new}.{model}")


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, {m: (app, "governance") for m, app in MOVED.items()})


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('integrations', '0001_initial'),
        ('notifications', '0001_initial'),
        ('compliance', '0001_initial'),
        ('attestations', '0001_initial'),
        ('people', '0001_initial'),
        ('governance', '0021_audit_object_types'),
        ('policies', '0004_alter_toolrule_departments'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are (Meta.db_table keeps their names); only Django's
            # idea of which app owns each model changes.
            state_operations=[
                migrations.RemoveField(
                    model_name='apikey',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='webhookendpoint',
                    name='created_by_key',
                ),
                migrations.RemoveField(
                    model_name='attestation',
                    name='employee',
                ),
                migrations.RemoveField(
                    model_name='attestation',
                    name='evidence',
                ),
                migrations.RemoveField(
                    model_name='attestation',
                    name='obligation',
                ),
                migrations.RemoveField(
                    model_name='attestation',
                    name='platform',
                ),
                migrations.RemoveField(
                    model_name='attestation',
                    name='policy_version',
                ),
                migrations.RemoveField(
                    model_name='obligation',
                    name='satisfied_by',
                ),
                migrations.RemoveField(
                    model_name='attestationanswer',
                    name='attestation',
                ),
                migrations.RemoveField(
                    model_name='attestationanswer',
                    name='setting',
                ),
                migrations.RemoveField(
                    model_name='compliancereport',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='compliancesnapshot',
                    name='department',
                ),
                migrations.RemoveField(
                    model_name='compliancesnapshot',
                    name='platform',
                ),
                migrations.DeleteModel(
                    name='ComplianceSnapshotTotal',
                ),
                migrations.RemoveField(
                    model_name='department',
                    name='parent',
                ),
                migrations.RemoveField(
                    model_name='employee',
                    name='department',
                ),
                migrations.RemoveField(
                    model_name='obligation',
                    name='department',
                ),
                migrations.RemoveField(
                    model_name='employee',
                    name='manager',
                ),
                migrations.RemoveField(
                    model_name='employee',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='loginlinkuse',
                    name='employee',
                ),
                migrations.RemoveField(
                    model_name='evidence',
                    name='employee',
                ),
                migrations.RemoveField(
                    model_name='handlerobligationcount',
                    name='employee',
                ),
                migrations.RemoveField(
                    model_name='policyexception',
                    name='employee',
                ),
                migrations.RemoveField(
                    model_name='obligation',
                    name='employee',
                ),
                migrations.RemoveField(
                    model_name='notificationlog',
                    name='recipient',
                ),
                migrations.RemoveField(
                    model_name='failingsettingcount',
                    name='setting',
                ),
                migrations.DeleteModel(
                    name='IdempotencyRecord',
                ),
                migrations.RemoveField(
                    model_name='obligation',
                    name='platform',
                ),
                migrations.RemoveField(
                    model_name='obligation',
                    name='policy_version',
                ),
                migrations.RemoveField(
                    model_name='obligation',
                    name='rule',
                ),
                migrations.RemoveField(
                    model_name='policyexception',
                    name='obligation',
                ),
                migrations.DeleteModel(
                    name='ObligationCount',
                ),
                migrations.DeleteModel(
                    name='ObligationCountState',
                ),
                migrations.DeleteModel(
                    name='ObligationFacetCount',
                ),
                migrations.RemoveField(
                    model_name='policyexception',
                    name='decided_by',
                ),
                migrations.RemoveField(
                    model_name='policyexception',
                    name='rule',
                ),
                migrations.RemoveField(
                    model_name='webhookdelivery',
                    name='endpoint',
                ),
                migrations.DeleteModel(
                    name='ApiKey',
                ),
                migrations.DeleteModel(
                    name='Attestation',
                ),
                migrations.DeleteModel(
                    name='AttestationAnswer',
                ),
                migrations.DeleteModel(
                    name='ComplianceReport',
                ),
                migrations.DeleteModel(
                    name='ComplianceSnapshot',
                ),
                migrations.DeleteModel(
                    name='Department',
                ),
                migrations.DeleteModel(
                    name='LoginLinkUse',
                ),
                migrations.DeleteModel(
                    name='Evidence',
                ),
                migrations.DeleteModel(
                    name='HandlerObligationCount',
                ),
                migrations.DeleteModel(
                    name='Employee',
                ),
                migrations.DeleteModel(
                    name='NotificationLog',
                ),
                migrations.DeleteModel(
                    name='FailingSettingCount',
                ),
                migrations.DeleteModel(
                    name='Obligation',
                ),
                migrations.DeleteModel(
                    name='PolicyException',
                ),
                migrations.DeleteModel(
                    name='WebhookDelivery',
                ),
                migrations.DeleteModel(
                    name='WebhookEndpoint',
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
