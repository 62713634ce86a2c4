"""Domain events other parts react to (outbound webhooks, notifications).

Send them after the transaction commits (``transaction.on_commit``) so listeners never see
state that was rolled back.
"""

from django.dispatch import Signal

# An employee's overall compliance flipped. Arguments: employee (Employee), compliant (bool).
# "Compliant" means: every open obligation of the employee is satisfied.
employee_compliance_changed = Signal()

# A compliance report finished building. Arguments: report (ComplianceReport).
report_ready = Signal()
