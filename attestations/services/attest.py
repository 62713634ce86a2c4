"""Attesting tools and acknowledging policy versions: validate, append to the ledger, update
the obligation, all in one transaction.

Decisions (documented in the feature's README section):
- The signature must be the employee's full name as HR knows it, compared without regard to
  case, accents and repeated spaces ("chloe  martin" signs for "Chloé Martin").
- Where a rule restricts account tiers, an employee who uses the tool must say which tier
  they use; a tier outside the allowed ones is recorded truthfully and makes the attestation
  non-compliant (refusing it would leave no honest way to answer).
- A non-compliant attestation keeps the obligation's due date: the employee still has to act
  (fix the setting or get an exception) and reminders keep going. Compliant and not-used ones
  are valid for the version's attestation interval and fall due again at its end.
"""

import datetime
import hashlib
import io
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from attestations import ledger
from attestations.models import AnswerSource, Attestation, Evidence, Obligation, ObligationStatus
from attestations.selectors.obligations import version_in_force, version_phrase
from attestations.signals import compliance_change_watch
from governance import audit, db
from governance.models import Job
from people.models import Employee
from platforms.models import Tier
from policies.models import PolicyVersion, RequiredSetting

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
# Decoding costs about 8 bytes a pixel (300 MB for 6,324 x 6,324 at Pillow's default limit of
# 89 million): 16 million covers a 5K screen (5,120 x 2,880) and a long scrolling capture.
EVIDENCE_MAX_PIXELS = 16_000_000
# Pillow format name -> (content type, file extension)
EVIDENCE_FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "WEBP": ("image/webp", "webp")}
# Pixel modes each format saves as is; others are converted first.
SAVE_MODES = {"PNG": ("RGB", "RGBA", "L", "LA", "P"), "JPEG": ("RGB", "L"), "WEBP": ("RGB", "RGBA")}
TIER_LABELS = dict(Tier.choices)


class DuplicateSubmission(ValidationError):
    """The form was already submitted (or the obligation changed since it was shown)."""

    def __init__(self, message: str, *, latest: Attestation | None = None) -> None:
        super().__init__(message)
        self.latest = latest


class VersionNoLongerCurrent(ValidationError):
    """The obligation's policy version was retired (or the obligation closed) meanwhile."""


class BusyTryAgain(ValidationError):
    """The obligation (or the ledger) stayed locked by a running job, e.g. a policy version
    being published, for longer than a person should wait: nothing was stored."""

    @classmethod
    def of(cls, obligation: Obligation) -> "BusyTryAgain":
        return cls(
            f"{obligation.platform.name}'s obligations are being updated right now (a policy change is being "
            "applied), so nothing was recorded yet. Your answers are kept below: submit again in a minute."
        )


# How long a signature waits for rows a job holds before the person is told to try again: its
# obligation's row briefly (another signature of theirs is done in well under that; a publish
# rewriting it holds it to its end, and a web worker must not wait for that), then the rest.
# While a job that rewrites obligations runs, a held obligation row is that job's: the person
# is told at once, without the wait (under load, 90 signatures on a publish's changed tools,
# each holding one of three web workers for the whole half second, slowed every page).
OBLIGATION_LOCK_WAIT_SECONDS = 0.5
LOCK_WAIT_SECONDS = 5


def obligations_being_rewritten() -> bool:
    """Whether a job that rewrites obligations is running (one indexed lookup)."""
    from attestations.jobs import REWRITING_OBLIGATIONS  # the jobs import this module's services

    return Job.objects.filter(status=Job.Status.RUNNING, kind__in=REWRITING_OBLIGATIONS).exists()


# --- Statements and state -------------------------------------------------------------------


def attestation_statement(obligation: Obligation) -> str:
    """The statement shown above the signature and stored in the record, naming the versions as
    every page does (``version_phrase``). The ledger hashes the statement as it was signed: a
    record made before this wording keeps its own ("... under <policy> version 2.")."""
    phrase = version_phrase(obligation.policy_version, version_in_force(obligation))
    return (
        f"I confirm that the answers above truthfully describe my use of {obligation.platform.name} "
        f"and its settings today, under {obligation.policy_version.policy.name} ({phrase})."
    )


