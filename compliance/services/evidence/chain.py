"""The ledger's part of a package: the stretch of the chain from the period's first record to
the first signed checkpoint at or after its last, the records in scope with their canonical
content, the checkpoints that cover them and the records' evidence files."""

import datetime
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q

from attestations import ledger
from attestations.models import Attestation, LedgerCheckpoint
from compliance.services.evidence.package import CHAIN, RECORDS, PackageWriter, json_line
from compliance.services.evidence.request import EvidenceRequest

CHUNK = 2000


def _first_id_at_or_after(moment: datetime.datetime) -> int | None:
    """The id of the first record stamped at or after ``moment``, or None: a binary search over
    the primary key (records are stamped under the ledger's lock, so their times follow their
    ids); each step is one index lookup, so the cost is logarithmic in the ledger's size."""
    ids = Attestation.objects.values_list("id", flat=True)
    low, high = ids.order_by("id").first(), ids.order_by("-id").first()
    if low is None or high is None:
        return None
    answer = None
    while low <= high:
        middle = (low + high) // 2
        row = Attestation.objects.filter(id__gte=middle).order_by("id").values_list("id", "created_at").first()
        if row is None or row[0] > high:
            high = middle - 1
        elif row[1] >= moment:
            answer, high = row[0], middle - 1
        else:
            low = row[0] + 1
    return answer


def _period_bounds(request: EvidenceRequest) -> tuple[int, int] | None:
    """(first id, last id) of the records of the period, or None when it has none."""
    first = _first_id_at_or_after(request.starts_at)
    if first is None:
        return None
    after = _first_id_at_or_after(request.ends_before)
    last_query = Attestation.objects.filter(id__gte=first).order_by("-id")
    if after is not None:
        last_query = last_query.filter(id__lt=after)
    last = last_query.values_list("id", flat=True).first()
    return None if last is None else (first, last)


def _in_scope(request: EvidenceRequest) -> Q:
    within = Q(created_at__gte=request.starts_at, created_at__lt=request.ends_before)
    if not request.departments:
        return within
    departments = Q()
    for department in request.departments:
        departments |= Q(employee__department__path__startswith=department.path)
    return within & departments


def _broken(record: Attestation, why: str) -> ValidationError:
    return ValidationError(f"The ledger is broken at record {record.pk} ({why}); run verify_ledger before exporting.")


@dataclass
class LedgerPart:
    first_position: int = 0
    last_position: int = 0
    anchor: LedgerCheckpoint | None = None
    entries: int = 0
    records: int = 0
    first_id: int = 0
    last_id: int = 0


def write_ledger(
    writer: PackageWriter, request: EvidenceRequest, *, progress: Callable[..., None]
) -> tuple[LedgerPart, list[LedgerCheckpoint]]:
    """The chain from the period's first record to the first checkpoint at or after its last,
    streamed in id order; the records in scope with their canonical content."""
    part = LedgerPart()
    bounds = _period_bounds(request)
    if bounds is None:
        writer.write(CHAIN, b"")
        writer.write(RECORDS, b"")
        return part, []
    first_id, last_id = part.first_id, part.last_id = bounds
    part.first_position = Attestation.objects.filter(id__lt=first_id).count() + 1
    part.last_position = part.first_position + Attestation.objects.filter(id__gte=first_id, id__lte=last_id).count() - 1
    part.anchor = LedgerCheckpoint.objects.filter(count__gte=part.last_position).order_by("count").first()
    if part.anchor is None:
        raise ValidationError("No signed checkpoint covers the period's last record yet; try again.")
    covering = list(LedgerCheckpoint.objects.filter(count__gte=part.first_position).order_by("count", "id"))
    length = part.anchor.count - part.first_position + 1
    rows = (
        Attestation.objects.filter(id__gte=first_id)
        .order_by("id")
        .annotate(in_scope=ExpressionWrapper(_in_scope(request), output_field=BooleanField()))[:length]
    )
    previous: str | None = None
    position = part.first_position
    # A zip takes one member at a time: the contents wait in a temporary file, on disk.
    with tempfile.TemporaryFile() as contents:
        with writer.member(CHAIN) as chain:
            for record in rows.iterator(chunk_size=CHUNK):
                if previous is not None and record.prev_hash != previous:
                    raise _broken(record, "its previous hash is not the hash of the record before it")
                if ledger.compute_hash(record) != record.hash:
                    raise _broken(record, "its content does not match its hash")
                content = None
                if record.in_scope:  # type: ignore[attr-defined]  # annotated above
                    content = ledger.canonical_bytes(record)
                    if hashlib.sha256(content).hexdigest() != record.hash:  # what the package promises
                        raise ValidationError(
                            f"Record {record.pk}'s hash is not the SHA-256 of its canonical content; "
                            "this package format cannot carry it."
                        )
                    contents.write(content + b"\n")
                    part.records += 1
                chain.write(
                    json_line(
                        {
                            "position": position,
                            "record": record.pk,
                            "hash": record.hash,
                            "prev_hash": record.prev_hash,
                            "content": content is not None,
                        }
                    )
                )
                previous = record.hash
                position += 1
                if position % (CHUNK * 5) == 0:
                    progress(50 + 35 * (position - part.first_position) / length, step="Writing the ledger records")
        contents.seek(0)
        writer.copy(RECORDS, contents)
    part.entries = position - part.first_position
    if part.entries != length or previous != part.anchor.head_hash:
        raise ValidationError(
            f"The ledger does not end at checkpoint {part.anchor.pk}'s head; run verify_ledger before exporting."
        )
    return part, covering


def checkpoint_entries(covering: list[LedgerCheckpoint]) -> list[dict[str, Any]]:
    return [
        {
            "checkpoint": checkpoint.pk,
            "kid": checkpoint.kid,
            "signed": ledger.checkpoint_bytes(
                count=checkpoint.count,
                head_hash=checkpoint.head_hash,
                created_at=checkpoint.created_at,
                kid=checkpoint.kid,
            ).decode("utf-8"),
            "signature": checkpoint.signature,
        }
        for checkpoint in covering
    ]


def write_evidence(writer: PackageWriter, request: EvidenceRequest, part: LedgerPart) -> list[dict[str, Any]]:
    """The evidence files of the records in scope, each checked against the hash its record carries."""
    if not part.records or not request.evidence_files:
        return []
    listed = []
    rows = (
        Attestation.objects.filter(id__gte=part.first_id, id__lte=part.last_id, evidence__isnull=False)
        .filter(_in_scope(request))
        .select_related("evidence")
        .order_by("id")
    )
    for record in rows.iterator(chunk_size=CHUNK):
        evidence = record.evidence
        assert evidence is not None
        extension = os.path.splitext(str(evidence.file.name))[1].lower() or ".bin"
        name = f"evidence/record-{record.pk}{extension}"
        try:
            with evidence.file.open("rb") as source:
                actual = writer.copy(name, source)
        except OSError:
            raise _broken(record, "its evidence file is missing") from None
        if actual != record.evidence_sha256:
            raise _broken(record, "its evidence file does not match the hash in the record")
        listed.append({"record": record.pk, "member": name, "sha256": actual})
    return listed
