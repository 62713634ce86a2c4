"""Domain events other parts react to (outbound webhooks, notifications).

Send them after the transaction commits (``transaction.on_commit``) so listeners never see
state that was rolled back.
"""

from contextlib import contextmanager

from django.db import transaction
from django.dispatch import Signal

# An employee's overall compliance flipped. Arguments: employee (Employee), compliant (bool).
# "Compliant" means: every open obligation of the employee is satisfied.
employee_compliance_changed = Signal()

# A compliance report finished building. Arguments: report (ComplianceReport).
report_ready = Signal()


@contextmanager
def compliance_change_watch(employee):
    """Wrap a change to one employee's obligations; when it flips their overall compliance,
    send ``employee_compliance_changed`` once the transaction commits."""
    from governance.selectors.compliance import employee_fully_compliant

    before = employee_fully_compliant(employee.pk)
    yield
    after = employee_fully_compliant(employee.pk)
    if after != before:
        transaction.on_commit(
            lambda: employee_compliance_changed.send(sender=type(employee), employee=employee, compliant=after)
        )
