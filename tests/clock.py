"""The one clock in tests: dates that matter are passed in or frozen with time-machine.

A module that pins a ``TODAY`` sets ``NOW = noon_on(TODAY)``, freezes the clock there for every
test (``pytest.mark.time_machine(NOW, tick=True)``: the clock runs on from there, so timeouts
still pass, while "today" stays ``TODAY``) and passes ``TODAY`` / ``NOW`` down where it reads
the clock itself."""

import datetime
import zoneinfo

import pytest

# Fixed-window budgets (django-ratelimit's, DRF's throttles) count the requests inside one window
# of the clock. A test that spends one holds the clock still, so that a window turning over
# between its requests cannot refill the budget halfway (it did, once: 401 where 429 was due).
HOLD_STILL = pytest.mark.time_machine(datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC), tick=False)


def noon_on(day):
    """Noon on ``day`` in settings.TIME_ZONE, as an aware datetime (a safe instant to freeze at:
    the same date in the organization's zone whatever the zone)."""
    from django.conf import settings

    return datetime.datetime.combine(day, datetime.time(12), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
