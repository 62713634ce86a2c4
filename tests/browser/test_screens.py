"""The screens people see most, at a phone's width and a laptop's, saved as CI artifacts
(test-artifacts/screen-*.png): My AI tools, the attest form, the dashboard, and the first page
of a compliance report's PDF. None of the pages scrolls sideways at either width."""

import subprocess

import pytest
from PIL import Image

from compliance.models import ComplianceReport
from compliance.services.reports import build_report, create_report
from tests.browser.checks import sign_in_with_password

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (375, 1280)


def signed_in(browser, live_server, email, width):
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in_with_password(page, email)
    return context, page


def shoot(page, path, name, width, artifacts_dir):
    response = page.goto(path)
    page.wait_for_load_state("networkidle")
    assert response.status == 200, path
    page.screenshot(path=str(artifacts_dir / f"screen-{name}-{width}.png"), full_page=True)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width, (path, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_my_ai_tools_the_attest_form_and_the_dashboard_at_both_widths(browser, live_server, demo, artifacts_dir, width):
    context, page = signed_in(browser, live_server, "employee@demo.example", width)
    shoot(page, "/me/", "my-ai-tools", width, artifacts_dir)
    attest = page.get_by_role("link", name="Attest ChatGPT").get_attribute("href")
    shoot(page, attest, "attest-form", width, artifacts_dir)
    assert page.locator("input[type=radio]").count() >= 2  # the setting's answers, on the form
    context.close()
    context, page = signed_in(browser, live_server, "officer@demo.example", width)
    shoot(page, "/dashboard/", "dashboard", width, artifacts_dir)
    context.close()


def test_the_first_page_of_a_report_pdf_at_both_widths(demo, artifacts_dir):
    report = build_report(
        create_report(trigger=ComplianceReport.Trigger.MANUAL, requested_by_label="officer@demo.example").pk
    )
    for width in WIDTHS:
        stem = artifacts_dir / f"screen-report-pdf-{width}"
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                "-scale-to-x",
                str(width),
                "-scale-to-y",
                "-1",
                report.pdf_file.path,
                str(stem),
            ],
            check=True,
            timeout=60,
        )
        with Image.open(f"{stem}.png") as image:
            assert image.width == width and image.height > width  # a portrait page, rendered
