from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from compliance.models import ComplianceReport
from compliance.services.reports import build_report, create_report


class Command(BaseCommand):
    help = "Build a compliance report now, in this process (CSV and PDF in the private storage)."

    def add_arguments(self, parser):
        parser.add_argument("--report", type=int, help="Build this queued or failed report instead of a new one.")
        parser.add_argument("--department", help="Narrow to a department id (with its sub-departments).")
        parser.add_argument("--platform", help="Narrow to a tool id.")
        parser.add_argument("--customer-data", action="store_true", help="Customer-data handlers only.")
        parser.add_argument(
            "--scheduled", action="store_true", help="Count as the scheduled report (officers get a link)."
        )

    def handle(self, *args, **options):
        if options["report"]:
            if not ComplianceReport.objects.filter(pk=options["report"]).exists():
                raise CommandError(f"No report {options['report']}.")
            report_id = options["report"]
        else:
            filters = {
                "department": options["department"],
                "platform": options["platform"],
                "customer_data": "1" if options["customer_data"] else "",
            }
            trigger = ComplianceReport.Trigger.SCHEDULE if options["scheduled"] else ComplianceReport.Trigger.MANUAL
            try:
                report_id = create_report(
                    trigger=trigger, requested_by_label="build_report command", filters=filters
                ).pk
            except ValidationError as error:
                raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from None
        report = build_report(report_id)
        if report.status != ComplianceReport.Status.DONE:
            raise CommandError(f"Report {report.pk} failed: {report.error}")
        self.stdout.write(
            f"Report {report.pk} done: {report.summary['csv_rows']} CSV rows, "
            f"CSV sha256 {report.csv_sha256}, PDF sha256 {report.pdf_sha256}"
        )
