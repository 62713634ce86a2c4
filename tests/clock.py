"""The one clock in tests: dates that matter are passed in or frozen with time-machine."""

import datetime
import zoneinfo


def noon_on(day):
    """Noon on ``day`` in settings.TIME_ZONE, as an aware datetime (a safe instant to freeze at:
    the same date in the organization's zone whatever the zone)."""
    from django.conf import settings

    return datetime.datetime.combine(day, datetime.time(12), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def frozen_on(day):
    """A pytest mark putting the clock (time-machine) at noon, in settings.TIME_ZONE, on ``day``
    for every test it marks; the clock runs on from there, so timeouts still pass, while "today"
    stays ``day``. Use it wherever a module pins a TODAY."""
    import pytest

    return pytest.mark.time_machine(noon_on(day), tick=True)
