"""The jobs' beat schedules keep the organization's clock.

Every date the product decides is ``timezone.localdate()`` in ``settings.TIME_ZONE``; the jobs
that move those dates (the counts' nightly roll, expiry, snapshots, reminders) must therefore
fire at the hours of that zone too. Migrations install the schedules in the zone of the day they
ran; after every ``migrate`` the product's own crontabs are moved to the zone now configured, so
an organization that sets ``TIME_ZONE`` later does not roll its counts at UTC's midnight.
"""

from typing import Any

from django.conf import settings

TASK_PREFIX = "governance."


def align_with_time_zone(**kwargs: Any) -> int:
    """Move the crontabs of the product's periodic tasks to settings.TIME_ZONE. Returns how many
    crontabs changed. Connected to ``post_migrate``."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    crontab_ids = (
        PeriodicTask.objects.filter(task__startswith=TASK_PREFIX, crontab__isnull=False)
        .exclude(crontab__timezone=settings.TIME_ZONE)
        .values_list("crontab_id", flat=True)
    )
    return CrontabSchedule.objects.filter(pk__in=list(crontab_ids)).update(timezone=settings.TIME_ZONE)
