import secrets

from django.db import migrations, models

UNUSABLE_PASSWORD_PREFIX = "!"  # django.contrib.auth.hashers.UNUSABLE_PASSWORD_PREFIX


def deprovision_accounts_of_terminated_employees(apps, schema_editor):
    """Accounts whose employee record was terminated before termination ended access (issue
    13) lose it now, as governance.services.accounts.deprovision_accounts does, with an audit
    event that keeps what they had."""
    User = apps.get_model("governance", "User")
    AuditEvent = apps.get_model("governance", "AuditEvent")
    users = list(
        User.objects.filter(employee__status="terminated")
        .filter(models.Q(is_active=True) | models.Q(is_staff=True) | models.Q(is_superuser=True))
        .prefetch_related("groups")
    )
    for user in users:
        AuditEvent.objects.create(
            actor_label="migration 0018",
            action="account.deprovisioned",
            object_type="user",
            object_id=str(user.pk),
            before={
                "is_active": user.is_active,
                "is_staff": user.is_staff,
                "is_superuser": user.is_superuser,
                "groups": sorted(group.name for group in user.groups.all()),
            },
            after={
                "is_active": False,
                "is_staff": False,
                "is_superuser": False,
                "groups": [],
                "reason": "employee terminated",
            },
        )
        user.is_active = user.is_staff = user.is_superuser = False
        user.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
        user.save(update_fields=["is_active", "is_staff", "is_superuser", "password"])
        user.groups.clear()
        user.user_permissions.clear()


class Migration(migrations.Migration):
    dependencies = [("governance", "0017_counts_dated_by_the_application")]

    operations = [
        migrations.AddField(
            model_name="employee",
            name="email_changed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(deprovision_accounts_of_terminated_employees, migrations.RunPython.noop),
    ]
