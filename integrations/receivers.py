"""The outbound webhooks the apps below send events for."""

from typing import Any

from integrations.webhooks import on_employee_compliance_changed, on_ledger_checkpoint, on_report_ready


def deliver_compliance_change(sender: Any, employee: Any, compliant: bool, **kwargs: Any) -> None:
    """employee.compliant / employee.noncompliant webhooks."""
    on_employee_compliance_changed(employee=employee, compliant=compliant)


def deliver_report_ready(sender: Any, report: Any, **kwargs: Any) -> None:
    """report.ready webhooks."""
    on_report_ready(report=report)


def deliver_ledger_checkpoint(sender: Any, checkpoint: Any, **kwargs: Any) -> None:
    """ledger.checkpoint webhooks."""
    on_ledger_checkpoint(checkpoint=checkpoint)


def connect() -> None:
    from attestations.signals import employee_compliance_changed, ledger_checkpointed
    from compliance.signals import report_ready

    employee_compliance_changed.connect(deliver_compliance_change, dispatch_uid="webhooks.employee_compliance_changed")
    report_ready.connect(deliver_report_ready, dispatch_uid="webhooks.report_ready")
    ledger_checkpointed.connect(deliver_ledger_checkpoint, dispatch_uid="webhooks.ledger_checkpointed")
