"""The attestation ledger: append records to the hash chain, and verify the chain.

Each record's ``hash`` is SHA-256 over a canonical JSON serialization of its content plus the
previous record's hash (``prev_hash``; the first record links to ``GENESIS_HASH``). Changing any
stored field of any record therefore changes its hash and breaks the link to every later record,
which ``verify_chain`` (and ``python manage.py verify_ledger``) detects.

The chain alone is anchored only to itself: whoever can rewrite the database could edit a
record and recompute every later hash. Signed checkpoints (``LedgerCheckpoint``, written by
``attestations.services.checkpoints``) and the head each report carries are anchors outside
that reach: ``verify_chain`` checks every one (the record at position N must have the hash
the anchor names) and refuses a checkpoint whose signature does not verify.

Personal data and retention: a record of format 2 (every record written since retention
exists) keeps its personal fields (the typed signature, the IP address, the user agent) in
``AttestationPersonalData`` beside it, and its hash covers ``personal_digest`` =
SHA-256(salt + canonical JSON of those fields) instead of the fields. Erasing them (salt
included) leaves the record's content, its hash, every checkpoint and every exported package as
they were; while they are present, ``verify_chain`` checks that they still match the digest.
Format 1 records (written before) hash the fields themselves, exactly as before.

Appends are serialized: on PostgreSQL a transaction-level advisory lock is taken before the
head is read; on SQLite the database's single write lock does the same. The unique constraint
on ``prev_hash`` is the last line of defence: two records can never link to the same parent.
"""

import datetime
import hashlib
import ipaddress
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from attestations.models import Evidence, Obligation
from attestations.models.ledger import Attestation, AttestationAnswer, AttestationPersonalData, LedgerCheckpoint
from governance import db, signing
from people.models import Employee
from platforms.models import Platform
from policies.models import PolicyVersion

GENESIS_HASH = "0" * 64
# An arbitrary, fixed 64-bit key for pg_advisory_xact_lock: "ledger" in ASCII.
LEDGER_LOCK_KEY = 0x6C6564676572
USER_AGENT_MAX = 500
VERIFY_CHUNK = 2000

# The record fields covered by the hash of a format-1 record (written before retention
# existed), in the order they are documented; the serialization sorts keys anyway, so the order
# here does not matter for the hash.
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
# The personal fields: hashed as they are in format 1; in format 2 kept in the personal data
# row, and only their salted digest is hashed.
PERSONAL_FIELDS = ("signature", "ip_address", "user_agent")
SALT_BYTES = 32
HASHED_FIELDS_BY_FORMAT = {
    Attestation.RAW_FORMAT: HASHED_FIELDS,
    Attestation.SALTED_FORMAT: (
        *(name for name in HASHED_FIELDS if name not in PERSONAL_FIELDS),
        "format",
        "personal_digest",
    ),
}


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