def observation_statement(obligation: Obligation) -> str:
    """The statement of an attestation the browser extension made from what it read on the tool's
    own settings page: the person confirmed it there, in their paired browser."""
    phrase = version_phrase(obligation.policy_version, version_in_force(obligation))
    return (
        f"I confirm that the settings above are what my browser showed on {obligation.platform.name}'s settings "
        f"page today, read by the browser extension, under {obligation.policy_version.policy.name} ({phrase})."
    )


def acknowledgment_statement(version: PolicyVersion) -> str:
    return f"I have read {version.policy.name} version {version.number} ({version.title}) and will follow it."


def form_state(obligation: Obligation) -> str:
    """A token of the obligation's state when a form was shown; a submit carrying an older
    token is a double submit (or arrived after someone else's) and is refused."""
    return f"{obligation.pk}.{obligation.satisfied_by_id or 0}"


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())


def signature_matches(signature: str, full_name: str) -> bool:
    return bool(_plain(signature)) and _plain(signature) == _plain(full_name)


# --- Evidence -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str
    extension: str


def clean_screenshot(uploaded: UploadedFile) -> "CleanImage":
    """Check that ``uploaded`` is a PNG, JPEG or WebP image of at most 5 MB and re-encode it,
    which drops EXIF, XMP, text chunks and anything appended to the file. Raises ValidationError."""
    if (uploaded.size or 0) > EVIDENCE_MAX_BYTES:
        raise ValidationError({"evidence": "The screenshot is larger than 5 MB. Crop it or save it as JPEG."})
    try:
        uploaded.seek(0)
        with Image.open(uploaded) as probe:
            image_format = probe.format
            if image_format not in EVIDENCE_FORMATS:
                raise ValidationError({"evidence": "Upload a PNG, JPEG or WebP screenshot."})
            if probe.width * probe.height > EVIDENCE_MAX_PIXELS:
                raise ValidationError(
                    {
                        "evidence": f"The screenshot is {probe.width:,} x {probe.height:,} pixels; at most "
                        f"{EVIDENCE_MAX_PIXELS // 1_000_000} million are accepted. Crop or scale it down."
                    }
                )
            probe.verify()
        uploaded.seek(0)
        with Image.open(uploaded) as opened:
            opened.load()
            image: Image.Image = ImageOps.exif_transpose(opened)
            if image.mode not in SAVE_MODES[image_format]:
                image = image.convert("RGB" if image_format == "JPEG" else "RGBA")
            image.info = {}
            output = io.BytesIO()
            image.save(output, format=image_format)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(
            {"evidence": "This file is not a readable image. Upload a PNG, JPEG or WebP screenshot."}
        ) from error
    content_type, extension = EVIDENCE_FORMATS[image_format]
    return CleanImage(output.getvalue(), content_type, extension)


def _store_evidence(*, employee: Employee, image: "CleanImage") -> Evidence:
    evidence = Evidence(
        employee=employee,
        content_type=image.content_type,
        size=len(image.content),
        sha256=hashlib.sha256(image.content).hexdigest(),
    )
    evidence.file.save(f"{uuid.uuid4().hex}.{image.extension}", ContentFile(image.content), save=False)
    evidence.save()
    return evidence


# --- Attestation ----------------------------------------------------------------------------


def _validated(
    obligation: Obligation,
    answers: dict[int, str],
    tool_used: bool,
    tier: str,
    statement: str,
    signature: str,
    has_evidence: bool,
) -> list[RequiredSetting]:
    """The rule's required settings, once the submission is valid; else ValidationError naming
    everything that is wrong with it (field -> message)."""
    required = list(obligation.rule.required_settings.select_related("setting").order_by("setting__key"))
    errors = {}
    if tool_used not in (True, False):
        errors["tool_used"] = "Say whether you use this tool."
    if tool_used:
        for requirement in required:
            setting = requirement.setting
            value = answers.get(setting.pk)
            if value in (None, ""):
                errors[f"setting_{setting.pk}"] = f"Choose the current value of “{setting.label}”."
            elif value not in (setting.values or []):
                errors[f"setting_{setting.pk}"] = f"Choose one of: {', '.join(setting.values)}."
        if obligation.rule.allowed_tiers:
            if not tier:
                errors["tier"] = "Say which account tier you use."
            elif tier not in TIER_LABELS and tier not in obligation.rule.allowed_tiers:
                errors["tier"] = "Choose one of the listed account tiers."
    elif has_evidence:
        errors["evidence"] = (
            "Remove the screenshot, or choose that you use this tool: it is only kept for tools you use."
        )
    if not (statement or "").strip():
        errors["statement"] = "Confirm the statement."
    if not (signature or "").strip():
        errors["signature"] = "Type your full name to sign."
    elif not signature_matches(signature, obligation.employee.full_name):
        errors["signature"] = f"Type your full name exactly as it is on record: {obligation.employee.full_name}."
    if errors:
        raise ValidationError(errors)
    return required


