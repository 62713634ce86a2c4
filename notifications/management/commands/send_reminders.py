import datetime

from django.core.management.base import BaseCommand, CommandError

from notifications import digests as reminders

JOBS = {
    "reminders": reminders.send_reminder_digests,
    "escalations": reminders.send_escalations,
    "summary": reminders.send_officer_summary,
}


class Command(BaseCommand):
    help = (
        "Send today's reminder digests and manager escalations now (idempotent: what was sent "
        "today is not sent again). --summary also sends the officers' weekly summary."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to send for (YYYY-MM-DD); default today.")
        parser.add_argument("--only", choices=sorted(JOBS), action="append", help="Run only this kind (repeatable).")
        parser.add_argument("--summary", action="store_true", help="Also send the officers' weekly summary.")

    def handle(self, *args, **options):
        try:
            today = datetime.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError:
            raise CommandError("--date must look like 2026-11-29.") from None
        kinds = options["only"] or ["reminders", "escalations", *(["summary"] if options["summary"] else [])]
        run_id = reminders.new_run_id()
        for kind in kinds:
            result = JOBS[kind](today=today, run_id=run_id)
            self.stdout.write(
                f"{kind}: {result.recipients} due, {result.sent} sent, {result.failed} failed, "
                f"{result.skipped} already sent or held"
            )
