import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from browser_extension.services import purge_usage_signals


class Command(BaseCommand):
    help = (
        "Delete the browser extension's usage signals older than EXTENSION_SIGNAL_RETENTION_DAYS (the daily job, "
        "run now; at most a bounded number of batches per run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", default="", help="Count the retention from this day (YYYY-MM-DD); default today.")

    def handle(self, *args, date, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--date must be a day as YYYY-MM-DD, not {date!r}.") from exc
        totals = purge_usage_signals(today=today)
        more = " More are left for the next run." if totals["more"] else ""
        self.stdout.write(
            f"Deleted {totals['deleted']} usage signal(s) of days before {totals['kept_from']} "
            f"in {totals['batches']} batch(es).{more}"
        )
