"""Catalog pages: what every signed-in user reads, and what only governance admins may change."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.models import AuditEvent
from platforms.models import Platform, PlatformSetting
from platforms.signals import setting_revised
from tests.factories import PlatformFactory, PlatformSettingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chatbot():
    platform = PlatformFactory(
        slug="acme-chat",
        name="Acme Chat",
        vendor="Acme",
        privacy_url="https://acme.example/settings/privacy",
        consumer_trains_by_default=True,
        business_trains_by_default=False,
        sources=["https://acme.example/help"],
    )
    PlatformSettingFactory(
        platform=platform,
        key="improve",
        label="Improve Acme for everyone",
        navigation_steps=["Profile", "Settings", "Data controls"],
        deep_link="https://acme.example/settings/data",
        applies_to_tiers=["free", "consumer_paid"],
        sources=["https://acme.example/help/improve"],
    )
    return platform


def client_for(client, user):
    client.force_login(user)
    return client


# --- reading ---------------------------------------------------------------------------------


def test_catalog_requires_sign_in(client):
    response = client.get(reverse("platforms:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_list_shows_what_the_database_holds(client, employee_user, chatbot):
    PlatformFactory(slug="quiet-tool", name="Quiet Tool", consumer_trains_by_default=False, category="productivity")

    response = client_for(client, employee_user).get(reverse("platforms:list"))

    assert response.status_code == 200
    names = [p.name for p in response.context["platforms"]]
    assert names == ["Acme Chat", "Quiet Tool"]
    html = response.content.decode()
    assert "Trains by default" in html and "No training by default" in html
    assert reverse("platforms:detail", args=["acme-chat"]) in html
    assert "Add organization platform" not in html  # employees do not edit


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "acme"}, ["Acme Chat"]),
        ({"q": "improve acme"}, ["Acme Chat"]),  # a setting label matches
        ({"q": "nothing-like-this"}, []),
        ({"category": "productivity"}, ["Quiet Tool"]),
        ({"consumer_training": "no"}, ["Quiet Tool"]),
        ({"consumer_training": "yes"}, ["Acme Chat"]),
    ],
)
def test_list_search_and_filters(client, employee_user, chatbot, params, expected):
    PlatformFactory(slug="quiet-tool", name="Quiet Tool", consumer_trains_by_default=False, category="productivity")

    response = client_for(client, employee_user).get(reverse("platforms:list"), params)

    assert [p.name for p in response.context["platforms"]] == expected


def test_htmx_request_gets_only_the_results_table(client, employee_user, chatbot):
    response = client_for(client, employee_user).get(reverse("platforms:list"), {"q": "acme"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert 'id="catalog-results"' in html and "<html" not in html


def test_unverified_and_stale_badges(client, employee_user):
    PlatformFactory(name="Old Tool", last_verified_on=timezone.localdate() - datetime.timedelta(days=400))
    PlatformFactory(name="Rumoured Tool", verified=False)

    html = client_for(client, employee_user).get(reverse("platforms:list")).content.decode()

    assert html.count(">Stale<") == 1
    assert html.count(">Secondary sources only<") == 1


@pytest.mark.parametrize("count", [2, 25])
def test_list_query_count_does_not_grow_with_platforms(client, employee_user, django_assert_max_num_queries, count):
    for n in range(count):
        platform = PlatformFactory()
        PlatformSettingFactory.create_batch(3, platform=platform, verified=n % 2 == 0)
    client_for(client, employee_user)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("platforms:list"))
    assert len(response.context["platforms"]) == count


def test_detail_shows_every_setting_with_steps_link_sources_and_revision(client, employee_user, chatbot):
    response = client_for(client, employee_user).get(reverse("platforms:detail", args=["acme-chat"]))

    html = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Improve Acme for everyone",
        "Profile",
        "Data controls",
        "Revision 1",
        "Consumer paid",
        "Model training",
    ]:
        assert text in html
    assert 'href="https://acme.example/settings/data" target="_blank" rel="noopener noreferrer"' in html
    assert "https://acme.example/help/improve" in html
    assert str(timezone.localdate().year) in html
    assert "Edit setting" not in html


def test_detail_shows_no_opt_out_note(client, employee_user):
    PlatformFactory(slug="forum", name="Forum", no_opt_out=True, no_opt_out_note="Post nothing confidential.")

    html = client_for(client, employee_user).get(reverse("platforms:detail", args=["forum"])).content.decode()

    assert "No opt-out available" in html and "Post nothing confidential." in html


@pytest.mark.parametrize("count", [1, 20])
def test_detail_query_count_does_not_grow_with_settings(client, employee_user, django_assert_max_num_queries, count):
    platform = PlatformFactory(slug="big")
    PlatformSettingFactory.create_batch(count, platform=platform)
    client_for(client, employee_user)

    # 7 + the policy's stance (partials/stance.html) + the settings' meaningful revisions
    with django_assert_max_num_queries(9):
        client.get(reverse("platforms:detail", args=["big"]))


def test_unknown_platform_is_404(client, employee_user):
    assert client_for(client, employee_user).get(reverse("platforms:detail", args=["nope"])).status_code == 404


# --- roles -----------------------------------------------------------------------------------

EDIT_PAGES = [
    ("get", "platforms:create", []),
    ("get", "platforms:edit", ["acme-chat"]),
    ("get", "platforms:setting-create", ["acme-chat"]),
    ("get", "platforms:setting-edit", ["acme-chat", "improve"]),
    ("post", "platforms:verify", ["acme-chat"]),
    ("post", "platforms:setting-verify", ["acme-chat", "improve"]),
    ("post", "platforms:edit", ["acme-chat"]),
    ("post", "platforms:setting-edit", ["acme-chat", "improve"]),
]


@pytest.mark.parametrize(("method", "name", "args"), EDIT_PAGES)
@pytest.mark.parametrize("role", ["employee_user", "officer"])
def test_only_governance_admins_edit(client, request, chatbot, method, name, args, role):
    user = request.getfixturevalue(role)
    response = getattr(client_for(client, user), method)(reverse(name, args=args), {"label": "Hacked"})

    assert response.status_code == 403
    assert not AuditEvent.objects.exists()
    assert PlatformSetting.objects.get(key="improve").label == "Improve Acme for everyone"


@pytest.mark.parametrize(("method", "name", "args"), EDIT_PAGES)
def test_edit_pages_require_sign_in(client, chatbot, method, name, args):
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302


def test_stale_list_is_for_officers_and_admins(client, employee_user, officer, admin_user):
    assert client_for(client, employee_user).get(reverse("platforms:stale")).status_code == 403
    assert client_for(client, officer).get(reverse("platforms:stale")).status_code == 200
    assert client_for(client, admin_user).get(reverse("platforms:stale")).status_code == 200


# --- editing ---------------------------------------------------------------------------------


def setting_form_data(**overrides):
    data = {
        "label": "Improve Acme for everyone",
        "navigation_steps": "Profile\nSettings\nData controls",
        "control_type": "toggle",
        "values": "on, off",
        "safe_value": "off",
        "protects": ["training"],
        "applies_to_tiers": ["free", "consumer_paid"],
        "deep_link": "https://acme.example/settings/data",
        "notes": "",
        "sources": "https://acme.example/help/improve",
    }
    data.update(overrides)
    return data


def test_admin_renames_a_setting_revision_bumps_once_with_audit_and_signal(client, admin_user, chatbot):
    received = []

    def listener(sender, setting, old_revision, new_revision, actor, **kwargs):
        received.append((old_revision, new_revision, actor))

    setting_revised.connect(listener)
    try:
        response = client_for(client, admin_user).post(
            reverse("platforms:setting-edit", args=["acme-chat", "improve"]),
            setting_form_data(label="Improve the model for everyone", revision_kind="meaningful", confirming="on"),
        )
    finally:
        setting_revised.disconnect(listener)

    assert response.status_code == 302
    setting = PlatformSetting.objects.get(key="improve")
    assert setting.label == "Improve the model for everyone" and setting.revision == 2
    assert received == [(1, 2, admin_user)]
    event = AuditEvent.objects.get(action="catalog.setting.revised")
    assert event.actor == admin_user
    assert event.before == {"label": "Improve Acme for everyone", "revision": 1}
    assert event.after == {
        "label": "Improve the model for everyone",
        "revision": 2,
        "reason": "Acme Chat renamed the setting “Improve Acme for everyone” to “Improve the model for everyone”",
    }


def test_admin_saving_an_unchanged_setting_keeps_the_revision(client, admin_user, chatbot):
    client_for(client, admin_user).post(
        reverse("platforms:setting-edit", args=["acme-chat", "improve"]), setting_form_data()
    )

    assert PlatformSetting.objects.get(key="improve").revision == 1
    assert not AuditEvent.objects.exists()


def test_bad_safe_value_is_shown_on_the_form(client, admin_user, chatbot):
    response = client_for(client, admin_user).post(
        reverse("platforms:setting-edit", args=["acme-chat", "improve"]), setting_form_data(safe_value="maybe")
    )

    assert response.status_code == 200
    assert "safe_value" in response.context["form"].errors
    assert PlatformSetting.objects.get(key="improve").safe_value == "off"


def test_admin_adds_an_organization_platform_and_setting(client, admin_user):
    client_for(client, admin_user)
    response = client.post(
        reverse("platforms:create"),
        {"slug": "intranet-bot", "name": "Intranet bot", "category": "chatbot", "sources": "internal wiki"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("platforms:setting-create", args=["intranet-bot"]),
        setting_form_data(label="Log prompts", key="log-prompts"),
    )
    assert response.status_code == 302

    platform = Platform.objects.get(slug="intranet-bot")
    assert not platform.is_builtin
    assert platform.settings.get(key="log-prompts").label == "Log prompts"


def test_admin_cannot_take_a_reserved_or_existing_slug(client, admin_user, chatbot):
    client_for(client, admin_user)
    for slug in ["stale", "acme-chat"]:
        response = client.post(
            reverse("platforms:create"), {"slug": slug, "name": "X", "category": "chatbot", "sources": "x"}
        )
        assert "slug" in response.context["form"].errors


def test_admin_edits_platform_facts(client, admin_user, chatbot):
    response = client_for(client, admin_user).post(
        reverse("platforms:edit", args=["acme-chat"]),
        {
            "name": "Acme Chat",
            "vendor": "Acme",
            "category": "chatbot",
            "consumer_trains_by_default": "false",
            "business_trains_by_default": "",
            "sources": "https://acme.example/help",
        },
    )

    assert response.status_code == 302
    platform = Platform.objects.get(slug="acme-chat")
    assert platform.consumer_trains_by_default is False and platform.business_trains_by_default is None
    assert AuditEvent.objects.filter(action="catalog.platform.updated", actor=admin_user).exists()


def test_mark_verified_today_from_the_stale_list(client, admin_user):
    setting = PlatformSettingFactory(last_verified_on=datetime.date(2020, 1, 1), verified=False)
    client_for(client, admin_user)
    assert client.get(reverse("platforms:stale")).context["stale_settings"] == [setting]

    response = client.post(
        reverse("platforms:setting-verify", args=[setting.platform.slug, setting.key]),
        {"next": reverse("platforms:stale")},
    )

    assert response["Location"] == reverse("platforms:stale")
    setting.refresh_from_db()
    assert setting.last_verified_on == timezone.localdate() and setting.verified
    assert client.get(reverse("platforms:stale")).context["stale_settings"] == []


def test_verify_ignores_an_offsite_next(client, admin_user, chatbot):
    response = client_for(client, admin_user).post(
        reverse("platforms:verify", args=["acme-chat"]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("platforms:detail", args=["acme-chat"])


def test_officers_see_the_change_history_employees_do_not(client, officer, employee_user, admin_user, chatbot):
    from platforms.services import update_setting

    update_setting(
        setting=chatbot.settings.get(), changes={"label": "Renamed"}, actor=admin_user, revision_kind="meaningful"
    )

    response = client_for(client, officer).get(reverse("platforms:detail", args=["acme-chat"]))
    officer_html = response.content.decode()
    assert "<td>Setting changed (people confirm it again)</td>" in officer_html and admin_user.email in officer_html
    assert "catalog.setting.revised" not in officer_html  # the machine name stays in the log
    caption = f'<caption id="history-caption">The latest {len(response.context["history"])} changes</caption>'
    assert caption in officer_html
    employee_html = (
        client_for(client, employee_user).get(reverse("platforms:detail", args=["acme-chat"])).content.decode()
    )
    assert "Setting changed" not in employee_html


def test_a_history_of_one_change_says_the_latest_change(client, officer, admin_user, chatbot):
    from platforms.services import update_setting

    update_setting(setting=chatbot.settings.get(), changes={"notes": "A note"}, actor=admin_user)
    response = client_for(client, officer).get(reverse("platforms:detail", args=["acme-chat"]))
    assert len(response.context["history"]) == 1
    html = response.content.decode()
    assert '<caption id="history-caption">The latest change</caption>' in html and "Latest 1 changes" not in html
    assert "<td>Setting details changed</td>" in html


def test_detail_shows_a_practice_as_something_to_follow_not_a_value_to_set(client, employee_user, chatbot):
    PlatformSettingFactory(
        platform=chatbot,
        key="no-ratings",
        label="Do not rate replies",
        control_type="practice",
        values=["followed", "not followed"],
        safe_value="followed",
    )
    html = client_for(client, employee_user).get(reverse("platforms:detail", args=["acme-chat"])).content.decode()
    section = html.split('id="setting-no-ratings"', 1)[1].split("</section>", 1)[0]
    assert "People confirm they follow it when they attest" in section and "Where it applies" in section
    assert "Set it to" not in section and "Practice (confirmed by the employee)" in section


def test_the_safe_value_offers_the_settings_known_values(client, admin_user):
    setting = PlatformSettingFactory(values=["on", "off"], safe_value="off")
    client.force_login(admin_user)
    page = client.get(reverse("platforms:setting-edit", args=[setting.platform.slug, setting.key])).content.decode()
    assert 'list="id_safe_value-values"' in page
    datalist = page.split('<datalist id="id_safe_value-values">')[1].split("</datalist>")[0]
    assert datalist == '<option value="on"></option><option value="off"></option>'
    assert "one of the values above (on, off)" in page
