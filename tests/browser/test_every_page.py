"""Every page of every role, found by following the links, at a laptop's width and a phone's
(issue 16, points 6 and 9): axe-core finds no serious or critical violation, nothing scrolls
sideways at 375 px, the Content-Security-Policy never fires and the console logs no error.

Nobody lists the pages: for each demo sign-in (and signed out) a breadth-first walk starts at
the landing page and follows the same-origin links it is shown, one page per page type (the
URL's name and the shape of its arguments), so a new page is scanned as soon as a link leads
to it. Sign-out, downloads and the machine interfaces (REST API, SCIM) are left out; of the
Django admin the walk takes the index, a couple of lists and one change form. Each role must
reach a minimum of page types, so a walk that finds nothing fails instead of passing."""

import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError

from tests.browser.checks import WATCH_CSP, axe_source, describe, sign_in_with_password, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}

SIGNED_OUT = "signed out"
# Where each walk starts (the landing page sends a signed-in person to their role's home), and
# the fewest page types it must reach: a little under what it reaches today (38, 15, 11, 8 and 3).
WALKS = {
    SIGNED_OUT: (["/accounts/login/", "/api/docs/"], 3),
    "admin@demo.example": (["/", "/admin/"], 32),
    "officer@demo.example": (["/"], 13),
    "manager@demo.example": (["/"], 9),
    "employee@demo.example": (["/"], 7),
}
# A bound on each walk; reaching it fails the test (raise it when the product grows).
MAX_PAGES = 80

# Not pages for a person: sign-out and one-click sign-in, files, polled fragments, the schema.
SKIP_NAMES = {
    "logout",
    "account_logout",
    "magic-login",
    "reports:download",
    "me-evidence",
    "trust:statement",
    "schema",
    "healthz",
    "favicon",
}
SKIP_PREFIXES = ("/api/v1/", "/scim/", "/static/", "/media/")
DOWNLOAD_SUFFIXES = (".csv", ".pdf", ".zip", ".json", ".yaml")
# Of the Django admin's pages, how many of each kind the walk takes.
ADMIN_BUDGET = {"index": 1, "changelist": 2, "change": 1}


def page_type(path):
    """The page type a path shows (its URL name and the names of its arguments), or None for a
    path the walk leaves alone."""
    if path.startswith(SKIP_PREFIXES) or path.lower().endswith(DOWNLOAD_SUFFIXES):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if not match.view_name or match.view_name in SKIP_NAMES:
        return None
    return (match.view_name, tuple(sorted(match.kwargs)))


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def admin_kind(view_name):
    """For a Django admin page, its kind (index, changelist, change, ...); None for another page."""
    if not view_name.startswith("admin:"):
        return None
    name = view_name.removeprefix("admin:")
    parts = name.split("_")
    # A model's pages are named <app label>_<model>_<kind>; the site's own ones (password_change,
    # logout, app_list) have no budget and are left out.
    return parts[-1] if len(parts) >= 3 or name == "index" else name


