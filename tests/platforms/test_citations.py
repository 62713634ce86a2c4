"""Sources as citations, disagreements and unsourced details: the loader, the pages, the forms."""

import re
import textwrap

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from platforms.citations import as_citation, citation_from_line
from platforms.models import Platform, PlatformSetting
from tests.factories import PlatformFactory, PlatformSettingFactory
from tests.platforms.admin_forms import edit_page_data

pytestmark = pytest.mark.django_db

CITATION = """\
      - publisher: Acme
        title: Privacy help
        published: 2026-01-15
        url: https://acme.example/help/privacy
        kind: vendor
        checked: 2026-11-01
"""

CATALOG = """\
platforms:
  - slug: acme-chat
    name: Acme Chat
    category: chatbot
    consumer_trains_by_default: true
    confidence: high
    last_verified_on: 2026-11-01
    sources_disagree: The help page says a toggle; the blog says a checkbox.
    sources:
{citation}    settings:
      - key: improve
        label: Improve the model
        navigation_steps: [Settings, Improve]
        control_type: toggle
        values: ["on", "off"]
        safe_value: "off"
        protects: [training]
        applies_to_tiers: [free]
        unsourced: No source says it is on by default.
        notes: Do not rate answers.
"""


def write(tmp_path, citation=CITATION, catalog=CATALOG):
    path = tmp_path / "catalog.yaml"
    path.write_text(catalog.format(citation=citation))
    return path


def refused(tmp_path, **kwargs):
    with pytest.raises(CommandError) as excinfo:
        call_command("load_catalog", str(write(tmp_path, **kwargs)), verbosity=0)
    assert not Platform.objects.exists()
    return str(excinfo.value)


def test_citation_and_notes_load(tmp_path):
    call_command("load_catalog", str(write(tmp_path)), verbosity=0)

    platform = Platform.objects.get(slug="acme-chat")
    assert platform.sources == [
        {
            "publisher": "Acme",
            "title": "Privacy help",
            "published": "2026-01-15",
            "url": "https://acme.example/help/privacy",
            "kind": "vendor",
            "checked": "2026-11-01",
            "inferred": [],
            "note": "",
        }
    ]
    assert platform.sources_disagree.startswith("The help page says a toggle")
    setting = platform.settings.get()
    assert setting.unsourced == "No source says it is on by default." and setting.sources == platform.sources


@pytest.mark.parametrize(
    ("citation", "expected"),
    [
        ('      - "001_c10d63ac2c122810.txt"\n', "is not a citation"),
        ("      - https://acme.example/help\n", "is not a citation"),
        (CITATION.replace("        checked: 2026-11-01\n", ""), "has no 'checked' date"),
        (CITATION.replace("checked: 2026-11-01", "checked: last week"), "checked 'last week' is not a date"),
        (CITATION.replace("published: 2026-01-15", "published: 15/01/2026"), "is not a date"),
        (CITATION.replace("kind: vendor", "kind: rumour"), "kind 'rumour' is not one of vendor, press, secondary"),
        (CITATION.replace("https://acme.example/help/privacy", "javascript:alert(1)"), "is not an http(s) address"),
        (CITATION.replace("publisher: Acme", "publisher: [Acme]"), "publisher ['Acme'] must be text"),
        (CITATION.replace("publisher: Acme", "publisher: " + "A" * 501), "longer than 500 characters"),
        (
            CITATION.replace("publisher: Acme\n        title: Privacy help", 'publisher: ""\n        title: null'),
            "must name its publisher or its title",
        ),
        (CITATION + "        authors: [Somebody]\n", "unknown field 'authors'"),
        (CITATION.replace("kind: vendor", "kind: vendor\n        inferred: [url]"), "inferred must be a list"),
        (CITATION.replace("kind: vendor", "kind: secondary"), "every source is secondary"),
    ],
    ids=[
        "seed-file-name",
        "bare-url",
        "no-checked-date",
        "checked-not-a-date",
        "published-not-a-date",
        "unknown-kind",
        "script-url",
        "publisher-not-text",
        "huge-publisher",
        "neither-publisher-nor-title",
        "unknown-citation-field",
        "bad-inferred",
        "high-confidence-on-blogs",
    ],
)
def test_malformed_citations_are_refused_naming_the_field(tmp_path, citation, expected):
    message = refused(tmp_path, citation=citation)
    assert "platform 'acme-chat'" in message and "field " in message
    assert expected in message


