"""The ledger's checkpoint runs daily at 01:30 (editable in the admin afterwards)."""

from django.conf import settings
from django.db import migrations

NAME = "Ledger: daily signed checkpoint"


def install(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="1", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": "governance.ledger_checkpoint",
            "crontab": crontab,
            "enabled": True,
            "description": "Signs the attestation ledger's head (count and hash) with the installation's key; "
            "nothing new when the head did not move.",
        },
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("attestations", "0002_ledger_checkpoint"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
