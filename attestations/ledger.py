"""The attestation ledger: append records to the hash chain, and verify the chain.

Each record's ``hash`` is SHA-256 over a canonical JSON serialization of its content plus the
previous record's hash (``prev_hash``; the first record links to ``GENESIS_HASH``). Changing any
stored field of any record therefore changes its hash and breaks the link to every later record,
which ``verify_chain`` (and ``python manage.py verify_ledger``) detects.

Appends are serialized: on PostgreSQL a transaction-level advisory lock is taken before the
head is read; on SQLite the database's single write lock does the same. The unique constraint
on ``prev_hash`` is the last line of defence: two records can never link to the same parent.
"""

import datetime
import hashlib
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from attestations.models import Evidence, Obligation
from attestations.models.ledger import Attestation, AttestationAnswer
from governance import db
from people.models import Employee
from platforms.models import Platform
from policies.models import PolicyVersion

GENESIS_HASH = "0" * 64
# An arbitrary, fixed 64-bit key for pg_advisory_xact_lock: "ledger" in ASCII.
LEDGER_LOCK_KEY = 0x6C6564676572
USER_AGENT_MAX = 500
VERIFY_CHUNK = 2000

# The record fields covered by the hash, in the order they are documented; the serialization
# sorts keys anyway, so the order here does not matter for the hash.
HASHED_FIELDS = (
    "kind",
    "employee_id",
    "obligation_id",
    "policy_version_id",
    "platform_id",
    "answers",
    "compliant",
    "tool_used",
    "tier",
    "evidence_id",
    "evidence_sha256",
    "statement",
    "signature",
    "ip_address",
    "user_agent",
    "created_at",
    "prev_hash",
)


def _format_time(value: datetime.datetime) -> str:
    """Fixed format: UTC, microseconds, trailing Z (what the database stores, to the microsecond)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalize_ip(value: Any) -> str | None:
    """The canonical text of an IP address (what PostgreSQL's inet returns), or None."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


def canonical_content(record: Attestation) -> dict[str, Any]:
    """The dict the hash is computed over; ``record`` is an Attestation (saved or not)."""
    content = {name: getattr(record, name) for name in HASHED_FIELDS}
    content["created_at"] = _format_time(record.created_at)
    content["ip_address"] = normalize_ip(record.ip_address)
    content["answers"] = sorted(record.answers or [], key=lambda answer: answer.get("setting_id") or 0)
    return content


def canonical_bytes(record: Attestation) -> bytes:
    return json.dumps(
        canonical_content(record), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def compute_hash(record: Attestation) -> str:
    return hashlib.sha256(canonical_bytes(record)).hexdigest()


def head_hash() -> str:
    """The hash of the newest record (GENESIS_HASH for an empty ledger); reports carry it."""
    return Attestation.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH


def append_record(
    *,
    kind: str,
    employee: Employee,
    policy_version: PolicyVersion,
    statement: str,
    obligation: Obligation | None = None,
    platform: Platform | None = None,
    answers: Iterable[dict[str, Any]] = (),
    compliant: bool | None = None,
    tool_used: bool | None = None,
    tier: str = "",
    evidence: Evidence | None = None,
    signature: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    created_at: datetime.datetime | None = None,
) -> Attestation:
    """Append one record to the chain and its answer rows, in the caller's transaction.

    ``answers`` is a list of dicts with keys setting (key), setting_id, revision, required,
    value and compliant. Returns the saved Attestation.
    """
    with transaction.atomic():
        db.advisory_xact_lock(LEDGER_LOCK_KEY)
        record = Attestation(
            kind=kind,
            employee=employee,
            obligation=obligation,
            policy_version=policy_version,
            platform=platform,
            answers=sorted((dict(answer) for answer in answers), key=lambda answer: answer["setting_id"]),
            compliant=compliant,
            tool_used=tool_used,
            tier=tier or "",
            evidence=evidence,
            evidence_sha256=evidence.sha256 if evidence is not None else "",
            statement=statement,
            signature=signature or "",
            ip_address=normalize_ip(ip_address),
            user_agent=(user_agent or "")[:USER_AGENT_MAX],
            created_at=created_at or timezone.now(),
            prev_hash=head_hash(),
        )
        record.hash = compute_hash(record)
        record.save(force_insert=True)
        AttestationAnswer.objects.bulk_create(
            AttestationAnswer(
                attestation=record,
                setting_id=answer["setting_id"],
                revision=answer["revision"],
                required_value=answer["required"],
                value=answer["value"],
                compliant=answer["compliant"],
            )
            for answer in record.answers
        )
    return record


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    head: str
    broken_id: int | None = None
    reason: str = ""
    # (record id, why) for each record whose evidence file no longer matches the hash it carries.
    evidence_problems: tuple = ()


def _file_sha256(field: FieldFile) -> str:
    digest = hashlib.sha256()
    with field.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _evidence_problem(record: Attestation, evidence: Evidence | None) -> str | None:
    """Why a record's evidence file does not back it, or None. The record's own
    ``evidence_sha256`` (covered by the chain) is the truth, not the Evidence row's copy."""
    if evidence is None or not evidence.file:
        return "its evidence file is missing"
    try:
        actual = _file_sha256(evidence.file)
    except OSError:
        return "its evidence file is missing"
    if actual != record.evidence_sha256:
        return "its evidence file does not match the hash in the record"
    return None


def verify_chain(*, chunk_size: int = VERIFY_CHUNK, evidence: bool = True) -> VerifyResult:
    """Walk every record in id order, streaming, and check each hash and each link; with
    ``evidence``, re-hash every evidence file a record refers to.

    Stops at the first broken record: its stored hash does not match its content, or its
    ``prev_hash`` is not the previous record's hash. Evidence problems do not break the chain
    (the record is intact; the file beside it was swapped or lost): each one is listed.
    """
    previous = GENESIS_HASH
    count = 0
    problems: list[tuple[Any, str]] = []
    records = Attestation.objects.order_by("id")
    if evidence:
        records = records.select_related("evidence")
    for record in records.iterator(chunk_size=chunk_size):
        if record.prev_hash != previous:
            return VerifyResult(
                False,
                count,
                previous,
                record.pk,
                "its previous hash does not match the record before it",
                tuple(problems),
            )
        if compute_hash(record) != record.hash:
            return VerifyResult(
                False, count, previous, record.pk, "its content does not match its hash", tuple(problems)
            )
        if evidence and record.evidence_sha256:
            problem = _evidence_problem(record, record.evidence)
            if problem:
                problems.append((record.pk, problem))
        previous = record.hash
        count += 1
    return VerifyResult(not problems, count, previous, evidence_problems=tuple(problems))
