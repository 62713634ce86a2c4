"""The built-in catalog files themselves: coverage of the source documents and completeness."""

import datetime
import re
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from platforms.catalog_schema import read_catalog
from platforms.models import Platform, PlatformSetting, Protects, Tier

SHARED = Path("/work/shared")
REFERENCE = SHARED / "reference" / "ai-platform-settings.yaml"

# Every platform the seed documents name, by the catalog slug that covers it.
SEED_PLATFORMS = {
    "chatgpt": "ChatGPT",
    "claude": "Claude",
    "gemini": "Gemini",
    "linkedin": "LinkedIn",
    "x": "Grok",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "threads": "Threads",
    "whatsapp": "WhatsApp",
    "discord": "Discord",
    "snapchat": "Snapchat",
    "tiktok": "TikTok",
    "tumblr": "Tumblr",
    "reddit": "Reddit",
    "squarespace": "Squarespace",
    "wordpress": "WordPress",
    "custom-website": "robots.txt",
}


@pytest.fixture
def loaded(db):
    call_command("load_catalog", verbosity=0)
    return Platform.objects.prefetch_related("settings")


def test_catalog_files_are_valid():
    entries = read_catalog()
    assert len(entries) >= 25


def test_at_least_25_platforms_load(loaded):
    assert loaded.count() >= 25
    assert all(p.is_builtin for p in loaded)


def test_every_platform_named_in_the_seeds_is_present_with_a_setting_or_no_opt_out_note(loaded):
    seeds_text = "\n".join(p.read_text() for p in sorted((SHARED / "seeds").glob("*.txt"))) if SHARED.exists() else ""
    by_slug = {p.slug: p for p in loaded}
    for slug, name in SEED_PLATFORMS.items():
        if seeds_text:
            assert name.lower() in seeds_text.lower(), f"{name} is not in the seeds; fix the test table"
        platform = by_slug[slug]
        has_settings = len(platform.settings.all()) > 0
        no_opt_out = (platform.no_opt_out or platform.no_opt_out_outside) and platform.no_opt_out_note
        assert has_settings or no_opt_out, slug


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared reference file not on this machine")
def test_reference_slugs_and_setting_keys_are_kept(loaded):
    reference = yaml.safe_load(REFERENCE.read_text())
    keys = set(PlatformSetting.objects.values_list("platform__slug", "key"))
    for platform in reference["platforms"]:
        assert Platform.objects.filter(slug=platform["slug"]).exists(), platform["slug"]
        for setting in platform["settings"]:
            assert (platform["slug"], setting["key"]) in keys, (platform["slug"], setting["key"])
        if platform.get("confidence") == "low":
            assert not Platform.objects.get(slug=platform["slug"]).verified
        if platform.get("no_opt_out"):
            assert Platform.objects.get(slug=platform["slug"]).no_opt_out
        if platform.get("no_opt_out_outside"):
            # The 2026-12-01 review widened Meta's objection forms from the EU to the EU/EEA and UK.
            assert platform["no_opt_out_outside"] in Platform.objects.get(slug=platform["slug"]).no_opt_out_outside


def test_every_setting_is_complete(loaded):
    settings = PlatformSetting.objects.select_related("platform")
    assert settings.count() >= 25
    for setting in settings:
        where = f"{setting.platform.slug}/{setting.key}"
        assert setting.label.strip(), where
        assert setting.navigation_steps and all(step.strip() for step in setting.navigation_steps), where
        assert all(isinstance(v, str) and v == v.lower() for v in setting.values), where
        assert setting.safe_value in setting.values, where
        assert setting.applies_to_tiers and set(setting.applies_to_tiers) <= set(Tier.values), where
        assert setting.protects and set(setting.protects) <= set(Protects.values), where
        assert setting.sources, where
        assert setting.last_verified_on is not None, where


def test_every_entry_cites_its_sources_with_publisher_or_title_kind_and_checked_date(loaded):
    entries = [*loaded, *PlatformSetting.objects.select_related("platform")]
    for entry in entries:
        where = getattr(entry, "slug", None) or f"{entry.platform.slug}/{entry.key}"
        assert entry.sources, where
        for citation in entry.sources:
            assert isinstance(citation, dict), (where, citation)
            assert citation["publisher"] or citation["title"], (where, citation)
            assert not re.search(r"\d{3}_[0-9a-f]{16}\.txt", str(citation)), (where, "a seed file name is shown")
            assert citation["kind"] in ("vendor", "press", "secondary"), where
            assert datetime.date.fromisoformat(citation["checked"]) <= entry.last_verified_on, where
            assert not citation["url"] or citation["url"].startswith(("https://", "http://")), where
        if entry.verified:
            assert any(c["kind"] in ("vendor", "press") for c in entry.sources), (where, "high on blogs only")


def test_every_platform_describes_itself(loaded):
    for platform in loaded:
        assert platform.description.strip(), platform.slug
