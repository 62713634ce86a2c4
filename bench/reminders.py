"""Benchmark: the daily reminder job over the seed_scale organization on PostgreSQL.

    DATABASE_URL=postgres://... python bench/reminders.py [--employees 100000] [--platforms 30]

Prints the duration, queries, mails and queries per 1,000 recipients (target: under 120 s,
queries per 1,000 recipients constant). Mails go to Django's locmem backend; the bench keeps
only a count of them so that 100,000 rendered messages do not fill the memory.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.mail.backends.locmem import EmailBackend  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.scale_org import ensure_org  # noqa: E402
from governance import db  # noqa: E402
from notifications import digests as reminders  # noqa: E402
from notifications.models import NotificationLog  # noqa: E402


class CountingLocmemBackend(EmailBackend):
    """Django's locmem backend (each message is rendered to MIME) that keeps a count only."""

    sent = 0

    def send_messages(self, messages):
        count = super().send_messages(messages)
        CountingLocmemBackend.sent += count
        mail.outbox.clear()
        return count


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def run(label, today):
    counter = QueryCounter()
    CountingLocmemBackend.sent = 0
    mail.outbox = []
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        results = reminders.send_daily_notifications(today=today)
    duration, cpu = time.perf_counter() - started, time.process_time() - cpu
    recipients = sum(r.recipients for r in results)
    per_thousand = 1000 * counter.count / recipients if recipients else 0
    print(
        f"{label}: {duration:.1f} s ({cpu:.1f} s of this process's CPU: the rest is the database and waiting), "
        f"{counter.count} queries, {CountingLocmemBackend.sent} mails, "
        f"{recipients} recipients ({', '.join(f'{r.kind}: {r.sent} sent' for r in results)}), "
        f"{per_thousand:.0f} queries per 1,000 recipients"
    )
    return duration


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--platforms", type=int, default=30)
    args = parser.parse_args()
    if not db.on_postgres():
        raise SystemExit("Run the benchmark on PostgreSQL (DATABASE_URL=postgres://...).")
    settings.EMAIL_BACKEND = f"{__name__}.CountingLocmemBackend"
    ensure_org(employees=args.employees, platforms=args.platforms)
    today = timezone.localdate()
    if not reminders.reminder_recipients(today):
        # Nothing due today (e.g. a publish just gave everyone a new due date): measure the day
        # of the latest due date, when everyone with something to do gets a digest.
        latest = reminders._actionable().aggregate(latest=Max("due_on"))["latest"]
        today = max(today, latest or today)
        print(f"nobody is due a reminder today; measuring {today.isoformat()}, the latest due date")
    NotificationLog.objects.filter(day=today).delete()
    duration = run("first run", today)
    run("second run, same day", today)
    print(f"target under 120 s: {'met' if duration < 120 else 'NOT met'}")
    if not CountingLocmemBackend.sent and not NotificationLog.objects.filter(day=today).exists():
        raise SystemExit("no reminder was due on the day measured: the figure measures nothing")


if __name__ == "__main__":
    main()