class Walk:
    """One role's breadth-first walk, scanning each new page type at both widths."""

    def __init__(self, page, origin, source, shots):
        self.page, self.origin, self.source = page, origin, source
        self.shots = shots  # where each page's screenshot at 375 px goes: a CI artifact
        self.queued = set()  # page types queued or reached, so that each is visited once
        self.admin_taken = {}
        self.scanned = []  # (page type's name, path)
        self.problems = []
        page.on("console", self.on_console)

    def on_console(self, message):
        # A refusal by the CSP is read off the page before axe runs (axe parses stylesheets through
        # <style> elements of its own, which the CSP refuses too, and the console reports).
        if message.type == "error" and "Content Security Policy" not in message.text:
            self.problems.append(f"{self.page.url}: console error {message.text}")

    def take(self, url):
        """The page type of a link the walk should follow (and books it), or None."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            return None
        kind = page_type(parts.path)
        if kind is None or kind in self.queued:
            return None
        admin = admin_kind(kind[0])
        if admin is not None:
            if self.admin_taken.get(admin, 0) >= ADMIN_BUDGET.get(admin, 0):
                return None
            self.admin_taken[admin] = self.admin_taken.get(admin, 0) + 1
        self.queued.add(kind)
        return kind

    def run(self, starts):
        queue = deque(url for url in (self.origin + path for path in starts) if self.take(url))
        while queue and len(self.scanned) < MAX_PAGES:
            queue.extend(link for link in self.visit(queue.popleft()) if self.take(link))
        if queue:
            self.problems.append(f"stopped at {MAX_PAGES} page types with {len(queue)} more to visit: {list(queue)}")

    def visit(self, url):
        """Scan the page at both widths; the links it shows."""
        page = self.page
        page.set_viewport_size(LAPTOP)
        try:
            response = page.goto(url)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                return []
            raise
        page.wait_for_load_state("networkidle")
        # A redirect (the landing page's, say) shows another page type: scan it unless reached already.
        landed = urlsplit(page.url)
        kind = page_type(landed.path)
        if landed.path != urlsplit(url).path:
            if kind is None or kind in self.queued:
                return []
            self.queued.add(kind)
        path = landed.path + (f"?{landed.query}" if landed.query else "")
        self.scanned.append((kind[0] if kind else path, path))
        if response is None or response.status != 200:
            self.problems.append(f"{path}: answered {response and response.status}")
            return []
        if not (response.headers.get("content-type") or "").startswith("text/html"):
            return []
        csp = page.evaluate("window.__cspViolations || []")
        if csp:
            self.problems.append(f"{path}: Content-Security-Policy refused {csp}")
        self.scan(path, LAPTOP)
        links = page.eval_on_selector_all(
            "a[href]:not([download])",
            "links => links.map((a) => new URL(a.getAttribute('href'), document.baseURI).href.split('#')[0])",
        )
        page.set_viewport_size(PHONE)
        self.scan(path, PHONE)
        page.screenshot(path=f"{self.shots}-{slug(self.scanned[-1][0])}.png", full_page=True)
        wide = page.evaluate("document.scrollingElement.scrollWidth")
        if wide > PHONE["width"]:
            self.problems.append(f"{path} at 375 px: scrolls sideways ({wide} px wide)")
        return links

    def scan(self, path, viewport):
        found = violations(self.page, self.source)
        self.problems.extend(describe(found, f"{path} at {viewport['width']} px"))


@pytest.fixture(scope="module")
def axe():
    return axe_source()


@pytest.fixture
def every_state(demo):
    """The demo organization plus the states whose pages it links nowhere: a draft policy version
    (the policy editor's pages), an exception request awaiting a decision (the decision form) and
    the employee's non-compliant answer (the exception request form)."""
    from attestations.models import Obligation
    from attestations.services.attest import attestation_statement, submit_attestation
    from attestations.services.exceptions import request_exception
    from people.models import Employee
    from policies.models import Policy
    from policies.services import create_draft

    people = {e.email: e for e in Employee.objects.select_related("user").filter(email__endswith="@demo.example")}
    create_draft(policy=Policy.objects.get(), actor=people["admin@demo.example"].user)
    manager = people["manager@demo.example"]
    waiting = Obligation.objects.open().filter(employee=manager, satisfied_by=None).first()
    request_exception(
        employee=manager, obligation=waiting, reason="A client project needs it.", requested_days=30, actor=manager.user
    )
    emma = people["employee@demo.example"]
    obligation = next(o for o in Obligation.objects.open().filter(employee=emma) if o.rule.required_settings.exists())
    wrong = {
        r.setting_id: next(v for v in r.setting.values if v != r.required_value)
        for r in obligation.rule.required_settings.select_related("setting")
    }
    submit_attestation(
        obligation=obligation,
        answers=wrong,
        tool_used=True,
        tier=(obligation.rule.allowed_tiers or [""])[0],
        statement=attestation_statement(obligation),
        signature=emma.full_name,
        actor=emma.user,
    )
    # A job's page (publishing runs as one), finished and failed: the admin's walk starts there too.
    from governance.models import Job

    admin = people["admin@demo.example"].user
    done, failed = (
        Job.objects.create(
            kind="attestations.publish",
            key=f"walk:{status}",
            title="Publishing AI acceptable use version 2",
            status=status,
            progress=100 if status == "done" else 40,
            message=message,
            created_by=admin,
            return_url="/policies/",
            return_label="See the policies",
        )
        for status, message in (("done", "Version 2 published: 3 obligations opened."), ("failed", "It stopped."))
    )
    # The public trust page, switched on: the signed-out walk starts there.
    from trust.models import TrustSettings

    TrustSettings.objects.create(pk=1, enabled=True, organization_name="Demo Corp")
    return {"admin@demo.example": [f"/jobs/{done.pk}/", f"/jobs/{failed.pk}/"], SIGNED_OUT: ["/trust/"]}


@pytest.mark.parametrize("who", list(WALKS))
def test_every_page_passes_axe_and_fits_a_phone(browser, live_server, every_state, axe, artifacts_dir, who):
    starts, fewest = WALKS[who]
    starts = starts + every_state.get(who, [])
    context = browser.new_context(base_url=live_server.url, viewport=LAPTOP)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.add_init_script(WATCH_CSP)
        if who != SIGNED_OUT:
            sign_in_with_password(page, who)
            assert urlsplit(page.url).path != "/accounts/login/", f"{who} could not sign in"
        walk = Walk(page, live_server.url, axe, shots=artifacts_dir / f"layout-375-{slug(who.split('@')[0])}")
        walk.run(starts)
    finally:
        context.close()
    (artifacts_dir / f"pages-{slug(who.split('@')[0])}.txt").write_text(
        "".join(f"{name}\t{path}\n" for name, path in walk.scanned)
    )
    assert not walk.problems, "\n".join([f"{who}:", *walk.problems])
    assert len(walk.scanned) >= fewest, f"{who}: the walk reached only {len(walk.scanned)} page types: {walk.scanned}"
