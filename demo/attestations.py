"""Demo attestations: a realistic mix right after `make run`.

Runs after the policy demo has published the policy and created obligations; with no
obligations yet it does nothing. Idempotent: a person who already has a ledger record is left
alone, so a second run appends nothing. The mix:
- fully attested (compliant, one tool "not used"): most of the company;
- half done: the engineering manager and an SRE;
- overdue (nothing attested, due date passed): three people;
- non-compliant on one tool: Ben Brooks;
- an approved exception on one tool: Dev Kumar;
- employee@demo.example (Emma Employee): untouched, with the policy and every tool still to do.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from attestations.models import Obligation, ObligationStatus, PolicyException
from attestations.models.ledger import Attestation
from attestations.selectors.records import acknowledgments_needed
from attestations.services.attest import acknowledge_policy, attestation_statement, submit_attestation
from attestations.services.exceptions import approve_exception, request_exception
from governance.models import User
from people.models import Employee

WARNINGS = []
META = {"ip": "192.0.2.10", "user_agent": "Demo organization seed"}
FULLY_ATTESTED = [
    "ceo@demo.example",
    "admin@demo.example",
    "officer@demo.example",
    "lead.apps@demo.example",
    "priya.platform@demo.example",
    "sam.sales@demo.example",
    "chloe.cs@demo.example",
    "fatima.cs@demo.example",
    "felix.fin@demo.example",
    "hugo.legal@demo.example",
]
HALF_DONE = ["manager@demo.example", "noah.platform@demo.example"]
OVERDUE = {"sofia.apps@demo.example": 9, "ana.sales@demo.example": 4, "grace.fin@demo.example": 17}
NONCOMPLIANT = "ben.sales@demo.example"
EXCEPTED = "dev.cs@demo.example"
OFFICER = "officer@demo.example"


def _open_obligations(employee):
    return list(
        Obligation.objects.open()
        .filter(employee=employee)
        .select_related("rule", "platform", "policy_version__policy", "employee")
        .order_by("platform__name", "id")
    )


def _attest(obligation, *, used=True, compliant=True):
    """Attest through the real service; a rule the demo cannot answer is reported, not fatal."""
    try:
        return _submit(obligation, used=used, compliant=compliant)
    except ValidationError as error:
        WARNINGS.append(f"{obligation.employee.email} / {obligation.platform.name}: {' '.join(error.messages)}")
        return None


def _submit(obligation, *, used, compliant):
    requirements = list(obligation.rule.required_settings.select_related("setting"))
    answers = {}
    for requirement in requirements:
        values = requirement.setting.values or [requirement.required_value]
        wrong = next((value for value in values if value != requirement.required_value), requirement.required_value)
        answers[requirement.setting_id] = requirement.required_value if compliant else wrong
    allowed = obligation.rule.allowed_tiers or []
    return submit_attestation(
        obligation=obligation,
        answers=answers if used else {},
        tool_used=used,
        tier=allowed[0] if (used and allowed) else "",
        statement=attestation_statement(obligation),
        signature=obligation.employee.full_name,
        actor=obligation.employee.user,
        request_meta=META,
    )


def _acknowledge(employee):
    for version in acknowledgments_needed(employee=employee):
        acknowledge_policy(employee=employee, version=version, actor=employee.user, request_meta=META)


def _untouched(employee):
    return not Attestation.objects.filter(employee=employee).exists()


def seed(*, today, stdout):
    if not Obligation.objects.open().exists():
        stdout.write("  attestations: no obligations yet, nothing to attest")
        return
    people = {employee.email: employee for employee in Employee.objects.select_related("user")}
    counts = {"attested": 0, "acknowledged": 0, "overdue": 0, "exceptions": 0}

    with transaction.atomic():
        for email in FULLY_ATTESTED + HALF_DONE:
            employee = people.get(email)
            if employee is None or not _untouched(employee):
                continue
            obligations = _open_obligations(employee)
            if not obligations:
                continue
            _acknowledge(employee)
            counts["acknowledged"] += 1
            todo = obligations if email in FULLY_ATTESTED else obligations[: len(obligations) // 2]
            for index, obligation in enumerate(todo):
                # The last tool of fully attested people is one they do not use.
                counts["attested"] += (
                    _attest(obligation, used=not (email in FULLY_ATTESTED and index == len(todo) - 1 and len(todo) > 1))
                    is not None
                )

        ben = people.get(NONCOMPLIANT)
        if ben is not None and _untouched(ben):
            obligations = _open_obligations(ben)
            if obligations:
                _acknowledge(ben)
                with_settings = [o for o in obligations if o.rule.required_settings.exists()] or obligations
                for obligation in obligations:
                    counts["attested"] += _attest(obligation, compliant=obligation != with_settings[0]) is not None

        dev = people.get(EXCEPTED)
        officer = User.objects.filter(email=OFFICER).first()
        if dev is not None and officer is not None and not PolicyException.objects.filter(employee=dev).exists():
            obligations = _open_obligations(dev)
            if obligations:
                _acknowledge(dev)
                excepted, *rest = obligations
                for obligation in rest:
                    counts["attested"] += _attest(obligation) is not None
                exception = request_exception(
                    employee=dev,
                    obligation=excepted,
                    reason="A customer project requires this tool; the business tier is being purchased.",
                    requested_days=60,
                    actor=dev.user,
                )
                approve_exception(
                    exception=exception,
                    expires_on=today + datetime.timedelta(days=60),
                    actor=officer,
                    note="Approved until the business tier is in place.",
                )
                counts["exceptions"] += 1

        for email, days in OVERDUE.items():
            employee = people.get(email)
            if employee is None or not _untouched(employee):
                continue
            due = today - datetime.timedelta(days=days)
            counts["overdue"] += (
                Obligation.objects.open()
                .filter(employee=employee, status=ObligationStatus.PENDING)
                .exclude(due_on=due)
                .update(due_on=due)
            )

    for warning in WARNINGS:
        stdout.write(f"  attestations: skipped {warning}")
    WARNINGS.clear()
    stdout.write(
        f"  attestations: {counts['attested']} tools attested, {counts['acknowledged']} acknowledgments, "
        f"{counts['overdue']} obligations made overdue, {counts['exceptions']} exception"
    )
