import json

from django.core.management.base import BaseCommand, CommandError

from compliance.services.evidence.verify import Refused, parse_keys, verify_package


class Command(BaseCommand):
    help = (
        "Verify an evidence package with only the package and a public key (reads no database): exit 0 with a "
        "summary, or exit 1 naming the member that does not verify."
    )
    requires_system_checks: list[str] = []  # nothing of this installation is needed, its database least of all

    def add_arguments(self, parser):
        parser.add_argument("package", help="The evidence package (zip).")
        parser.add_argument(
            "--key",
            help="A JWK Set (e.g. a saved /.well-known/ledger-keys.json) or one JWK to trust; "
            "without it, the key the package carries is used (integrity, not origin).",
        )

    def handle(self, *args, **options):
        keys = None
        if options["key"]:
            try:
                with open(options["key"], encoding="utf-8") as handle:
                    keys = parse_keys(json.load(handle), source=options["key"])
            except (OSError, ValueError) as exc:
                raise CommandError(f"--key {options['key']}: {exc}") from None
        try:
            summary = verify_package(options["package"], keys=keys)
        except Refused as refusal:
            raise CommandError(f"REFUSED {refusal.member}: {refusal.reason}") from None
        for line in summary.lines():
            self.stdout.write(line)
