from django.core.management.base import BaseCommand, CommandError

from governance.ledger import verify_chain


class Command(BaseCommand):
    help = (
        "Walk the attestation ledger's hash chain; print OK with the count and head hash, or the first broken record."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000, help="Records read per database round trip.")

    def handle(self, *args, **options):
        result = verify_chain(chunk_size=options["chunk_size"])
        if not result.ok:
            raise CommandError(
                f"BROKEN at record {result.broken_id}: {result.reason} "
                f"({result.count} records before it verified, last good hash {result.head})"
            )
        self.stdout.write(f"OK {result.count} records, head {result.head}")
