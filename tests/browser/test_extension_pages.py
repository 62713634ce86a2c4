"""The browser extension's pages in a real browser: pairing from /me/ (the code shown once, the
device listed, revoked) and the officers' Tools in use page, with axe finding nothing serious."""

import json
import re
import urllib.request

import pytest
from django.utils import timezone

from browser_extension.models import Device, UsageSignal
from browser_extension.services import record_usage_signals
from people.models import Employee
from platforms.models import Platform
from tests.browser.checks import axe_source, describe, sign_in_with_password, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pair(base_url, code):
    request = urllib.request.Request(
        f"{base_url}/api/extension/v1/pair",
        data=json.dumps({"code": code, "device_name": "Browser test"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 - the test's own server
        return response.status, json.loads(response.read())


def test_an_employee_pairs_and_revokes_a_browser(browser, live_server, demo):
    axe = axe_source()
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        sign_in_with_password(page, "employee@demo.example")
        page.goto("/me/")
        assert not (found := violations(page, axe)), describe(found, "/me/")
        page.get_by_role("button", name="Create a pairing code").click()
        page.wait_for_load_state()
        code = page.locator("#pairing-code").inner_text()
        assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
        assert not (found := violations(page, axe)), describe(found, "pairing code")
        status, body = _pair(live_server.url, code)
        assert status == 201 and body["token"].startswith("gext_")
        page.goto("/me/")
        assert page.get_by_role("table", name="Your paired browsers").is_visible()
        assert not (found := violations(page, axe)), describe(found, "/me/ with a device")
        page.get_by_role("button", name="Revoke Browser test").click()
        page.wait_for_load_state()
        assert "is revoked" in page.content()
        assert Device.objects.get().revoked_at is not None
    finally:
        context.close()


def test_the_tools_in_use_page_passes_axe(browser, live_server, demo):
    employee = Employee.objects.filter(status=Employee.Status.ACTIVE).first()
    record_usage_signals(employee=employee, signals=[(p.pk, timezone.localdate()) for p in Platform.objects.all()[:3]])
    assert UsageSignal.objects.count() == 3
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        sign_in_with_password(page, "officer@demo.example")
        page.goto("/dashboard/tools-in-use/")
        assert page.get_by_role("heading", name="Tools in use", exact=True).is_visible()
        assert not (found := violations(page, axe_source())), describe(found, "tools in use")
    finally:
        context.close()
