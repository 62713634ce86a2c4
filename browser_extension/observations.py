"""The service behind "Attest what the browser sees": an attestation the browser extension made
from the state its probes read on the tool's own settings page.

It goes through the attestation service like a typed one (same validation, same ledger, same
obligation update, same audit event); what differs is in the record itself: each answer carries
``source: "extension"`` and the probe revision it was read with, inside the hashed content, and
the statement says the browser read it. It is refused, with a ``code`` the extension can act
on, whenever the extension could be wrong about what it read: a setting revised (or its probe
changed) since the status it worked from, a setting it does not know, a required setting it
did not read, a tool with nothing due, or an obligation that is not this person's.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from attestations.models import Obligation, ObligationStatus
from attestations.services import attest
from people.models import Employee
from platforms.models import PlatformSetting

DUE_STATUSES = (ObligationStatus.PENDING, ObligationStatus.NONCOMPLIANT)


class ObservationRefused(Exception):
    """Nothing was recorded; ``code`` says why in a word, ``message`` in a sentence, ``status`` as HTTP."""

    def __init__(self, message: str, code: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Observed:
    """One answer as the extension read it: the catalog setting's key, the catalog value its probe's
    states mapped the page's state to, and the revisions of the setting and its probe it used."""

    setting: str
    value: str
    revision: int
    probe_revision: int


def _obligation(employee: Employee, tool: str, obligation_id: int | None) -> Obligation:
    """The person's open obligation for ``tool`` (the one named, when the extension names one)."""
    found = (
        Obligation.objects.open()
        .filter(platform__slug=tool)
        .select_related("platform", "policy_version__policy", "rule", "employee")
        .order_by("due_on", "id")
    )
    if obligation_id is not None:
        found = found.filter(pk=obligation_id)
    obligation = found.filter(employee=employee).first()
    if obligation is None:
        if obligation_id is not None and found.exists():
            raise ObservationRefused("That obligation is not yours.", "not_your_obligation", 403)
        raise ObservationRefused(f"Nothing is due for you on the tool '{tool}'.", "nothing_due", 404)
    if obligation.status not in DUE_STATUSES:
        raise ObservationRefused(
            f"Nothing is due for you on {obligation.platform.name}: your attestation is current.", "nothing_due", 409
        )
    return obligation


def _checked_answers(obligation: Obligation, observed: list[Observed]) -> tuple[dict[int, str], dict[int, int]]:
    """(setting id -> value, setting id -> probe revision) once every check passes."""
    settings = {s.key: s for s in PlatformSetting.objects.filter(platform_id=obligation.platform_id)}
    required = {r.setting_id: r for r in obligation.rule.required_settings.all()}
    answers: dict[int, str] = {}
    revisions: dict[int, int] = {}
    for answer in observed:
        setting = settings.get(answer.setting)
        if setting is None:
            raise ObservationRefused(
                f"{obligation.platform.name} has no setting '{answer.setting}' in the catalog.", "unknown_setting"
            )
        if setting.pk not in required:
            raise ObservationRefused(f"Your policy does not ask about “{setting.label}”.", "not_required")
        if setting.pk in answers:
            raise ObservationRefused(f"“{setting.label}” is answered twice.", "duplicate_setting")
        if not setting.probe:
            raise ObservationRefused(f"The extension cannot read “{setting.label}”.", "no_probe")
        if answer.revision != setting.revision or answer.probe_revision != setting.probe_revision:
            raise ObservationRefused(
                f"“{setting.label}” was revised in the catalog since your browser read it: reload the settings "
                "page, or attest on the site.",
                "stale_probe",
                409,
            )
        if answer.value not in (setting.values or []):
            raise ObservationRefused(f"“{setting.label}” cannot be {answer.value!r}.", "invalid_value")
        answers[setting.pk] = answer.value
        revisions[setting.pk] = setting.probe_revision
    missing = [r.setting.label for pk, r in required.items() if pk not in answers]
    if missing:
        raise ObservationRefused(
            "The browser did not read every setting your policy asks about ("
            + ", ".join(f"“{label}”" for label in sorted(missing))
            + "): attest on the site.",
            "incomplete",
        )
    return answers, revisions


def attest_observed(
    *,
    employee: Employee,
    tool: str,
    observed: list[Observed],
    obligation_id: int | None = None,
    request_meta: Mapping[str, Any] | None = None,
) -> Any:
    """Record the person's attestation of ``tool`` from what their browser read; returns the ledger
    record. Raises ObservationRefused (nothing stored) or the attestation service's errors."""
    obligation = _obligation(employee, tool, obligation_id)
    if obligation.rule.allowed_tiers:
        raise ObservationRefused(
            f"Your policy asks which {obligation.platform.name} account tier you use, which the browser cannot "
            "see: attest on the site.",
            "tier_required",
        )
    answers, revisions = _checked_answers(obligation, observed)
    return attest.submit_attestation(
        obligation=obligation,
        answers=answers,
        tool_used=True,
        statement=attest.observation_statement(obligation),
        signature=employee.full_name,
        actor=getattr(employee, "user", None),
        request_meta=dict(request_meta or {}),
        observed=revisions,
    )
