"""System checks of the browser extension's settings (``manage.py check``, run at deploy)."""

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def signal_retention(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """EXTENSION_SIGNAL_RETENTION_DAYS keeps signals at least as long as officers can look back."""
    from browser_extension.services import signal_retention_days

    try:
        signal_retention_days()
    except ImproperlyConfigured as problem:
        return [checks.Error(str(problem), id="browser_extension.E001")]
    return []
