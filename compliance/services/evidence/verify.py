"""Verify an evidence package with nothing but the package and a public key: no database, no
setting, no model (``verify_evidence``; an auditor can do the same by hand, the README says how).

In order: the manifest's Ed25519 signature (with the key given, else the package's own key, which
proves integrity but not origin); every member against the manifest (SHA-256 and size, none
missing, none extra); every checkpoint's signature; the ledger: each record's content hashes to
its hash, each record links to the one before it, each checkpoint within the chain names the hash
the chain has at its position, and the chain ends at a checkpoint's head; each evidence file has
the hash its record carries. The first problem found refuses the package, naming the member.
"""

import base64
import binascii
import datetime
import hashlib
import json
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from compliance.services.evidence.package import FORMAT, MANIFEST, SIGNATURE

GENESIS_HASH = "0" * 64  # what the ledger's first record links to (attestations.ledger.GENESIS_HASH)


class Refused(Exception):
    """The package does not verify; ``member`` names the part at fault."""

    def __init__(self, member: str, reason: str) -> None:
        super().__init__(f"{member}: {reason}")
        self.member, self.reason = member, reason


@dataclass
class Summary:
    members: int = 0
    records: int = 0
    chain_entries: int = 0
    checkpoints: int = 0
    evidence_files: int = 0
    reports: int = 0
    period: tuple[str, str] = ("", "")
    scope: str = ""
    kid: str = ""
    key_source: str = ""
    positions: tuple[int, int] | None = None
    head_hash: str = ""  # the hash of the last record the package's chain holds
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        span = f", positions {self.positions[0]} to {self.positions[1]}" if self.positions else ""
        return [
            f"OK: evidence package for {self.period[0]} to {self.period[1]} ({self.scope})",
            f"{counted(self.members, 'member')}, {counted(self.reports, 'report')}, "
            f"{counted(self.records, 'ledger record')} ({counted(self.chain_entries, 'chain entry', 'chain entries')}"
            f"{span}), {counted(self.checkpoints, 'signed checkpoint')}, {counted(self.evidence_files, 'evidence file')}",
            f"manifest signed by key {self.kid} ({self.key_source})",
            *self.notes,
        ]


def counted(number: int, singular: str, plural: str = "") -> str:
    """ "1 ledger record", "3 ledger records"."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class TrustedKey:
    key: Ed25519PublicKey
    x: str
    valid_from: datetime.datetime | None
    valid_until: datetime.datetime | None

    def valid_at(self, moment: datetime.datetime) -> bool:
        if self.valid_from is not None and moment < self.valid_from:
            return False
        return self.valid_until is None or moment < self.valid_until


def _moment(value: Any) -> datetime.datetime | None:
    if not value:
        return None
    parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _thumbprint(x: str) -> str:
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    return base64.urlsafe_b64encode(hashlib.sha256(members.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


def parse_keys(data: Any, *, source: str) -> dict[str, TrustedKey]:
    """{kid: key} from a JWK Set ({"keys": [...]}) or one JWK (OKP, Ed25519). The kid is always
    the key's own RFC 7638 thumbprint, whatever a "kid" member says."""
    entries = data.get("keys") if isinstance(data, dict) and "keys" in data else [data]
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{source} holds no JWK")
    keys = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
            raise ValueError(f"{source}: every key must be a JWK with kty OKP and crv Ed25519")
        x = str(entry.get("x") or "")
        try:
            key = Ed25519PublicKey.from_public_bytes(_b64url_decode(x))
            valid_from, valid_until = _moment(entry.get("valid_from")), _moment(entry.get("valid_until"))
        except (ValueError, binascii.Error) as exc:
            raise ValueError(f"{source}: a key's x or validity cannot be read ({exc})") from exc
        keys[_thumbprint(x)] = TrustedKey(key, x, valid_from, valid_until)
    return keys


def _verify_signature(keys: dict[str, TrustedKey], kid: str, signature: bytes, data: bytes, at: Any) -> str | None:
    key = keys.get(kid)
    if key is None:
        return f"its key {kid} is not among the trusted keys"
    moment = _moment(at)
    if moment is None or not key.valid_at(moment):
        return f"its key {kid} was not valid at {at}"
    try:
        key.key.verify(signature, data)
    except InvalidSignature:
        return f"its signature does not verify with key {kid}"
    return None


