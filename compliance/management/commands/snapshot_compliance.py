import datetime

from django.core.management.base import BaseCommand, CommandError

from compliance.services.snapshots import snapshot_compliance


class Command(BaseCommand):
    help = "Write the day's compliance snapshot (day x department x tool); re-running replaces the day."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day (YYYY-MM-DD); default today.")

    def handle(self, *args, **options):
        try:
            day = datetime.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError:
            raise CommandError("--date must look like 2026-11-29.") from None
        rows = snapshot_compliance(day=day)
        self.stdout.write(f"{rows} snapshot rows written.")
