"""Signals the catalog sends. The policies feature listens to re-open affected obligations."""

from django.dispatch import Signal

# Sent after a PlatformSetting's revision went up (its label, steps, values or safe value
# changed), inside the transaction that changed it.
# Arguments: setting (PlatformSetting), old_revision (int), new_revision (int), actor (User or None).
setting_revised = Signal()
