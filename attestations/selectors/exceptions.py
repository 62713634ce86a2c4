"""What an officer deciding an exception request reads about it."""

from dataclasses import dataclass

from attestations.models import Attestation, AttestationAnswer, PolicyException
from platforms.models import ControlType
from policies.models import RequiredSetting


@dataclass(frozen=True)
class SettingAtIssue:
    """A required setting behind an exception request: what the rule asks and what was answered."""

    label: str
    required_value: str
    answer: str | None  # None: not attested yet
    is_practice: bool


def settings_at_issue(*, exception: PolicyException) -> tuple[bool, list[SettingAtIssue]]:
    """Which settings an exception request is about, for the officer deciding it.

    Returns (attested, settings): after an attestation on the exception's obligation, the
    answers of its latest one that missed the required value; before any, every setting the
    rule requires (nothing answered yet). Two queries.
    """
    latest = (
        Attestation.objects.filter(obligation_id=exception.obligation_id).order_by("-created_at").first()
        if exception.obligation_id
        else None
    )
    if latest is not None:
        answers = AttestationAnswer.objects.filter(attestation=latest, compliant=False).select_related("setting")
        return True, [
            SettingAtIssue(
                label=a.setting.label,
                required_value=a.required_value,
                answer=a.value,
                is_practice=a.setting.control_type == ControlType.PRACTICE,
            )
            for a in answers.order_by("setting__key")
        ]
    required = RequiredSetting.objects.filter(rule_id=exception.rule_id).select_related("setting")
    return False, [
        SettingAtIssue(
            label=r.setting.label,
            required_value=r.required_value,
            answer=None,
            is_practice=r.setting.control_type == ControlType.PRACTICE,
        )
        for r in required.order_by("setting__key")
    ]