def test_hostile_yaml_is_refused(tmp_path):
    message = refused(tmp_path, catalog="platforms: !!python/object/apply:os.system ['true']\n")
    assert "not valid YAML" in message
    message = refused(tmp_path, catalog="platforms: []\nsurprise: 1\n")
    assert "unknown top-level key" in message and "'surprise'" in message
    message = refused(
        tmp_path,
        catalog=CATALOG.replace(
            "    sources_disagree: The help page says a toggle; the blog says a checkbox.", "    sources_disagree: 42"
        ),
    )
    assert "field 'sources_disagree'" in message and "must be text" in message


def test_legacy_string_sources_display_as_citations_never_as_file_names():
    seed = as_citation("002_01e404f4868005e3.txt")
    assert seed["publisher"] == "TechTarget WhatIs" and seed["inferred"] == ["publisher"]
    assert "002_" not in str(seed)
    assert as_citation("https://acme.example/help")["publisher"] == "acme.example"
    assert "unnamed document" in as_citation("something.txt")["title"]


def test_admin_lines_become_citations_and_bad_lines_are_refused():
    assert citation_from_line("Acme | Privacy help | 2026-01-15 | https://acme.example/p") == as_citation(
        {"publisher": "Acme", "title": "Privacy help", "published": "2026-01-15", "url": "https://acme.example/p"}
    )
    assert citation_from_line("internal wiki")["title"] == "internal wiki"
    for bad in [
        "Acme | Help",
        "Acme | Help | soon | -",
        " | | - | https://acme.example",
        "https://",
    ]:
        with pytest.raises(Exception, match="'"):
            citation_from_line(bad)
    with pytest.raises(Exception, match="http"):
        citation_from_line("A | B | - | javascript:alert(1)")


def test_detail_page_shows_citations_disagreements_unsourced_and_checked_date(client, employee_user, tmp_path):
    call_command("load_catalog", str(write(tmp_path)), verbosity=0)
    client.force_login(employee_user)

    html = client.get(reverse("platforms:detail", args=["acme-chat"])).content.decode()

    assert 'href="https://acme.example/help/privacy"' in html and ">Privacy help<" in html
    assert "Published 15 Jan 2026" in html and "Checked 1 Nov 2026" in html and "Vendor&#x27;s page" in html
    assert html.count("Checked against its sources on 1 Nov 2026") == 2  # the platform and its setting
    assert "Sources disagree" in html and "The help page says a toggle" in html
    assert "Not in any source" in html and "No source says it is on by default." in html
    assert "Last verified" not in html and "Unverified" not in html


def test_admin_saving_a_platform_unchanged_keeps_its_citations(client, admin_user, tmp_path):
    call_command("load_catalog", str(write(tmp_path)), verbosity=0)
    platform = Platform.objects.get(slug="acme-chat")
    client.force_login(admin_user)
    form = client.get(reverse("platforms:edit", args=["acme-chat"])).context["form"]
    assert form["sources"].value() == form.fields["sources"].prepare_value(platform.sources)
    data = {
        "slug": "acme-chat",
        "name": "Acme Chat",
        "category": "chatbot",
        "consumer_trains_by_default": "true",
        "sources": form["sources"].value(),
        "sources_disagree": platform.sources_disagree,
    }

    response = client.post(reverse("platforms:edit", args=["acme-chat"]), data)

    assert response.status_code == 302, response.context["form"].errors
    platform.refresh_from_db()
    assert platform.sources[0]["kind"] == "vendor" and platform.sources[0]["checked"] == "2026-11-01"


