"""What each e-mail says and how its HTML part is built: the organization's name, one button,
per tool the setting to check by its exact label and the due date in words, the stylesheet
inlined, the plain-text part saying the same. (Who gets which mail: test_reminders.py.)"""

import datetime
import re

import pytest

from notifications import digests
from tests.clock import noon_on
from tests.notifications import mail_org

TODAY = datetime.date(2026, 11, 29)
NOW = noon_on(TODAY)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]

ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")


@pytest.fixture
def org(make_user, settings):
    settings.ORGANIZATION_NAME = mail_org.ORGANIZATION
    return mail_org.build(today=TODAY, make_user=make_user)


def only_mail(mailoutbox, person):
    (mail,) = [m for m in mailoutbox if m.to == [person.email]]
    html, mimetype = mail.alternatives[0]
    assert mimetype == "text/html"
    return mail.body, html


def buttons(html):
    return re.findall(r'<a [^>]*class="button"[^>]*>(.*?)</a>', html)


def assert_inlined_and_branded(html, text):
    head, body = html.split("<body", 1)
    # Only the @media rules stay in a <style> element; every other rule is in style attributes.
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
    assert styles and all(style.strip().startswith("@media") for style in styles)
    assert 'class="header" style="' in body and "background: #0d1f33" in body
    assert re.search(r'<a [^>]*class="button"[^>]*style="[^"]*background[^"]*"', body) is None  # the cell carries it
    assert re.search(r'class="button-cell"[^>]*style="[^"]*background: #0b5cad', body)
    assert "font-family: system-ui" in body
    assert mail_org.ORGANIZATION in body and text.startswith(f"{mail_org.ORGANIZATION} · AI tool governance")
    assert '<html lang="en">' in html and 'role="presentation"' in body
    assert not ISO_DATE.search(text) and not ISO_DATE.search(body)
    assert "{#" not in html and "{%" not in html and "{#" not in text  # no template syntax leaks out


def test_reminder_names_each_tools_setting_by_its_exact_label_and_the_due_date_in_words(org, mailoutbox):
    digests.send_reminder_digests(today=TODAY)

    text, html = only_mail(mailoutbox, org.employee)
    assert_inlined_and_branded(html, text)
    assert buttons(html) == ["Attest my AI tools"]
    for part in (text, html.replace("“", '"').replace("”", '"')):
        assert "Overdue since Monday 9 November 2026 (20 days ago)" in part  # ChatGPT
        assert "Overdue since Friday 13 November 2026 (16 days ago)" in part  # LinkedIn
        assert "Due today, Sunday 29 November 2026" in part  # Claude
        assert "Due on Sunday 6 December 2026 (in 7 days)" in part  # Gemini Apps
        assert 'Check "Improve the model for everyone": set it to ' in part
        assert 'Check "Data for Generative AI Improvement": set it to ' in part
        assert 'Check "Help improve Claude": set it to ' in part
        assert 'Confirm that you follow: "Do not rate replies with thumbs up or down in work chats"' in part
        assert "set it to Followed" not in part and "set it to <strong>Followed" not in part  # a practice, not a switch
        assert "No setting to switch: confirm how you use Gemini Apps" in part
        assert "Your last answer was not compliant" in part  # only ChatGPT's
        assert part.count("Your last answer was not compliant") == 1
    assert "set it to Off" in text and "set it to <strong" in html
    # Tools in due-date order, each a heading of its own.
    assert re.findall(r"<h2[^>]*>(.*?)</h2>", html) == ["ChatGPT", "LinkedIn", "Claude", "Gemini Apps"]
    link = re.search(r"https?://\S+/me/link/\S+/", text).group(0)
    assert f'href="{link}"' in html


def test_reminder_without_an_organization_name_says_the_products_name(org, mailoutbox, settings):
    settings.ORGANIZATION_NAME = ""

    digests.send_reminder_digests(today=TODAY)

    text, html = only_mail(mailoutbox, org.employee)
    assert text.startswith("AI Governance · AI tool governance")
    assert mail_org.ORGANIZATION not in html


def test_manager_digest_names_each_reports_tools_settings_and_dates_in_words(org, mailoutbox):
    digests.send_escalations(today=TODAY)

    text, html = only_mail(mailoutbox, org.manager)
    assert_inlined_and_branded(html, text)
    assert buttons(html) == ["See your team's status"]
    for part in (text, html.replace("“", '"').replace("”", '"')):
        assert "Alexandra Konstantinopoulou" in part and "Sam Lee" in part
        assert "overdue since Monday 9 November 2026 (20 days)" in part
        assert "Overdue since Friday 13 November 2026 (16 days ago)" in part  # LinkedIn, past the delay too
        assert '"Improve the model for everyone" is ' in part and '"Help improve Claude" is ' in part
        assert "Due today" not in part  # Alexandra's Claude is not overdue: not escalated


def test_officer_summary_figures_are_the_selectors_and_dates_in_words(org, mailoutbox):
    digests.send_officer_summary(today=TODAY)

    text, html = only_mail(mailoutbox, org.officer.employee)
    assert_inlined_and_branded(html, text)
    assert buttons(html) == ["Open the dashboard"]
    figures = digests.officer_summary_figures(TODAY)
    summary = figures["summary"]
    assert (summary.total, summary.satisfied, summary.overdue) == (7, 2, 3)
    for part in (text, html):
        assert "on Sunday 29 November 2026" in part
        assert f"{summary.satisfied} of {summary.total}" in part
        assert f"{figures['overdue_people']} people" in part
        for platform in figures["platforms"]:
            assert platform.extra["name"] in part
    assert [(row["setting__label"], row["count"]) for row in figures["failing_settings"]] == [
        ("Improve the model for everyone", 1)
    ]
    assert 'ChatGPT: "Improve the model for everyone", 1 non-compliant answer' in text
    assert "“Improve the model for everyone”, 1 non-compliant answer" in html


def test_report_ready_mail_has_one_button_to_the_report(org, mailoutbox):
    digests.send_report_ready(report=org.report, today=TODAY)

    text, html = only_mail(mailoutbox, org.officer.employee)
    assert_inlined_and_branded(html, text)
    assert buttons(html) == ["Download the PDF and CSV"]
    assert "as of Sunday 29 November 2026" in text and "41 of 48 obligations satisfied (85.4%)" in text


def test_report_ready_mail_says_so_when_the_report_counts_nobody(org, mailoutbox):
    org.report.summary = {**org.report.summary, "overall": {"satisfied": 0, "total": 0, "rate": None}}
    org.report.save(update_fields=["summary"])

    digests.send_report_ready(report=org.report, today=TODAY)

    text, html = only_mail(mailoutbox, org.officer.employee)
    for part in (text, html):
        assert "is ready: no open obligations." in part
        assert "0 of 0" not in part and "(-)" not in part
