"""Each kind of e-mail's HTML part in a real browser at a phone's width (375 px) and at the usual
mail-pane width (600 px): nothing scrolls sideways, the text is the product's sans-serif, the one
button is a button, axe-core finds no serious or critical violation, and a screenshot of each
goes to test-artifacts/screenshots/ (the folder the pages' screenshots share; git-ignored) as
email-<kind>-<width>.png."""

import datetime

import pytest
from django.core import mail

from notifications import digests
from tests.browser.checks import axe_source, describe, violations
from tests.clock import noon_on
from tests.notifications import mail_org

TODAY = datetime.date(2026, 11, 29)
NOW = noon_on(TODAY)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.time_machine(NOW, tick=True)]

WIDTHS = (375, 600)


@pytest.fixture
def org(make_user, settings):
    settings.ORGANIZATION_NAME = mail_org.ORGANIZATION
    return mail_org.build(today=TODAY, make_user=make_user)


def _send(kind, org):
    """The HTML part of the one mail of ``kind`` the organization's recipient gets."""
    senders = {
        "reminder": (lambda: digests.send_reminder_digests(today=TODAY), org.employee),
        "escalation": (lambda: digests.send_escalations(today=TODAY), org.manager),
        "officer_summary": (lambda: digests.send_officer_summary(today=TODAY), org.officer.employee),
        "report_ready": (lambda: digests.send_report_ready(report=org.report, today=TODAY), org.officer.employee),
    }
    send, recipient = senders[kind]
    mail.outbox = []
    send()
    (message,) = [m for m in mail.outbox if m.to == [recipient.email]]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    return html


@pytest.fixture
def screenshots(artifacts_dir):
    path = artifacts_dir / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize("kind", ["reminder", "escalation", "officer_summary", "report_ready"])
def test_email_fits_a_phone_and_a_mail_pane_in_the_products_look(kind, org, browser, screenshots):
    html = _send(kind, org)
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 800}, java_script_enabled=True)
        try:
            page = context.new_page()
            page.set_content(html, wait_until="load")

            overflow = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert overflow[0] <= overflow[1], f"{kind} at {width} px scrolls sideways: {overflow}"
            wider = page.evaluate(
                """(limit) => [...document.body.querySelectorAll('*')]
                    .filter(el => el.getBoundingClientRect().right > limit + 0.5
                        && getComputedStyle(el).display !== 'none')
                    .map(el => el.tagName + '.' + el.className)""",
                width,
            )
            assert wider == [], f"{kind} at {width} px: elements past the right edge {wider}"

            font = page.evaluate("() => getComputedStyle(document.querySelector('h1')).fontFamily")
            assert "system-ui" in font and "serif" not in font.replace("sans-serif", "")
            assert page.get_by_role("heading", level=1).is_visible()
            assert page.locator(".organization").inner_text() == mail_org.ORGANIZATION

            (button,) = page.locator("a.button").all()
            box = button.bounding_box()
            assert box is not None and box["height"] >= 44  # a touch target, as on the pages
            cell = page.evaluate("() => getComputedStyle(document.querySelector('.button-cell')).backgroundColor")
            assert cell == "rgb(11, 92, 173)"  # the product's accent
            if width == 375:  # on a phone the button spans the card
                card = page.locator(".body").bounding_box()
                assert card is not None and box["width"] >= card["width"] - 2 * 16 - 1

            found = violations(page, axe_source())
            assert not found, "\n".join(describe(found, f"{kind} mail at {width} px"))

            page.screenshot(path=str(screenshots / f"email-{kind.replace('_', '-')}-{width}.png"), full_page=True)
        finally:
            context.close()