def test_admin_adds_a_citation_line_and_a_disagreement(client, admin_user):
    setting = PlatformSettingFactory(platform=PlatformFactory(slug="acme"))
    client.force_login(admin_user)
    data = edit_page_data(
        setting,
        key=setting.key,
        sources="Acme | Settings guide | - | https://acme.example/guide",
        sources_disagree="The guide says off; the app says on.",
    )

    response = client.post(reverse("platforms:setting-edit", args=["acme", setting.key]), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    setting = PlatformSetting.objects.get(pk=setting.pk)
    assert setting.sources[0]["publisher"] == "Acme" and setting.sources[0]["title"] == "Settings guide"
    assert setting.sources_disagree == "The guide says off; the app says on."
    html = client.get(reverse("platforms:detail", args=["acme"])).content.decode()
    assert "The guide says off; the app says on." in html


def test_a_malformed_admin_line_is_shown_on_the_form(client, admin_user):
    PlatformFactory(slug="acme")
    client.force_login(admin_user)
    response = client.post(
        reverse("platforms:edit", args=["acme"]),
        {"name": "Acme", "category": "chatbot", "sources": "Acme | Help | yesterday | -"},
    )
    assert response.status_code == 200
    assert "is not a date" in response.content.decode()


def test_built_in_disagreements_and_unsourced_details_are_marked(db):
    call_command("load_catalog", verbosity=0)
    entry = {p.slug: p for p in Platform.objects.all()}
    setting = {(s.platform.slug, s.key): s for s in PlatformSetting.objects.select_related("platform")}

    assert "uncheck" in setting["x", "grok-data-sharing"].sources_disagree
    assert "Followers and public content" in setting["facebook", "future-posts-audience"].sources_disagree
    assert "off" in setting["tumblr", "prevent-third-party-sharing"].sources_disagree
    assert setting["tumblr", "prevent-third-party-sharing"].safe_value == "on"
    assert entry["claude"].consumer_trains_by_default is True and "preset" in entry["claude"].sources_disagree
    assert setting["claude", "help-improve"].sources_disagree
    for slug in ("x", "facebook", "tumblr", "claude", "mistral-le-chat", "discord"):
        assert entry[slug].sources_disagree, slug
    for slug, key in (("tiktok", "private-account"), ("threads", "private-profile")):
        assert "stop" in setting[slug, key].unsourced and entry[slug].unsourced, slug
    for slug in ("whatsapp", "meta-ai"):
        assert not entry[slug].verified, slug
    assert "on by default" in entry["discord"].unsourced and "on by default" not in entry["discord"].description
    assert "Edu" in entry["chatgpt"].unsourced and "Edu" not in entry["chatgpt"].description


def test_every_built_in_page_shows_checked_dates_and_no_file_names(client, employee_user):
    call_command("load_catalog", verbosity=0)
    client.force_login(employee_user)
    for platform in Platform.objects.prefetch_related("settings"):
        html = client.get(reverse("platforms:detail", args=[platform.slug])).content.decode()
        assert html.count("Checked against its sources on 1 Dec 2026") == 1 + len(platform.settings.all()), platform
        assert not re.search(r"\d{3}_[0-9a-f]{16}\.txt", html) and "(source document)" not in html, platform.slug
        assert "Last verified" not in html, platform.slug


def test_shipped_catalog_is_refused_if_a_citation_loses_its_date(tmp_path):
    from platforms.catalog_schema import CATALOG_DIR

    text = (CATALOG_DIR / "chatbots.yaml").read_text().replace("    checked: 2026-12-01\n", "", 1)
    path = tmp_path / "chatbots.yaml"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(CommandError, match="has no 'checked' date"):
        call_command("load_catalog", str(path), verbosity=0)


def test_every_built_in_citation_survives_the_edit_form_round_trip(db):
    from platforms.citations import citation_to_line
    from platforms.forms import keep_known_citations

    call_command("load_catalog", verbosity=0)
    for entry in [*Platform.objects.all(), *PlatformSetting.objects.all()]:
        typed = [citation_from_line(citation_to_line(c)) for c in entry.sources]
        assert keep_known_citations(typed, entry.sources) == entry.sources, entry


def test_the_migration_turns_stored_file_names_and_urls_into_citations(db):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("platforms.migrations.0004_citations_and_disagreements")
    legacy = ["002_01e404f4868005e3.txt", "https://acme.example/help"]
    platform = PlatformFactory(sources=legacy, catalog_snapshot={"sources": legacy, "name": "Acme"})
    setting = PlatformSettingFactory(platform=platform, sources=["003_71450ebbb7f06657.txt"])

    migration.sources_to_citations(apps, None)

    platform.refresh_from_db()
    setting.refresh_from_db()
    assert [c["publisher"] for c in platform.sources] == ["TechTarget WhatIs", "acme.example"]
    assert platform.catalog_snapshot["sources"] == platform.sources and platform.catalog_snapshot["name"] == "Acme"
    assert setting.sources[0]["title"] == "How to Opt Out of AI Training on Social Media"
    assert not re.search(r"\d{3}_[0-9a-f]{16}\.txt", str(platform.sources + setting.sources))


def test_a_hostile_stored_citation_prints_safely(client, employee_user):
    PlatformFactory(
        slug="acme",
        sources=[
            {"publisher": "<script>x</script>", "title": "Help", "url": "javascript:alert(1)", "kind": "rumour"},
            {"publisher": ["not", "text"], "checked": "not a date"},
            42,
        ],
    )
    client.force_login(employee_user)

    html = client.get(reverse("platforms:detail", args=["acme"])).content.decode()

    assert "javascript:" not in html and "<script>x</script>" not in html and "&lt;script&gt;" in html
    assert html.count("An unnamed document") == 2 and "Secondary source" in html