def _sha256_and_size(handle: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


def _read(package: zipfile.ZipFile, name: str) -> bytes:
    try:
        return package.read(name)
    except (zipfile.BadZipFile, zlib.error, OSError) as exc:
        raise Refused(name, f"its bytes in the zip are damaged ({exc})") from None


def _lines(package: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    with package.open(name) as handle:
        for line in handle:
            yield line[:-1] if line.endswith(b"\n") else line


def _safe_name(name: str) -> bool:
    return bool(name) and not name.startswith(("/", "\\")) and ".." not in name.split("/") and "\\" not in name


class _Verifier:
    def __init__(self, package: zipfile.ZipFile, trusted: dict[str, TrustedKey] | None) -> None:
        self.package, self.trusted = package, trusted
        self.summary = Summary()

    def run(self) -> Summary:
        manifest = self._manifest()
        self._members(manifest)
        checkpoints = self._checkpoints(manifest)
        self._chain(manifest, checkpoints)
        self.summary.reports = len(manifest.get("reports") or [])
        return self.summary

    def _manifest(self) -> dict[str, Any]:
        names = self.package.namelist()
        for name in names:
            if names.count(name) > 1:
                raise Refused(name, "the package holds it more than once")
            if not _safe_name(name):
                raise Refused(name, "its name is not a plain relative path")
        for name in (MANIFEST, SIGNATURE):
            if name not in names:
                raise Refused(name, "it is missing from the package")
        data, signature = _read(self.package, MANIFEST), _read(self.package, SIGNATURE)
        try:
            manifest = json.loads(data)
            kid, jwk = str(manifest["kid"]), manifest["signing_key"]
            own = parse_keys(jwk, source="the manifest's signing_key")
            package_keys = parse_keys({"keys": manifest.get("keys") or [jwk]}, source="the manifest's keys")
        except (ValueError, KeyError, TypeError) as exc:
            raise Refused(MANIFEST, f"it is not a readable manifest ({exc})") from None
        if manifest.get("format") != FORMAT:
            raise Refused(MANIFEST, f"its format is {manifest.get('format')!r}, not {FORMAT}")
        if self.trusted is None:
            keys = {**package_keys, **own}
            self.summary.key_source = "the package's own key: pass --key with the published key to check who signed"
        else:
            keys = self.trusted
            self.summary.key_source = "the key given"
            if kid in keys and kid in own and keys[kid].x != own[kid].x:
                raise Refused(MANIFEST, f"its signing_key is not the trusted key {kid}")
        problem = _verify_signature(keys, kid, signature, data, manifest.get("created_at"))
        if problem:
            raise Refused(f"{MANIFEST} or {SIGNATURE}", f"the manifest's signature does not stand: {problem}")
        self.keys = keys
        self.summary.kid = kid
        period = manifest.get("period") or {}
        self.summary.period = (str(period.get("from")), str(period.get("to")))
        self.summary.scope = str((manifest.get("scope") or {}).get("label") or "")
        return manifest

    def _members(self, manifest: dict[str, Any]) -> None:
        listed = {str(member["name"]): member for member in manifest.get("members") or []}
        present = set(self.package.namelist()) - {MANIFEST, SIGNATURE}
        for name in sorted(set(listed) - present):
            raise Refused(name, "the manifest lists it but the package does not hold it")
        for name in sorted(present - set(listed)):
            raise Refused(name, "the package holds it but the manifest does not list it")
        for name in sorted(listed):
            try:
                with self.package.open(name) as handle:
                    digest, size = _sha256_and_size(handle)
            except (zipfile.BadZipFile, zlib.error, OSError) as exc:
                raise Refused(name, f"its bytes in the zip are damaged ({exc})") from None
            if digest != listed[name]["sha256"]:
                raise Refused(name, f"its SHA-256 is {digest}, the manifest says {listed[name]['sha256']}")
            if size != listed[name]["size"]:
                raise Refused(name, f"it holds {size} bytes, the manifest says {listed[name]['size']}")
        self.summary.members = len(listed)

    def _checkpoints(self, manifest: dict[str, Any]) -> dict[int, tuple[str, str]]:
        """{count: (label, head hash)} of every checkpoint, each signature checked."""
        name = (manifest.get("ledger") or {}).get("checkpoints_member") or "ledger/checkpoints.json"
        try:
            entries = json.loads(self.package.read(name))
        except (KeyError, ValueError):
            raise Refused(name, "it is missing or not JSON") from None
        heads: dict[int, tuple[str, str]] = {}
        for entry in entries:
            label = f"checkpoint {entry.get('checkpoint')}"
            try:
                signed = str(entry["signed"]).encode("utf-8")
                content = json.loads(signed)
                signature = _b64url_decode(str(entry["signature"]))
                count, head, kid = int(content["count"]), str(content["head_hash"]), str(content["kid"])
            except (KeyError, ValueError, TypeError, binascii.Error):
                raise Refused(name, f"{label} cannot be read") from None
            problem = _verify_signature(self.keys, kid, signature, signed, content.get("created_at"))
            if problem:
                raise Refused(name, f"{label}: {problem}")
            if count in heads and heads[count][1] != head:
                raise Refused(name, f"{label} and {heads[count][0]} name two heads for record {count}")
            heads[count] = (label, head)
        self.summary.checkpoints = len(heads)
        return heads

    def _chain(self, manifest: dict[str, Any], heads: dict[int, tuple[str, str]]) -> None:
        part = manifest.get("ledger") or {}
        chain_name, records_name = part.get("chain") or "", part.get("records_member") or ""
        evidence = {int(entry["record"]): entry for entry in manifest.get("evidence_files") or []}
        contents = _lines(self.package, records_name)
        previous: str | None = None
        position = first = int(part.get("first_position") or 0)
        for line in _lines(self.package, chain_name):
            try:
                entry = json.loads(line)
                record, hash_, prev_hash = int(entry["record"]), str(entry["hash"]), str(entry["prev_hash"])
                at = int(entry["position"])
            except (KeyError, ValueError, TypeError):
                raise Refused(chain_name, f"the entry after position {position - 1} cannot be read") from None
            where = f"record {record} (position {at})"
            if at != position:
                raise Refused(chain_name, f"{where} is out of order: position {position} was expected")
            if previous is not None and prev_hash != previous:
                raise Refused(chain_name, f"{where}: its prev_hash is not the hash of the record before it")
            if position == 1 and prev_hash != GENESIS_HASH:
                raise Refused(chain_name, f"{where}: the first record of the ledger must link to the genesis hash")
            if entry.get("content"):
                content = self._content(next(contents, None), records_name, where, hash_, prev_hash)
                self.summary.records += 1
                if record in evidence:
                    carried = content.get("evidence_sha256", evidence[record].get("sha256"))
                    if not carried or carried != self._evidence_hash(evidence[record]):
                        raise Refused(str(evidence[record]["member"]), f"it is not the evidence file {where} carries")
            elif record in evidence:
                raise Refused(chain_name, f"{where} has an evidence file but no content")
            if position in heads and heads[position][1] != hash_:
                label = heads[position][0]
                raise Refused(chain_name, f"{where}: {label} says that record's hash is {heads[position][1]}")
            previous = hash_
            position += 1
        if next(contents, None) is not None:
            raise Refused(records_name, "it holds more records than the chain marks with content")
        self.summary.chain_entries = position - first
        if self.summary.chain_entries:
            self.summary.positions = (first, position - 1)
            self.summary.head_hash = previous or ""
            if heads.get(position - 1, ("", ""))[1] != previous:
                raise Refused(chain_name, f"it does not end at a signed checkpoint's head (position {position - 1})")
        self.summary.evidence_files = len(evidence)

    def _content(
        self, content: bytes | None, records_name: str, where: str, hash_: str, prev_hash: str
    ) -> dict[str, Any]:
        if content is None:
            raise Refused(records_name, f"the content of {where} is missing")
        if hashlib.sha256(content).hexdigest() != hash_:
            raise Refused(records_name, f"the content of {where} does not hash to its hash {hash_}")
        try:
            parsed = json.loads(content)
        except ValueError:
            raise Refused(records_name, f"the content of {where} is not JSON") from None
        if not isinstance(parsed, dict):
            raise Refused(records_name, f"the content of {where} is not a JSON object")
        if "prev_hash" in parsed and parsed["prev_hash"] != prev_hash:
            raise Refused(records_name, f"the content of {where} names another prev_hash")
        return parsed

    def _evidence_hash(self, entry: dict[str, Any]) -> str:
        with self.package.open(str(entry["member"])) as handle:
            return _sha256_and_size(handle)[0]


def verify_package(path: str, *, keys: dict[str, TrustedKey] | None = None) -> Summary:
    """Verify the package at ``path``; its summary, or ``Refused`` naming the member at fault.
    ``keys``: the trusted public keys (from ``parse_keys``); None trusts the package's own."""
    try:
        package = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise Refused(str(path), f"it is not a readable zip file ({exc})") from None
    with package:
        try:
            return _Verifier(package, keys).run()
        except (zipfile.BadZipFile, zlib.error, OSError) as exc:
            raise Refused(str(path), f"it cannot be read ({exc})") from None
