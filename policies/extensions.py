"""What the apps above policies add to its pages, without policies importing them.

The policy editor shows how many open obligations a published version has, by status. Those
are the compliance dashboard's figures (compliance.selectors.version_obligation_counts), and
compliance sits above policies in the layering, so compliance registers its function here in
its ``ready()``. With nothing registered (policies used on its own), the pages show none.
"""

from collections.abc import Callable
from typing import Any

ObligationCounts = Callable[..., dict[str, int]]
_providers: dict[str, ObligationCounts] = {}


def provide_obligation_counts(function: ObligationCounts) -> None:
    """Register ``function(version=...) -> {status label: count}``; a later registration replaces it."""
    _providers["obligation_counts"] = function


def obligation_counts(*, version: Any) -> dict[str, int]:
    """Open obligations under ``version`` by status label, e.g. {"Pending": 120, "Not used": 11}."""
    provider = _providers.get("obligation_counts")
    return provider(version=version) if provider else {}