def _lock_current(obligation: Obligation, *, nowait: bool = False) -> Obligation:
    locked = (
        Obligation.objects.select_for_update(of=("self",), nowait=nowait)
        .select_related("policy_version__policy", "rule", "platform", "employee")
        .filter(pk=obligation.pk)
        .first()
    )
    in_force = version_in_force(locked) if locked is not None and locked.closed_at is None else None
    if locked is None or in_force is None:
        raise VersionNoLongerCurrent(
            "The policy version behind this tool was replaced while you were answering, so nothing was recorded. "
            "Please check the tool again under the current policy."
        )
    locked.version_in_force = in_force
    return locked


def submit_attestation(
    *,
    obligation: Obligation,
    answers: Mapping[Any, str] | None,
    tool_used: bool,
    tier: str | None = "",
    evidence_file: UploadedFile | None = None,
    statement: str,
    signature: str,
    actor: Any,
    request_meta: dict[str, Any] | None = None,
    state: str | None = None,
    observed: Mapping[int, int] | None = None,
) -> Attestation:
    """Attest one obligation: validate, store evidence, append the ledger record, update the
    obligation, write the audit event, in one transaction. Returns the Attestation.

    ``answers``: setting id -> the employee's value; ``observed``: setting id -> probe revision of
    the answers the extension read; ``state``: ``form_state(obligation)`` when the form was shown (an
    older one is a duplicate: nothing stored). Raises ValidationError, DuplicateSubmission, VersionNoLongerCurrent.
    """
    request_meta = request_meta or {}
    answers = {int(key): value for key, value in (answers or {}).items()}
    tier = (tier or "").strip()
    required = _validated(obligation, answers, tool_used, tier, statement, signature, evidence_file is not None)
    image = clean_screenshot(evidence_file) if (tool_used and evidence_file is not None) else None

    stored_files = []
    try:
        with transaction.atomic():
            db.wait_for_locks_at_most(OBLIGATION_LOCK_WAIT_SECONDS)
            current = _lock_current(obligation, nowait=db.on_postgres() and obligations_being_rewritten())
            db.wait_for_locks_at_most(LOCK_WAIT_SECONDS)
            if state is not None and state != form_state(current):
                raise DuplicateSubmission(
                    "This form was already submitted; your answers are recorded once.", latest=current.satisfied_by
                )
            evidence = None
            if image is not None:
                evidence = _store_evidence(employee=current.employee, image=image)
                stored_files.append(evidence.file.name)
            record_answers = _recorded_answers(required, answers, observed or {}) if tool_used else []
            tier_ok = not (tool_used and current.rule.allowed_tiers) or tier in current.rule.allowed_tiers
            compliant = (not tool_used) or (tier_ok and all(answer["compliant"] for answer in record_answers))
            # The obligation and its counts (whose rows a job may hold) change before the
            # ledger's lock: no signature waits for a job while holding the lock all others need.
            attested_at = timezone.now()
            before = {"status": current.status, "due_on": current.due_on.isoformat()}
            with compliance_change_watch(current.employee):
                _apply_to_obligation(current, tool_used=bool(tool_used), compliant=compliant, at=attested_at)
            record = ledger.append_record(
                kind=Attestation.Kind.ATTESTATION,
                employee=current.employee,
                obligation=current,
                policy_version=current.version_in_force,
                platform=current.platform,
                answers=record_answers,
                compliant=compliant,
                tool_used=bool(tool_used),
                tier=tier if tool_used else "",
                evidence=evidence,
                statement=statement.strip(),
                signature=signature.strip(),
                **_client(request_meta),
            )
            _link_record(current, record)
            audit.record(
                actor=actor,
                action="attestation.submitted",
                obj=current,
                before=before,
                after={"status": current.status, "due_on": current.due_on.isoformat(), "record": record.pk},
            )
    except Exception as error:
        for name in stored_files:
            Evidence._meta.get_field("file").storage.delete(name)
        if isinstance(error, OperationalError) and db.is_lock_timeout(error):
            raise BusyTryAgain.of(obligation) from error
        raise
    return record


