"""How many people a change of a setting's meaning would re-open: asked before the change.

The catalog cannot read obligations (they live in an app above it), so the app that owns them
registers a counter here in its AppConfig.ready(), as it connects to ``setting_revised``; the
catalog's edit pages and the Django admin ask ``revision_impact`` and show the figure.
"""

from collections.abc import Callable
from dataclasses import dataclass

from platforms.models import PlatformSetting


@dataclass(frozen=True)
class RevisionImpact:
    """What a meaningful revision of one setting re-opens, as of now."""

    obligations: int = 0  # attestations (one per person and policy rule) that would be due again
    people: int = 0
    compliant: int = 0  # of those obligations, how many are compliant today

    def __add__(self, other: "RevisionImpact") -> "RevisionImpact":
        return RevisionImpact(
            self.obligations + other.obligations, self.people + other.people, self.compliant + other.compliant
        )


ImpactCounter = Callable[[PlatformSetting], RevisionImpact]
_counters: list[ImpactCounter] = []


def register(counter: ImpactCounter) -> None:
    """Add a counter (idempotent: registering the same function twice counts it once)."""
    if counter not in _counters:
        _counters.append(counter)


def revision_impact(setting: PlatformSetting) -> RevisionImpact:
    """The sum of what every registered counter says a meaningful revision of ``setting`` re-opens."""
    total = RevisionImpact()
    for counter in _counters:
        total = total + counter(setting)
    return total
