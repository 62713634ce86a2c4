"""Staleness selectors that dashboards use."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from platforms.selectors import catalog_platforms, stale_catalog_count, stale_catalog_entries
from tests.factories import PlatformFactory, PlatformSettingFactory

pytestmark = pytest.mark.django_db


def days_ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


@override_settings(CATALOG_STALE_AFTER_DAYS=180)
def test_stale_entries_are_those_older_than_the_configured_age_or_never_verified():
    fresh = PlatformFactory(last_verified_on=days_ago(180))
    old = PlatformFactory(last_verified_on=days_ago(181))
    never = PlatformFactory(last_verified_on=None)
    PlatformSettingFactory(platform=fresh, last_verified_on=days_ago(10))
    old_setting = PlatformSettingFactory(platform=fresh, last_verified_on=days_ago(400))

    stale = stale_catalog_entries()

    assert set(stale.platforms) == {old, never}
    assert list(stale.settings) == [old_setting]
    assert stale_catalog_count() == 3
    assert not fresh.is_stale and old.is_stale and never.is_stale


@override_settings(CATALOG_STALE_AFTER_DAYS=30)
def test_stale_age_is_configurable():
    PlatformFactory(last_verified_on=days_ago(45))

    assert stale_catalog_count() == 1
    with override_settings(CATALOG_STALE_AFTER_DAYS=60):
        assert stale_catalog_count() == 0


def test_stale_count_uses_two_queries(django_assert_num_queries):
    for _ in range(5):
        PlatformSettingFactory(last_verified_on=days_ago(1000))

    with django_assert_num_queries(2):
        assert stale_catalog_count() == 5


def test_catalog_platforms_counts_settings_per_platform():
    platform = PlatformFactory()
    PlatformSettingFactory(platform=platform, verified=False)
    PlatformSettingFactory(platform=platform, last_verified_on=days_ago(1000))
    PlatformSettingFactory(platform=platform)

    row = catalog_platforms().get(pk=platform.pk)

    assert (row.setting_count, row.unverified_setting_count, row.stale_setting_count) == (3, 1, 1)
