import json
import os

from django.core.management.base import BaseCommand, CommandError

from compliance.services.evidence.verify import Refused, parse_keys, verify_package


class Command(BaseCommand):
    help = (
        "Verify an evidence package with only the package and a public key (reads no database): exit 0 with a "
        "summary, or exit 1 naming the member that does not verify. With --against-ledger, also check this "
        "installation's ledger against the package: a chain rewritten since the package was exported fails."
    )
    requires_system_checks: list[str] = []  # nothing of this installation is needed, its database least of all

    def add_arguments(self, parser):
        parser.add_argument("package", help="The evidence package (zip).")
        parser.add_argument(
            "--key",
            help="A JWK Set (e.g. a saved /.well-known/ledger-keys.json) or one JWK to trust; "
            "without it, the key the package carries is used (integrity, not origin).",
        )
        parser.add_argument(
            "--against-ledger",
            action="store_true",
            help="Then walk this database's ledger (as verify_ledger does) with the package's last record as one "
            "more anchor: its hash at that position must be the package's.",
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
        if options["against_ledger"]:
            self._against_ledger(summary, options["package"])

    def _against_ledger(self, summary, package):
        from attestations.ledger import Anchor, verify_chain

        if summary.positions is None:
            self.stdout.write("The package holds no ledger record: nothing to check the ledger against.")
            return
        position = summary.positions[1]
        label = f"the package {os.path.basename(package)} (position {position})"
        result = verify_chain(anchors=[Anchor(label, position, summary.head_hash)], evidence=False)
        if result.refused:
            raise CommandError(f"REFUSED {result.anchor}: {result.reason}")
        if result.broken_id is not None or result.anchor:
            where = f"record {result.broken_id}" if result.broken_id is not None else "the end of the ledger"
            against = f", contradicting {result.anchor}" if result.anchor else ""
            raise CommandError(f"LEDGER BROKEN at {where}{against}: {result.reason}")
        self.stdout.write(
            f"OK: this database's ledger ({result.count} records, head {result.head}) holds the package's "
            f"records unchanged: position {position} has hash {summary.head_hash}"
        )
