"""What the compliance app tells the apps above it (notifications mail officers, integrations
send webhooks)."""

from django.dispatch import Signal

# A compliance report finished building. Arguments: report (ComplianceReport).
report_ready = Signal()
