import os
import shutil
import tempfile

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from compliance.services import evidence
from governance import jobs
from governance.models import Job


def _writable_target(out: str) -> str:
    """The absolute path of ``--out``, refused when it cannot be written."""
    path = os.path.abspath(out)
    folder = os.path.dirname(path)
    if os.path.isdir(path):
        raise CommandError(f"--out {out} is a directory; name the zip file to write.")
    if not os.path.isdir(folder):
        raise CommandError(f"--out {out}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise CommandError(f"--out {out}: this process may not write there.")
    return path


class Command(BaseCommand):
    help = (
        "Write the signed evidence package of a period (and departments) for auditors: the report, the "
        "policy versions, the catalog, the ledger records with their checkpoints, evidence files, a signed "
        "manifest. Runs as the evidence job, in this process."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="First day of the period (YYYY-MM-DD).")
        parser.add_argument("--to", dest="end", required=True, help="Last day of the period (YYYY-MM-DD).")
        parser.add_argument(
            "--department",
            action="append",
            default=[],
            help="A department's id, HR code or name, with its sub-departments (repeat for more; none: everyone).",
        )
        parser.add_argument("--out", required=True, help="The zip file to write.")
        parser.add_argument("--without-evidence-files", action="store_true", help="Leave the records' screenshots out.")

    def handle(self, *args, **options):
        target = _writable_target(options["out"])
        try:
            request = evidence.parse_request(
                start=options["start"],
                end=options["end"],
                departments=options["department"],
                evidence_files=not options["without_evidence_files"],
            )
        except ValidationError as error:
            names = {"start": "--from", "end": "--to", "department": "--department"}
            raise CommandError(
                "; ".join(f"{names.get(k, k)}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from None
        job, _ = evidence.start_export(request)
        jobs.run_job(job.pk)
        job.refresh_from_db()
        if job.status != Job.Status.DONE:
            if job.status in Job.ACTIVE:
                raise CommandError(f"The same package is being written by job {job.pk}; try again once it is done.")
            raise CommandError(f"The evidence package failed: {job.message}")
        folder = os.path.dirname(target)
        try:
            with evidence.package_file(job) as source, tempfile.NamedTemporaryFile(dir=folder, delete=False) as draft:
                shutil.copyfileobj(source, draft)
            os.replace(draft.name, target)
        except OSError as exc:
            raise CommandError(f"--out {options['out']}: {exc}") from None
        result = job.result
        self.stdout.write(
            f"Evidence package written to {options['out']}: {result['members']} files, {result['records']} ledger "
            f"records, {result['checkpoints']} checkpoints, SHA-256 {result['sha256']} (job {job.pk})."
        )
