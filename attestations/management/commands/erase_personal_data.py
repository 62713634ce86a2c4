from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from attestations.services import retention
from governance.models import User
from governance.validators import control_character_message, is_url_safe_id
from people.models import Employee


class Command(BaseCommand):
    help = (
        "Erase personal data without breaking the ledger's chain. With --employee: a governance admin's recorded "
        "decision to erase one former employee's data before the retention period ends (--actor and --reason "
        "required; refused for a current employee). Without it: run the daily job, erasing every former employee "
        "past LEDGER_PERSONAL_DATA_RETENTION_DAYS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--employee", default="", help="The employee's HR id (external id).")
        parser.add_argument("--actor", default="", help="E-mail (sign-in) of the governance admin who decided it.")
        parser.add_argument("--reason", default="", help="Why, as recorded in the audit log (e.g. the request).")

    def handle(self, *args, employee, actor, reason, **options):
        if not employee:
            if actor or reason:
                raise CommandError("--actor and --reason go with --employee; the daily job needs neither.")
            totals = retention.erase_expired_personal_data(today=timezone.localdate())
            self.stdout.write(self._summary(totals))
            return
        if not is_url_safe_id(employee):
            raise CommandError("--employee must be an HR id: 1 to 64 of A-Z a-z 0-9 . _ ~ -.")
        problem = control_character_message(actor)
        if not actor or problem:
            raise CommandError(problem or "--actor is required: the e-mail of the governance admin who decided.")
        person = Employee.objects.filter(external_id=employee).first()
        if person is None:
            raise CommandError(f"No employee with HR id {employee}.")
        user = User.objects.filter(email__iexact=actor, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {actor}.")
        try:
            totals = retention.erase_former_employee(employee=person, actor=user, reason=reason)
        except retention.RetentionRefused as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(self._summary(totals))

    @staticmethod
    def _summary(totals):
        return (
            f"Erased the personal data of {totals['employees']} former employee(s): "
            f"{totals['records_erased']} record(s), {totals['evidence_files_erased']} evidence file(s); "
            f"{totals['old_format_records_kept']} record(s) of format 1 kept whole (their hash covers the fields)."
        )
