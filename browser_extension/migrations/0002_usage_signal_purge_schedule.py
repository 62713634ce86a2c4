"""The usage signals' retention: their daily purge runs at 02:45 (editable in the admin afterwards)."""

from django.conf import settings
from django.db import migrations

NAME = "Browser extension: delete usage signals past their retention period"


def install(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="45", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": "governance.purge_usage_signals",
            "crontab": crontab,
            "enabled": True,
            "description": "Deletes the browser extension's usage signals of days more than "
            "EXTENSION_SIGNAL_RETENTION_DAYS ago, in bounded batches.",
        },
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("browser_extension", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
