"""Install the jobs' schedules in django-celery-beat (editable in the admin afterwards)."""

from django.conf import settings
from django.db import migrations

# name, task, crontab (minute, hour, day_of_week), description
SCHEDULES = [
    (
        "Daily maintenance: expire attestations and exceptions",
        "governance.daily_maintenance",
        ("15", "1", "*"),
        "Obligations whose attestation or exception ran out go back to pending.",
    ),
    ("Daily trend snapshot", "governance.snapshot_compliance", ("45", "1", "*"), "Day x department x tool counts."),
    (
        "Daily reminders and escalations",
        "governance.send_reminders",
        ("0", "8", "*"),
        "One digest per employee due or overdue; managers hear of reports overdue past the escalation delay.",
    ),
    ("Weekly officers' summary", "governance.send_officer_summary", ("30", "8", "1"), "Headline figures to officers."),
    (
        "Weekly compliance report",
        "governance.scheduled_report",
        ("0", "6", "1"),
        "CSV and PDF report; officers get a link by e-mail.",
    ),
]


def install(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, (minute, hour, day_of_week), description in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week=day_of_week,
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "enabled": True, "description": description}
        )


def uninstall(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0006_dashboard_indexes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
