"""A customer opens the public trust page, signed out, and sees the officers' dashboard's
figures for the same day (read off the dashboard by an officer in a second browser context),
with no serious accessibility violation and no refusal by the Content-Security-Policy."""

import json
from pathlib import Path

import jwt
import pytest
from django.utils import timezone

from attestations.services.checkpoints import checkpoint_ledger
from compliance import selectors as compliance
from compliance.selectors import ComplianceFilters
from compliance.services.rollups import rebuild_obligation_counts
from governance import signing
from tests.browser.checks import WATCH_CSP, axe_source, describe, sign_in_with_password, violations
from tests.browser.test_dashboard import build_organization
from trust.models import TrustSettings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _percent(text):
    return float(text.strip().removesuffix("%"))


def _dashboard_figures(browser, base_url):
    """What the officer's dashboard shows: the two headline shares and the share per tool."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    try:
        page = sign_in_with_password(context.new_page(), "officer@demo.example")
        page.goto("/dashboard/")
        assert page.get_by_role("heading", name="Compliance dashboard").is_visible()
        cards = {
            card.locator(".kpi-title").text_content().strip(): card.locator(".kpi-value").text_content().strip()
            for card in page.locator("li.kpi").all()
        }
        table = page.locator("table", has=page.locator("caption", has_text="Open obligations by tool"))
        # The table sits in a closed <details>: its text is read, not what is painted.
        per_tool = {
            row.locator("th").text_content().strip(): row.locator("td").first.text_content()
            for row in table.locator("tbody tr").all()
        }
        return cards, per_tool
    finally:
        context.close()


def test_an_anonymous_visitor_sees_the_dashboard_s_figures_for_the_day(page, browser, live_server, artifacts_dir):
    today = timezone.localdate()
    build_organization(today)
    # The nightly job's counts, as in production. Without a counts state (a flush by an earlier
    # transactional test removes it) the triggers keep no counts, and the handlers' per-person
    # counts, which the figures read whenever they exist, would be empty.
    rebuild_obligation_counts(day=today)
    TrustSettings.objects.create(pk=1, enabled=True, organization_name="Demo Corp")
    checkpoint, _ = checkpoint_ledger()

    page.add_init_script(WATCH_CSP)
    response = page.goto("/trust/")
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Demo Corp: AI tools and customer data").is_visible()
    assert page.get_by_role("link", name="Sign out").count() == 0  # signed out indeed
    shown_everyone = page.locator('[data-figure="everyone-all"]').inner_text()
    shown_handlers = page.locator('[data-figure="handlers-all"]').inner_text()
    everyone_tools = {
        cell.get_attribute("data-tool"): cell.inner_text()
        for cell in page.locator('[data-figure="everyone-tool"]').all()
    }
    handler_tools = {
        cell.get_attribute("data-tool"): cell.inner_text()
        for cell in page.locator('[data-figure="handlers-tool"]').all()
    }
    assert page.locator('[data-figure="checkpoint-count"]').inner_text() == str(checkpoint.count)
    page.screenshot(path=str(artifacts_dir / "trust-page.png"), full_page=True)

    cards, dashboard_tools = _dashboard_figures(browser, live_server.url)
    assert _percent(shown_everyone) == _percent(cards["People fully compliant"])
    assert _percent(shown_handlers) == _percent(cards["Customer-data handlers fully compliant"])
    assert len(everyone_tools) == 6
    assert {tool: _percent(value) for tool, value in everyone_tools.items()} == {
        tool: _percent(value) for tool, value in dashboard_tools.items()
    }
    # The handlers per tool: the dashboard's card filtered by the tool (its selector, for the same day).
    for figures in compliance.by_platform(ComplianceFilters(), today=today):
        coverage = compliance.customer_data_coverage(ComplianceFilters(platform_id=figures.extra["id"]), today=today)
        expected = f"{coverage['rate']:g}%" if coverage["handlers"] >= 10 else "fewer than 10 people"
        assert handler_tools[figures.extra["name"]] == expected

    assert page.evaluate("window.__cspViolations") == []
    found = violations(page, axe_source())
    assert found == [], "\n".join(describe(found, "/trust/"))

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the signed statement").click()
    assert download.value.suggested_filename == f"trust-statement-{today.isoformat()}.jws"
    token = Path(download.value.path()).read_text().strip()
    (key,) = [k for k in signing.jwks()["keys"] if k["kid"] == jwt.get_unverified_header(token)["kid"]]
    signed = json.loads(jwt.api_jws.decode(token, jwt.PyJWK(key).key, algorithms=["EdDSA"]))
    assert signed["customer_data_handlers"]["all_tools"]["share"] == _percent(shown_handlers)
    assert signed["checkpoint"]["head_hash"] == checkpoint.head_hash
