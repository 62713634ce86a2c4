"""Catalog freshness: entries not verified within CATALOG_STALE_AFTER_DAYS."""

import datetime
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q


def catalog_freshness(*, today: datetime.date) -> dict[str, Any]:
    """Every platform with whether it is stale and how many of its settings are, plus the
    totals (one query). Stale: not verified within settings.CATALOG_STALE_AFTER_DAYS.

    Same rule as platforms.selectors.stale_catalog_count() (its stale_q), read in the one
    query that also gives the platform list the dashboard's tool filter needs."""
    from platforms.models import Platform
    from platforms.selectors import stale_cutoff, stale_q

    limit = stale_cutoff(today)
    soon = limit + timedelta(days=30)
    rows = list(
        Platform.objects.annotate(
            stale_settings=Count("settings", filter=stale_q("settings__", today=today)),
            stale_soon_settings=Count(
                "settings", filter=Q(settings__last_verified_on__gte=limit, settings__last_verified_on__lt=soon)
            ),
        )
        .values("id", "name", "slug", "last_verified_on", "stale_settings", "stale_soon_settings")
        .order_by("name")
    )
    stale = stale_soon = 0
    for row in rows:
        verified = row["last_verified_on"]
        row["stale"] = verified is None or verified < limit
        stale += row["stale"] + row["stale_settings"]
        stale_soon += (verified is not None and limit <= verified < soon) + row["stale_soon_settings"]
    return {"platforms": rows, "stale": stale, "stale_within_30_days": stale_soon}


def stale_catalog_count(*, today: datetime.date) -> int:
    """Platforms plus settings not verified within CATALOG_STALE_AFTER_DAYS."""
    return catalog_freshness(today=today)["stale"]
