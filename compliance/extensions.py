"""What the apps above compliance add to its dashboard, without compliance importing them.

The browser extension (an app above this one) shows what browsers reported on the officers'
dashboard: it registers a headline card here in its ``ready()``. With nothing registered, or a
function that answers None (nothing to show), the dashboard has no such card.
"""

from collections.abc import Callable
from typing import Any

DashboardCard = Callable[..., dict[str, Any] | None]
_cards: list[DashboardCard] = []


def provide_dashboard_card(function: DashboardCard) -> None:
    """Register ``function(today=...) -> card or None`` for the whole organization's dashboard
    (a card: title, value, detail, url, change, key; compliance/views/dashboard.py); once."""
    if function not in _cards:
        _cards.append(function)


def dashboard_cards(*, today: Any) -> list[dict[str, Any]]:
    """The registered cards that have something to show, in registration order."""
    return [card for card in (function(today=today) for function in _cards) if card is not None]