def _recorded_answers(
    required: list[RequiredSetting], answers: dict[int, str], observed: Mapping[int, int]
) -> list[dict[str, Any]]:
    """The answers as the ledger keeps them: each required setting as it read when attested, and
    for one the extension read, its source and the probe's revision (a typed one carries neither,
    as every record before the extension did)."""
    return [
        {
            **(
                {"source": AnswerSource.OBSERVED.value, "probe_revision": int(observed[requirement.setting.pk])}
                if requirement.setting.pk in observed
                else {}
            ),
            "setting": requirement.setting.key,
            "setting_id": requirement.setting.pk,
            "label": requirement.setting.label,
            "revision": requirement.setting.revision,
            "required": requirement.required_value,
            "value": answers[requirement.setting.pk],
            "compliant": answers[requirement.setting.pk] == requirement.required_value,
        }
        for requirement in required
    ]


def _client(request_meta: dict[str, Any]) -> dict[str, Any]:
    """The part of the request a record keeps: the address and the user agent."""
    return {"ip_address": request_meta.get("ip"), "user_agent": request_meta.get("user_agent", "")}


def _valid_until(obligation: Obligation, at: datetime.datetime) -> datetime.date:
    return timezone.localdate(at) + datetime.timedelta(days=obligation.version_in_force.attestation_interval_days)


def _link_record(obligation: Obligation, record: Attestation) -> None:
    """Under the ledger's lock: the obligation points at its record and takes the record's time
    (stamped under the lock, so that the chain's times only go forward), and the validity that
    day gives when the lock was taken after midnight. One small UPDATE."""
    changes: dict[str, Any] = {"satisfied_by": record, "last_attested_at": record.created_at}
    crossed_midnight = obligation.last_attested_at is not None and timezone.localdate(
        record.created_at
    ) != timezone.localdate(obligation.last_attested_at)
    if obligation.valid_until is not None and crossed_midnight:
        changes["valid_until"] = changes["due_on"] = _valid_until(obligation, record.created_at)
    Obligation.objects.filter(pk=obligation.pk).update(**changes)
    for name, value in changes.items():
        setattr(obligation, name, value)


def _apply_to_obligation(obligation: Obligation, *, tool_used: bool, compliant: bool, at: datetime.datetime) -> None:
    """The obligation's state after an attestation made about ``at`` (its record is linked after,
    :func:`_link_record`)."""
    if not tool_used:
        status = ObligationStatus.NOT_USED
    elif compliant:
        status = ObligationStatus.COMPLIANT
    else:
        status = ObligationStatus.NONCOMPLIANT
    obligation.status = status
    obligation.last_attested_at = at
    if status == ObligationStatus.NONCOMPLIANT:
        obligation.valid_until = None
    else:
        obligation.valid_until = _valid_until(obligation, at)
        obligation.due_on = obligation.valid_until
    obligation.save(update_fields=["status", "last_attested_at", "valid_until", "due_on"])


# --- Acknowledgment -------------------------------------------------------------------------


def acknowledge_policy(
    *, employee: Employee, version: PolicyVersion, actor: Any, request_meta: dict[str, Any] | None = None
) -> Attestation:
    """Record once that ``employee`` acknowledged the published ``version``; returns the
    record (the existing one when already acknowledged)."""
    request_meta = request_meta or {}
    if version.status != PolicyVersion.Status.PUBLISHED:
        raise VersionNoLongerCurrent("This policy version is no longer in force; read the current one.")
    existing = _acknowledgment(employee, version)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            record = ledger.append_record(
                kind=Attestation.Kind.ACKNOWLEDGMENT,
                employee=employee,
                policy_version=version,
                statement=acknowledgment_statement(version),
                signature=employee.full_name,
                ip_address=request_meta.get("ip"),
                user_agent=request_meta.get("user_agent", ""),
            )
            audit.record(
                actor=actor,
                action="policy.acknowledged",
                obj=version,
                after={"employee": employee.pk, "record": record.pk},
            )
    except IntegrityError:
        # A concurrent acknowledgment won the race (unique per employee and version).
        existing = _acknowledgment(employee, version)
        if existing is None:
            raise
        return existing
    return record


def _acknowledgment(employee: Employee, version: PolicyVersion) -> Attestation | None:
    return Attestation.objects.filter(
        kind=Attestation.Kind.ACKNOWLEDGMENT, employee=employee, policy_version=version
    ).first()