def _json_bytes(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


def canonical_content(record: Attestation) -> dict[str, Any]:
    """The dict the hash is computed over; ``record`` is an Attestation (saved or not).

    The one definition of a record's hashed content, by the record's ``format``: format 1 holds
    the personal fields themselves (exactly what it held before formats existed), format 2 holds
    ``format`` and ``personal_digest`` instead, so that erasing the personal data changes nothing
    here. Reads only the record's own row."""
    if record.format not in HASHED_FIELDS_BY_FORMAT:
        raise ValueError(f"Record {record.pk} has an unknown format {record.format!r}.")
    content = {name: getattr(record, name) for name in HASHED_FIELDS_BY_FORMAT[record.format]}
    content["created_at"] = _format_time(record.created_at)
    if "ip_address" in content:
        content["ip_address"] = normalize_ip(record.ip_address)
    content["answers"] = sorted(record.answers or [], key=lambda answer: answer.get("setting_id") or 0)
    return content


def canonical_bytes(record: Attestation) -> bytes:
    return _json_bytes(canonical_content(record))


def personal_content(*, signature: str, ip_address: Any, user_agent: str) -> dict[str, Any]:
    """The personal fields as their digest covers them (the IP address in its canonical text)."""
    return {"signature": signature or "", "ip_address": normalize_ip(ip_address), "user_agent": user_agent or ""}


def personal_digest(*, salt: str, content: dict[str, Any]) -> str:
    """SHA-256 over the salt's bytes (``salt`` is hex) followed by the fields' canonical JSON."""
    return hashlib.sha256(bytes.fromhex(salt) + _json_bytes(content)).hexdigest()


def personal_data_digest(data: AttestationPersonalData) -> str:
    """The digest a (not erased) personal data row should match."""
    content = personal_content(signature=data.signature, ip_address=data.ip_address, user_agent=data.user_agent)
    return personal_digest(salt=data.salt, content=content)


def compute_hash(record: Attestation) -> str:
    return hashlib.sha256(canonical_bytes(record)).hexdigest()


def head_hash() -> str:
    """The hash of the newest record (GENESIS_HASH for an empty ledger); reports carry it."""
    return Attestation.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH


def ledger_head() -> tuple[int, str]:
    """(count, head hash) of the ledger, read in one statement so that both describe one moment."""
    table = connection.ops.quote_name(Attestation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), (SELECT hash FROM {table} ORDER BY id DESC LIMIT 1) FROM {table}")
        count, head = cursor.fetchone()
    return int(count), head or GENESIS_HASH


def checkpoint_bytes(*, count: int, head_hash: str, created_at: datetime.datetime, kid: str) -> bytes:
    """The canonical JSON a checkpoint's signature covers (sorted keys, no spaces, UTF-8)."""
    content = {"count": count, "head_hash": head_hash, "created_at": _format_time(created_at), "kid": kid}
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode("utf-8")


def checkpoint_problem(checkpoint: LedgerCheckpoint, keys: dict[str, signing.PublicKey] | None = None) -> str | None:
    """Why a stored checkpoint does not stand (its signature, key or validity), or None."""
    data = checkpoint_bytes(
        count=checkpoint.count, head_hash=checkpoint.head_hash, created_at=checkpoint.created_at, kid=checkpoint.kid
    )
    return signing.verification_problem(
        data, signature=checkpoint.signature, kid=checkpoint.kid, signed_at=checkpoint.created_at, keys=keys
    )


@dataclass(frozen=True)
class Anchor:
    """A head someone recorded outside the chain: "the record at position ``count`` has ``head_hash``"."""

    label: str  # names it in verify_ledger's output, e.g. "checkpoint 3" or "report 12"
    count: int
    head_hash: str


# Apps above the ledger that keep heads of their own (compliance: each report's) register a
# function returning them; verify_chain checks each.
_anchor_sources: list[Callable[[], Iterable[Anchor]]] = []


def register_anchor_source(source: Callable[[], Iterable[Anchor]]) -> None:
    if source not in _anchor_sources:
        _anchor_sources.append(source)


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
    value and compliant. The record is of format 2: ``signature``, ``ip_address`` and
    ``user_agent`` go to its personal data row with a fresh random salt, and the record carries
    their salted digest. Returns the saved Attestation (``personal_data`` set).
    """
    personal = personal_content(
        signature=signature, ip_address=ip_address, user_agent=(user_agent or "")[:USER_AGENT_MAX]
    )
    salt = secrets.token_hex(SALT_BYTES)
    with transaction.atomic():
        db.advisory_xact_lock(LEDGER_LOCK_KEY)
        record = Attestation(
            format=Attestation.SALTED_FORMAT,
            personal_digest=personal_digest(salt=salt, content=personal),
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
            created_at=created_at or timezone.now(),
            prev_hash=head_hash(),
        )
        record.hash = compute_hash(record)
        record.save(force_insert=True)
        record.personal_data = AttestationPersonalData.objects.create(attestation=record, salt=salt, **personal)
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
    # The checkpoint or report the chain contradicts, or that is itself refused ("checkpoint 3").
    anchor: str = ""
    # How many checkpoints and other anchors (reports) agreed with the chain.
    checkpoints: int = 0
    anchors: int = 0
    refused: bool = False  # the anchor itself does not stand (its signature or key)
    # (record id, why) for each record whose personal data no longer matches the digest it carries.
    personal_problems: tuple = ()
    # How many records' personal data was erased (their digest alone verified them).
    erased: int = 0


def _file_sha256(field: FieldFile) -> str:
    digest = hashlib.sha256()
    with field.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _evidence_problem(record: Attestation, evidence: Evidence | None) -> str | None:
    """Why a record's evidence file does not back it, or None. The record's own
    ``evidence_sha256`` (covered by the chain) is the truth, not the Evidence row's copy. A
    file erased under the retention rules (``erased_at``) is no problem: its hash stays."""
    if evidence is not None and evidence.erased_at is not None:
        return None
    if evidence is None or not evidence.file:
        return "its evidence file is missing"
    try:
        actual = _file_sha256(evidence.file)
    except OSError:
        return "its evidence file is missing"
    if actual != record.evidence_sha256:
        return "its evidence file does not match the hash in the record"
    return None


def _personal_problem(record: Attestation) -> str | None:
    """Why a format-2 record's personal data does not back it, or None (also when erased)."""
    data = getattr(record, "personal_data", None)
    if data is None:
        return "its personal data is missing"
    if data.is_erased:
        return None
    if personal_data_digest(data) != record.personal_digest:
        return "its personal data does not match the digest in the record"
    return None


def _anchors(extra: Iterable[Anchor] = ()) -> tuple[list[Anchor], int, VerifyResult | None]:
    """Every checkpoint (signature checked first), every registered anchor and ``extra``, by
    position; the number of checkpoints; a refusal naming the first checkpoint that does not
    stand."""
    keys = signing.public_keys()
    anchors = []
    checkpoints = 0
    for checkpoint in LedgerCheckpoint.objects.order_by("count", "id").iterator():
        label = f"checkpoint {checkpoint.pk}"
        problem = checkpoint_problem(checkpoint, keys)
        if problem:
            return [], 0, VerifyResult(False, 0, GENESIS_HASH, reason=problem, anchor=label, refused=True)
        anchors.append(Anchor(label, checkpoint.count, checkpoint.head_hash))
        checkpoints += 1
    for source in _anchor_sources:
        anchors.extend(source())
    anchors.extend(extra)
    return anchors, checkpoints, None


def _contradicted(anchors: Iterable[Anchor], actual: str) -> Anchor | None:
    """The first of the anchors at one position whose hash is not the record's there."""
    return next((anchor for anchor in anchors if anchor.head_hash != actual), None)


def _link_problem(record: Attestation, previous: str) -> str | None:
    """Why ``record`` breaks the chain after a record of hash ``previous``, or None."""
    if record.prev_hash != previous:
        return "its previous hash does not match the record before it"
    if compute_hash(record) != record.hash:
        return "its content does not match its hash"
    return None


def _problems_beside(record: Attestation, *, evidence: bool) -> tuple[str | None, str | None, bool]:
    """What beside an intact record does not back it: (its evidence file's problem, with
    ``evidence``; its personal data's problem, format 2; whether that data was erased)."""
    evidence_problem = _evidence_problem(record, record.evidence) if evidence and record.evidence_sha256 else None
    if record.format != Attestation.SALTED_FORMAT:
        return evidence_problem, None, False
    personal_problem = _personal_problem(record)
    return evidence_problem, personal_problem, personal_problem is None and record.personal_data.is_erased


def verify_chain(
    *, chunk_size: int = VERIFY_CHUNK, evidence: bool = True, anchors: Iterable[Anchor] = ()
) -> VerifyResult:
    """Walk every record in id order, streaming, and check each hash and each link; with
    ``evidence``, re-hash every evidence file a record refers to; check every format-2 record's
    personal data against its digest (unless erased); check the chain against every checkpoint
    and every registered anchor (each report's head), and ``anchors`` (e.g. an evidence
    package's last record, which lives outside the database).

    A checkpoint whose signature does not verify with a known key valid at its time is refused
    before the walk (``refused``, ``anchor`` names it). The walk stops at the first broken
    record: its stored hash does not match its content, its ``prev_hash`` is not the previous
    record's hash, or it is the record at an anchor's position and its hash is not the anchor's
    (``anchor`` names the first one contradicted: a chain recomputed after an edit fails there).
    An anchor beyond the chain's end (records removed) fails too. Evidence and personal data
    problems do not break the chain (the record is intact; the file or the row beside it was
    swapped, edited or lost): each one is listed and the result is not ok.
    """
    every_anchor, checkpoints, refusal = _anchors(anchors)
    if refusal is not None:
        return refusal
    expected: dict[int, list[Anchor]] = {}
    for anchor in every_anchor:
        expected.setdefault(anchor.count, []).append(anchor)
    empty = _contradicted(expected.get(0, ()), GENESIS_HASH)
    if empty is not None:
        return VerifyResult(False, 0, GENESIS_HASH, None, "it names a head for an empty ledger", anchor=empty.label)
    previous = GENESIS_HASH
    count = 0
    problems: list[tuple[Any, str]] = []
    personal_problems: list[tuple[Any, str]] = []
    erased = 0
    records = Attestation.objects.select_related("personal_data").order_by("id")
    if evidence:
        records = records.select_related("evidence")
    for record in records.iterator(chunk_size=chunk_size):
        broken = _link_problem(record, previous)
        if broken:
            return VerifyResult(False, count, previous, record.pk, broken, tuple(problems))
        evidence_problem, personal_problem, was_erased = _problems_beside(record, evidence=evidence)
        if evidence_problem:
            problems.append((record.pk, evidence_problem))
        if personal_problem:
            personal_problems.append((record.pk, personal_problem))
        erased += was_erased
        contradicted = _contradicted(expected.get(count + 1, ()), record.hash)
        if contradicted is not None:
            reason = (
                f"it is record {count + 1} and {contradicted.label} says that record's hash is "
                f"{contradicted.head_hash}, not {record.hash}"
            )
            return VerifyResult(False, count, previous, record.pk, reason, tuple(problems), anchor=contradicted.label)
        previous = record.hash
        count += 1
    beyond = [anchor for anchor in every_anchor if anchor.count > count]
    if beyond:
        first = min(beyond, key=lambda anchor: anchor.count)
        return VerifyResult(
            False,
            count,
            previous,
            None,
            f"it covers {first.count} records but the ledger holds only {count}",
            tuple(problems),
            anchor=first.label,
        )
    return VerifyResult(
        not problems and not personal_problems,
        count,
        previous,
        evidence_problems=tuple(problems),
        checkpoints=checkpoints,
        anchors=len(every_anchor) - checkpoints,
        personal_problems=tuple(personal_problems),
        erased=erased,
    )
