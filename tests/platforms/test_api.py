"""GET /api/v1/platforms/ and /api/v1/platforms/<slug>/: read-only, settings nested."""

import pytest
from django.urls import reverse

from platforms.models import Platform
from tests.factories import PlatformFactory, PlatformSettingFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/platforms/"


@pytest.fixture
def api(client, employee_user):
    client.force_login(employee_user)
    return client


@pytest.fixture
def catalog():
    chat = PlatformFactory(slug="acme-chat", name="Acme Chat", consumer_trains_by_default=True)
    PlatformSettingFactory(platform=chat, key="improve", label="Improve Acme", values=["on", "off"], safe_value="off")
    PlatformSettingFactory(platform=chat, key="history", label="Keep history")
    PlatformFactory(slug="quiet", name="Quiet", category="productivity", consumer_trains_by_default=False)
    return chat


def test_urls_are_where_the_docs_say():
    assert reverse("platform-list") == LIST
    assert reverse("platform-detail", args=["x"]) == LIST + "x/"


def test_anonymous_is_refused(client, catalog):
    assert client.get(LIST).status_code in (401, 403)


def test_absent_urls_are_null_and_present_ones_are_served(api, catalog):
    Platform.objects.filter(slug="quiet").update(website="https://quiet.example/", privacy_url="")
    quiet = api.get(LIST + "quiet/").json()
    assert (quiet["website"], quiet["privacy_url"]) == ("https://quiet.example/", None)


def test_list_returns_what_the_database_holds_with_settings_nested(api, catalog):
    response = api.get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == Platform.objects.count() == 2
    first = body["results"][0]
    assert first["slug"] == "acme-chat" and first["consumer_trains_by_default"] is True
    assert [s["key"] for s in first["settings"]] == ["history", "improve"]
    improve = first["settings"][1]
    db = catalog.settings.get(key="improve")
    assert improve == {
        "key": "improve",
        "label": db.label,
        "navigation_steps": db.navigation_steps,
        "control_type": db.control_type,
        "values": ["on", "off"],
        "safe_value": "off",
        "protects": db.protects,
        "applies_to_tiers": db.applies_to_tiers,
        "deep_link": None,  # no link: null, as the schema's format: uri allows, not ""
        "settings_url": db.settings_url,
        "notes": "",
        "sources": db.sources,
        "revision": 1,
        "verified": True,
        "last_verified_on": db.last_verified_on.isoformat(),
        "is_stale": False,
        "is_builtin": False,
    }


def test_detail_by_slug(api, catalog):
    body = api.get(LIST + "acme-chat/").json()
    assert body["name"] == "Acme Chat" and len(body["settings"]) == 2
    assert api.get(LIST + "missing/").status_code == 404


@pytest.mark.parametrize(
    ("params", "slugs"),
    [
        ({"q": "acme"}, ["acme-chat"]),
        ({"q": "keep history"}, ["acme-chat"]),
        ({"category": "productivity"}, ["quiet"]),
        ({"consumer_training": "no"}, ["quiet"]),
        ({"stale": "true"}, []),
    ],
)
def test_same_filters_as_the_page(api, catalog, params, slugs):
    assert [p["slug"] for p in api.get(LIST, params).json()["results"]] == slugs


def test_bad_filter_value_is_a_400(api, catalog):
    assert api.get(LIST, {"category": "spaceship"}).status_code == 400


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_only(api, catalog, method):
    url = LIST if method == "post" else LIST + "acme-chat/"
    response = getattr(api, method)(url, {"name": "Changed"}, content_type="application/json")
    assert response.status_code == 405
    assert Platform.objects.get(slug="acme-chat").name == "Acme Chat"


@pytest.mark.parametrize("count", [2, 30])
def test_query_count_does_not_grow(api, django_assert_max_num_queries, count):
    for _ in range(count):
        PlatformSettingFactory.create_batch(3, platform=PlatformFactory())

    with django_assert_max_num_queries(6):
        response = api.get(LIST)
    assert response.json()["count"] == count
