"""Schedule the daily rebuild of the obligation counts (django-celery-beat), right after
midnight in CELERY_TIMEZONE; and a partial index for the "failing settings" figure."""

from django.conf import settings
from django.db import migrations

TASK = "governance.rebuild_obligation_counts"
PERIODIC_NAME = "Rebuild obligation counts (daily)"
FAILING_INDEX = (
    "CREATE INDEX IF NOT EXISTS obligation_open_noncompliant ON governance_obligation "
    "(satisfied_by_id) INCLUDE (department_id, platform_id, policy_version_id, employee_id) "
    "WHERE closed_at IS NULL AND status = 'noncompliant'"
)


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="5",
        hour="0",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.CELERY_TIMEZONE or "UTC",
    )
    PeriodicTask.objects.update_or_create(name=PERIODIC_NAME, defaults={"task": TASK, "crontab": crontab})
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FAILING_INDEX)


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=PERIODIC_NAME).delete()
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS obligation_open_noncompliant")


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0011_obligation_count_triggers"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule, elidable=False)]
