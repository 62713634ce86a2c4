"""Evidence packages for auditors: one signed zip for a period and a scope that verifies
without this product (``compliance.services.evidence.verify``; the README says how by hand).

The package holds the scope's compliance report (PDF and CSV, from the report builder), the
policy versions in force in the period with their rules, the catalog entries and setting
revisions those rules required, the ledger records of the period (each record's canonical
content exactly as its hash covers it, from ``attestations.ledger.canonical_bytes``), the
signed checkpoints that cover them, the evidence files of those records, and ``manifest.json``:
every member with its SHA-256 and size, the public keys, signed with the ledger's Ed25519 key
(``manifest.json.sig``, the 64 raw signature bytes).

The ledger part is a contiguous stretch of the chain, ``ledger/chain.jsonl``: one line per record
from the first record of the period up to the position of the first checkpoint at or after the
period's last record, so that every exported record is linked, by prev_hash, to a signed head.
Records outside the scope (another department) or after the period appear in it as links only
(position, hash, prev_hash); the records in scope have their content, one line each and in the
same order, in ``ledger/records.jsonl``: the SHA-256 of each such line is the record's hash.

The build is a job (``compliance.jobs``), run in one REPEATABLE READ transaction so that every
member describes the same moment; the package is kept in the private storage and named in the
job's result, whence the reports page and ``export_evidence`` take it.
"""

import datetime
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.urls import reverse
from django.utils import timezone

from attestations.models import LedgerCheckpoint
from attestations.services.checkpoints import checkpoint_ledger
from compliance.models import ComplianceReport
from compliance.services.evidence.chain import LedgerPart, checkpoint_entries, write_evidence, write_ledger
from compliance.services.evidence.contents import (
    add_reports,
    catalog_data,
    choose_reports,
    policies_data,
    versions_in_force,
)
from compliance.services.evidence.package import (
    CHAIN,
    CHECKPOINTS,
    FORMAT,
    MANIFEST,
    RECORDS,
    SIGNATURE,
    PackageWriter,
    json_bytes,
)
from compliance.services.evidence.request import EvidenceRequest, parse_request, request_from_params
from governance import db, jobs, signing
from governance.models import Job
from governance.storage import private_storage

__all__ = ["EXPORT_EVIDENCE", "EvidenceRequest", "export_in_job", "package_file", "parse_request", "start_export"]

logger = logging.getLogger(__name__)

EXPORT_EVIDENCE = "compliance.evidence"  # the job kind (registered in compliance.jobs)


def start_export(request: EvidenceRequest, *, actor: Any = None) -> tuple[Job, bool]:
    """Queue the package's job (or find the active one for the same request); (job, created).
    The finished job's page links to the download."""
    job, created = jobs.start(
        kind=EXPORT_EVIDENCE,
        key=request.key,
        title=f"Evidence package · {request.scope_label} · {request.start} to {request.end}"[:300],
        params=request.params(),
        actor=actor,
        return_label="Download the evidence package",
    )
    if created:
        job.return_url = reverse("reports:evidence-download", args=[job.pk])
        Job.objects.filter(pk=job.pk).update(return_url=job.return_url)
    return job, created


def package_file(job: Job) -> Any:
    """The finished package of a done evidence job, opened for reading from the private storage."""
    return private_storage().open(job.result["file"], "rb")


def _manifest(
    request: EvidenceRequest,
    *,
    now: datetime.datetime,
    report_entries: list[dict[str, Any]],
    part: LedgerPart,
    covering: list[LedgerCheckpoint],
    evidence: list[dict[str, Any]],
    members: list[dict[str, Any]],
    signer: signing.PublicKey,
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "created_at": now.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
        "period": {
            "from": request.start,
            "to": request.end,
            "time_zone": timezone.get_current_timezone_name(),
            "starts_at": request.starts_at,
            "ends_before": request.ends_before,
        },
        "scope": {
            "label": request.scope_label,
            "departments": [{"id": d.pk, "code": d.code, "name": d.name} for d in request.departments],
        },
        "reports": report_entries,
        "ledger": {
            "chain": CHAIN,
            "records_member": RECORDS,
            "checkpoints_member": CHECKPOINTS,
            "first_position": part.first_position or None,
            "last_position": part.last_position or None,
            "records": part.records,
            "chain_entries": part.entries,
            "anchor_checkpoint": part.anchor.pk if part.anchor else None,
            "checkpoints": len(covering),
            "hash": "sha256 over each line of records.jsonl (the record's canonical JSON, without the newline)",
        },
        "evidence_files": evidence,
        "members": sorted(members, key=lambda member: member["name"]),
        "signature": {"member": SIGNATURE, "alg": "EdDSA", "crv": "Ed25519", "over": MANIFEST},
        "signing_key": signer.jwk(),
        "keys": signing.jwks()["keys"],
    }


