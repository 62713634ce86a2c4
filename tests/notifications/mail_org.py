"""An organization that gets every kind of e-mail, with the catalog's real setting labels: the
mail content tests and the browser tests (tests/browser/test_email_digests.py) read the same."""

import datetime
from dataclasses import dataclass
from typing import Any

from attestations.models import Obligation, ObligationStatus
from compliance.models import ComplianceReport
from governance.roles import Role
from tests.clock import noon_on
from tests.factories import (
    EmployeeFactory,
    ObligationFactory,
    PlatformSettingFactory,
    PolicyVersionFactory,
    RequiredSettingFactory,
    ToolRuleFactory,
    failing_answer,
    report_in_state,
)

ORGANIZATION = "Northwind Health Ltd"

# Tool -> its required settings (exact UI label, key, required value), as the built-in catalog has them.
TOOLS = {
    "ChatGPT": [("Improve the model for everyone", "improve-model", "off")],
    "Claude": [
        ("Help improve Claude", "help-improve", "off"),
        ("Do not rate replies with thumbs up or down in work chats", "no-feedback-ratings", "followed"),
    ],
    "LinkedIn": [("Data for Generative AI Improvement", "genai-data", "off")],
    "Gemini Apps": [],  # nothing to switch: the person confirms how they use it
}


@dataclass
class MailOrg:
    today: datetime.date
    rules: dict[str, Any]
    employee: Any
    manager: Any
    officer: Any
    report: ComplianceReport


def build(*, today: datetime.date, make_user: Any) -> MailOrg:
    version = PolicyVersionFactory(reminder_offsets=[-7, -1, 0], escalation_after_days=14)
    rules = {}
    for name, settings in TOOLS.items():
        rule = ToolRuleFactory(version=version, platform__name=name, no_settings_needed=not settings)
        for label, key, value in settings:
            practice = value == "followed"  # a behaviour the person confirms (ControlType.PRACTICE)
            extra = {"control_type": "practice", "values": ["followed", "not followed"]} if practice else {}
            RequiredSettingFactory(
                rule=rule,
                setting=PlatformSettingFactory(platform=rule.platform, label=label, key=key, safe_value=value, **extra),
                required_value=value,
            )
        rules[name] = rule
    manager = EmployeeFactory(
        full_name="Dana Okonkwo-Lindqvist", email="dana.okonkwo-lindqvist@northwind-health.example"
    )
    employee = EmployeeFactory(
        full_name="Alexandra Konstantinopoulou",
        email="alexandra.konstantinopoulou@northwind-health.example",
        manager=manager,
    )
    colleague = EmployeeFactory(full_name="Sam Lee", manager=manager)

    def due(rule: str, days: int, person: Any = employee, status: str = ObligationStatus.PENDING) -> None:
        ObligationFactory(
            employee=person, rule=rules[rule], status=status, due_on=today + datetime.timedelta(days=days)
        )

    due("ChatGPT", -20, status=ObligationStatus.NONCOMPLIANT)  # overdue past the escalation delay
    _answered_noncompliant(employee.obligations.get(rule=rules["ChatGPT"]), at=noon_on(today))
    due("LinkedIn", -16)
    due("Claude", 0)
    due("Gemini Apps", 7)
    due("Claude", -30, person=colleague)
    done = EmployeeFactory(full_name="Jo Park")
    due("ChatGPT", 60, person=done, status=ObligationStatus.COMPLIANT)
    due("Claude", 60, person=done, status=ObligationStatus.COMPLIANT)
    officer = make_user(Role.COMPLIANCE_OFFICER, full_name="Priya Raman")
    report = report_in_state(
        ComplianceReport.Status.DONE,
        title="Weekly compliance report",
        trigger=ComplianceReport.Trigger.SCHEDULE,
        as_of=noon_on(today),
        summary={"overall": {"satisfied": 41, "total": 48, "rate": 85.4}},
    )
    return MailOrg(today=today, rules=rules, employee=employee, manager=manager, officer=officer, report=report)


def _answered_noncompliant(obligation: Obligation, *, at: datetime.datetime) -> None:
    """The person's last answer left the required setting on: a failing setting for the officers."""
    (required,) = obligation.rule.required_settings.select_related("setting")
    failing_answer(obligation, required.setting, at=at, required_value=required.required_value)
