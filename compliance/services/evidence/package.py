"""The package's zip: members written one at a time, streaming, each with its SHA-256 and size."""

import hashlib
import json
import zipfile
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder

FORMAT = "ai-governance-evidence/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
CHAIN = "ledger/chain.jsonl"
RECORDS = "ledger/records.jsonl"
CHECKPOINTS = "ledger/checkpoints.json"


def json_bytes(data: Any) -> bytes:
    return (json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def json_line(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode() + b"\n"


class PackageWriter:
    """Writes members into the zip, streaming, and keeps each one's SHA-256 and size."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.zip = zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED)
        self.members: list[dict[str, Any]] = []

    def member(self, name: str) -> "MemberStream":
        return MemberStream(self, name)

    def write(self, name: str, data: bytes) -> None:
        with self.member(name) as stream:
            stream.write(data)

    def copy(self, name: str, source: IO[bytes]) -> str:
        with self.member(name) as stream:
            for block in iter(lambda: source.read(1 << 20), b""):
                stream.write(block)
        return str(self.members[-1]["sha256"])

    def __enter__(self) -> "PackageWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        """Close the zip (its central directory written), also after a failure, so that nothing
        is left half-open; a failed package is thrown away by its caller."""
        self.zip.close()


class MemberStream:
    """One member being written (a context manager): what goes through it is hashed and counted."""

    def __init__(self, writer: PackageWriter, name: str) -> None:
        self.writer, self.name = writer, name
        self.digest = hashlib.sha256()
        self.size = 0

    def __enter__(self) -> "MemberStream":
        self.handle = self.writer.zip.open(self.name, "w", force_zip64=True)
        return self

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)
        self.handle.write(data)

    def __exit__(self, *exc: Any) -> None:
        self.handle.close()
        self.writer.members.append({"name": self.name, "sha256": self.digest.hexdigest(), "size": self.size})
