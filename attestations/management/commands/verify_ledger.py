from django.core.management.base import BaseCommand, CommandError

from attestations.ledger import verify_chain


class Command(BaseCommand):
    help = (
        "Walk the attestation ledger's hash chain, check it against every signed checkpoint and every report's "
        "head, and re-hash every evidence file; print OK with the count and head hash, or the refused checkpoint, "
        "the first broken record (and the checkpoint or report it contradicts), every record whose evidence "
        "file was swapped or lost and every record whose personal data no longer matches its digest (erased "
        "personal data verifies by its digest alone)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000, help="Records read per database round trip.")
        parser.add_argument(
            "--skip-evidence", action="store_true", help="Check the chain only, without re-hashing evidence files."
        )

    def handle(self, *args, **options):
        result = verify_chain(chunk_size=options["chunk_size"], evidence=not options["skip_evidence"])
        for record_id, reason in result.evidence_problems:
            self.stderr.write(f"EVIDENCE of record {record_id}: {reason}")
        for record_id, reason in result.personal_problems:
            self.stderr.write(f"PERSONAL DATA of record {record_id}: {reason}")
        if result.refused:
            raise CommandError(f"REFUSED {result.anchor}: {result.reason}")
        if result.anchor:
            where = f"record {result.broken_id}" if result.broken_id is not None else "the end of the ledger"
            raise CommandError(
                f"BROKEN at {where}, contradicting {result.anchor}: {result.reason} "
                f"({result.count} records before it verified, last good hash {result.head})"
            )
        if result.broken_id is not None:
            raise CommandError(
                f"BROKEN at record {result.broken_id}: {result.reason} "
                f"({result.count} records before it verified, last good hash {result.head})"
            )
        if result.evidence_problems:
            ids = ", ".join(str(record_id) for record_id, _ in result.evidence_problems)
            raise CommandError(
                f"EVIDENCE MISMATCH in {len(result.evidence_problems)} record(s): {ids} "
                f"(chain of {result.count} records intact, head {result.head})"
            )
        if result.personal_problems:
            ids = ", ".join(str(record_id) for record_id, _ in result.personal_problems)
            raise CommandError(
                f"PERSONAL DATA MISMATCH in {len(result.personal_problems)} record(s): {ids} "
                f"(chain of {result.count} records intact, head {result.head})"
            )
        erased = f"; the personal data of {result.erased} erased" if result.erased else ""
        self.stdout.write(
            f"OK {result.count} records, head {result.head}; "
            f"{result.checkpoints} checkpoint{'' if result.checkpoints == 1 else 's'} and "
            f"{result.anchors} report{'' if result.anchors == 1 else 's'} agree{erased}"
        )