def write_package(
    handle: IO[bytes], *, request: EvidenceRequest, job: Job, progress: Callable[..., None], built: list[int]
) -> dict[str, Any]:
    """Write the whole package into ``handle`` (a zip); returns its manifest. Run it inside one
    transaction opened as a snapshot. ``built``: filled with the reports built for it."""
    now = timezone.now()
    chosen = choose_reports(request, job=job, progress=progress, built=built)
    checkpoint_ledger(now=now)  # the head is signed, so every record of the period is covered
    with PackageWriter(handle) as writer:
        return _write_members(writer, request=request, now=now, chosen=chosen, built=built, progress=progress)


def _write_members(
    writer: PackageWriter,
    *,
    request: EvidenceRequest,
    now: datetime.datetime,
    chosen: list[ComplianceReport],
    built: list[int],
    progress: Callable[..., None],
) -> dict[str, Any]:
    progress(40, step="Copying the reports")
    report_entries = add_reports(writer, chosen, built)
    progress(45, step="Writing the policy versions and the catalog")
    versions = versions_in_force(request)
    writer.write("policies/versions.json", json_bytes(policies_data(versions)))
    catalog = catalog_data(versions, request)
    writer.write("catalog/platforms.json", json_bytes(catalog["platforms"]))
    writer.write("catalog/settings.json", json_bytes(catalog["settings"]))
    writer.write("catalog/setting_revisions.json", json_bytes(catalog["setting_revisions"]))
    progress(50, step="Writing the ledger records")
    part, covering = write_ledger(writer, request, progress=progress)
    writer.write(CHECKPOINTS, json_bytes(checkpoint_entries(covering)))
    progress(85, step="Copying the evidence files")
    evidence = write_evidence(writer, request, part)
    progress(95, step="Signing the manifest")
    signer = signing.current_public_key()
    manifest = _manifest(
        request,
        now=now,
        report_entries=report_entries,
        part=part,
        covering=covering,
        evidence=evidence,
        members=writer.members,
        signer=signer,
    )
    content: dict[str, bytes] = {}

    def signed_bytes(kid: str) -> bytes:
        if kid != signer.kid:
            raise ValidationError("The signing key changed while the package was written; ask for it again.")
        manifest["kid"] = kid
        content["manifest"] = json_bytes(manifest)
        return content["manifest"]

    _, signature = signing.sign(signed_bytes)
    writer.zip.writestr(MANIFEST, content["manifest"])
    writer.zip.writestr(SIGNATURE, signing.b64url_decode(signature))
    return manifest


def export_in_job(*, job: Job, progress: Callable[..., None]) -> dict[str, Any]:
    """The job's work, in its one transaction: write the package and keep it in the private
    storage; returns what the job's result records (file name, SHA-256, size, counts). On any
    failure no file is kept (the reports built for it go with the rolled-back transaction)."""
    db.snapshot_this_transaction()  # before any read: every member describes the same moment
    request = request_from_params(job.params)
    built: list[int] = []
    storage = private_storage()
    saved: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="evidence-") as workdir:
            path = os.path.join(workdir, "package.zip")
            with open(path, "wb") as handle:
                manifest = write_package(handle, request=request, job=job, progress=progress, built=built)
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            stamp = timezone.localtime().strftime("%Y/%m")
            with open(path, "rb") as handle:
                name = storage.save(f"evidence-packages/{stamp}/{file_name(job, request)}", File(handle))
            saved.append(name)
            size = os.path.getsize(path)
    except BaseException:
        for name in saved:
            storage.delete(name)
        try:
            for report in ComplianceReport.objects.filter(pk__in=built):
                for field in (report.csv_file, report.pdf_file):
                    if field:
                        storage.delete(field.name)
        except Exception:  # the transaction may be broken already; the error that matters is the first
            logger.exception("The files of the reports built for evidence job %s could not be removed", job.pk)
        raise
    return {
        "file": name,
        "file_name": file_name(job, request),
        "sha256": digest.hexdigest(),
        "size": size,
        "members": len(manifest["members"]),
        "records": manifest["ledger"]["records"],
        "checkpoints": manifest["ledger"]["checkpoints"],
        "reports": [entry["report"] for entry in manifest["reports"]],
        "built_reports": built,
    }


def file_name(job: Job, request: EvidenceRequest) -> str:
    return f"evidence-{job.pk}-{request.start}-to-{request.end}.zip"
