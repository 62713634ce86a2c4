"""The governance app's signal receivers, connected in GovernanceConfig.ready().

Senders declare their signals (platforms.signals, governance.events); this module is the one
place that says who listens, so no model module imports a service and no other app's
``ready()`` has to import ours for a receiver to exist.
"""

from typing import Any

from governance.events import employee_compliance_changed, report_ready
from governance.services.obligations import reopen_for_setting
from governance.services.webhooks import on_employee_compliance_changed, on_report_ready
from platforms.signals import setting_revised


def reopen_on_setting_revision(
    sender: Any, setting: Any, old_revision: int, new_revision: int, actor: Any = None, **kwargs: Any
) -> None:
    """A catalog setting's meaningful revision re-opens the obligations that require it."""
    if new_revision > old_revision:
        reopen_for_setting(setting=setting, actor=actor)


def deliver_compliance_change(sender: Any, employee: Any, compliant: bool, **kwargs: Any) -> None:
    """employee.compliant / employee.noncompliant webhooks."""
    on_employee_compliance_changed(employee=employee, compliant=compliant)


def deliver_report_ready(sender: Any, report: Any, **kwargs: Any) -> None:
    """report.ready webhooks."""
    on_report_ready(report=report)


def connect() -> None:
    setting_revised.connect(reopen_on_setting_revision, dispatch_uid="governance.reopen_on_setting_revision")
    employee_compliance_changed.connect(deliver_compliance_change, dispatch_uid="webhooks.employee_compliance_changed")
    report_ready.connect(deliver_report_ready, dispatch_uid="webhooks.report_ready")
