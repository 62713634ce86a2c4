"""The catalog in a real browser: search, open a platform, and an admin renames a setting."""

import pytest

from platforms.models import PlatformSetting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_employee_searches_the_catalog_and_opens_a_platform(demo, page, sign_in, artifacts_dir):
    sign_in("employee@demo.example")
    page.goto("/catalog/")
    assert page.get_by_role("heading", level=1).inner_text() == "AI tool catalog"
    table = page.get_by_role("table")
    assert table.get_by_role("link", name="ChatGPT").is_visible()

    page.get_by_label("Search").fill("grok")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/catalog/?*q=grok*")
    page.get_by_role("link", name="X (Grok)").wait_for()
    assert table.get_by_role("link", name="ChatGPT").count() == 0
    page.screenshot(path=str(artifacts_dir / "catalog-search.png"), full_page=True)

    page.get_by_role("link", name="X (Grok)").click()
    page.wait_for_url("**/catalog/x/")
    assert page.get_by_role("heading", level=1).inner_text() == "X (Grok)"
    assert page.get_by_text("Grok & Third-party Collaborators").is_visible()
    assert page.get_by_text("unchecked", exact=True).first.is_visible()
    link = page.get_by_role("link", name="Open X (Grok)")
    assert link.get_attribute("target") == "_blank"
    assert page.get_by_role("link", name="Edit setting").count() == 0
    page.screenshot(path=str(artifacts_dir / "catalog-detail.png"), full_page=True)


def test_admin_renames_a_setting_and_sees_the_new_revision(demo, page, sign_in):
    sign_in("admin@demo.example")
    page.goto("/catalog/chatgpt/")
    page.get_by_role("link", name="Edit setting").first.click()
    page.get_by_label("Label").fill("Improve the model for everyone (renamed)")
    page.get_by_role("button", name="Save").click()
    page.get_by_label("People must check again").check()
    page.get_by_role("button", name="Save the change").click()
    page.wait_for_url("**/catalog/chatgpt/*")

    assert page.get_by_text("is now revision 2").is_visible()
    assert page.get_by_role("heading", name="Improve the model for everyone (renamed)").is_visible()
    assert PlatformSetting.objects.get(platform__slug="chatgpt", key="improve-model").revision == 2
