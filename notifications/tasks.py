"""The mail jobs: daily reminder digests and escalations, the weekly officer summary."""

from celery import shared_task

from governance.jobs import RETRY, day_or_today, run_id


@shared_task(name="governance.send_reminders", **RETRY)
def send_reminders(self, day=None):
    """Daily: reminder digests to employees and escalations to their managers."""
    from notifications.digests import send_daily_notifications

    results = send_daily_notifications(today=day_or_today(day), run_id=run_id(self))
    return [result.as_dict() for result in results]


@shared_task(name="governance.send_officer_summary", **RETRY)
def send_officer_summary(self, day=None):
    """Weekly: the summary e-mail to compliance officers."""
    from notifications.digests import send_officer_summary as job

    return job(today=day_or_today(day), run_id=run_id(self)).as_dict()
