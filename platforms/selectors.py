"""Reads of the catalog. Pages, the API and dashboards call these, so figures agree."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from platforms.models import Platform, PlatformSetting, RevisionKind, SettingRevision


def stale_cutoff(today: date | None = None) -> date:
    """Entries last verified before this date (or never) are stale."""
    return (today or timezone.localdate()) - timedelta(days=settings.CATALOG_STALE_AFTER_DAYS)


def stale_q(prefix: str = "", today: date | None = None) -> Q:
    """A Q matching stale rows; ``prefix`` reaches a related entry (e.g. ``"settings__"``)."""
    return Q(**{f"{prefix}last_verified_on__isnull": True}) | Q(
        **{f"{prefix}last_verified_on__lt": stale_cutoff(today)}
    )


def catalog_platforms() -> QuerySet:
    """Every platform with the per-platform figures the catalog list shows, in one query."""
    return Platform.objects.annotate(
        setting_count=Count("settings", distinct=True),
        unverified_setting_count=Count("settings", filter=Q(settings__verified=False), distinct=True),
        stale_setting_count=Count("settings", filter=stale_q("settings__"), distinct=True),
    ).order_by("name")


def meaningful_revisions() -> QuerySet[SettingRevision]:
    """Revisions that asked people to check a setting again, newest first."""
    return SettingRevision.objects.filter(kind=RevisionKind.MEANINGFUL).order_by("-created_at", "-id")


def platform_with_settings(slug: str) -> Platform:
    """One platform and its settings, each with its meaningful revisions newest first as
    ``meaningful_revisions`` (three queries); raises Platform.DoesNotExist."""
    return Platform.objects.prefetch_related(
        Prefetch("settings", queryset=PlatformSetting.objects.order_by("key")),
        Prefetch("settings__revisions", queryset=meaningful_revisions(), to_attr="meaningful_revisions"),
    ).get(slug=slug)


@dataclass
class StaleCatalog:
    platforms: QuerySet
    settings: QuerySet

    @property
    def count(self) -> int:
        return self.platforms.count() + self.settings.count()


def stale_catalog_entries(today: date | None = None) -> StaleCatalog:
    """Platforms and settings not verified within CATALOG_STALE_AFTER_DAYS, oldest first."""
    return StaleCatalog(
        platforms=Platform.objects.filter(stale_q(today=today)).order_by("last_verified_on", "name"),
        settings=PlatformSetting.objects.filter(stale_q(today=today))
        .select_related("platform")
        .order_by("last_verified_on", "platform__name", "key"),
    )


def stale_catalog_count(today: date | None = None) -> int:
    """How many catalog entries (platforms plus settings) are stale: for dashboards."""
    return stale_catalog_entries(today).count
