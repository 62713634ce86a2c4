"""The one clock in tests: dates that matter are passed in or frozen with time-machine.

A module that pins a ``TODAY`` sets ``NOW = noon_on(TODAY)``, freezes the clock there for every
test (``pytest.mark.time_machine(NOW, tick=True)``: the clock runs on from there, so timeouts
still pass, while "today" stays ``TODAY``) and passes ``TODAY`` / ``NOW`` down where it reads
the clock itself."""

import datetime
import zoneinfo


def noon_on(day):
    """Noon on ``day`` in settings.TIME_ZONE, as an aware datetime (a safe instant to freeze at:
    the same date in the organization's zone whatever the zone)."""
    from django.conf import settings

    return datetime.datetime.combine(day, datetime.time(12), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
