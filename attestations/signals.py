"""What the attestations app tells the apps above it (integrations' webhooks listen).

Send them after the transaction commits (``transaction.on_commit``) so listeners never see
state that was rolled back.
"""

from contextlib import contextmanager

from django.db import transaction
from django.dispatch import Signal

from attestations.models import OPEN_ACTION_STATUSES, Obligation

# An employee's overall compliance flipped. Arguments: employee (Employee), compliant (bool).
# "Compliant" means: every open obligation of the employee is satisfied.
employee_compliance_changed = Signal()

# A new ledger checkpoint was written (after commit). Arguments: checkpoint (LedgerCheckpoint).
ledger_checkpointed = Signal()


@contextmanager
def compliance_change_watch(employee):
    """Wrap a change to one employee's obligations; when it flips their overall compliance,
    send ``employee_compliance_changed`` once the transaction commits."""
    before = employee_fully_compliant(employee.pk)
    yield
    after = employee_fully_compliant(employee.pk)
    if after != before:
        transaction.on_commit(
            lambda: employee_compliance_changed.send(sender=type(employee), employee=employee, compliant=after)
        )


def employee_fully_compliant(employee_id):
    """Whether every open obligation of the employee is satisfied (one EXISTS query).

    The definition behind the ``employee.compliant`` / ``employee.noncompliant`` webhooks."""
    return not Obligation.objects.filter(
        employee_id=employee_id, closed_at__isnull=True, status__in=OPEN_ACTION_STATUSES
    ).exists()
