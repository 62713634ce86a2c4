"""What the browser tests check on any page: the Content-Security-Policy's refusals, and
axe-core's violations.

axe-core is the npm package that `make test` installs (package.json at the top of the
repository, `npm ci`). Its source goes in through Playwright's evaluate, not a <script> tag: the
product's Content-Security-Policy allows no inline script, and a scan must not need it relaxed."""

from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# Registered before any page script runs (page.add_init_script); a refusal names its directive.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""

# The impacts issue 16 holds every page to: none of these, anywhere.
BLOCKING = ("serious", "critical")

RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


def axe_source():
    if not AXE_JS.exists():
        raise AssertionError(f"{AXE_JS} is missing: `make test` installs it (npm ci, from package-lock.json)")
    return AXE_JS.read_text()


def violations(page, source):
    """axe's serious and critical violations on the page as it stands, one dict per rule."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(source)
    return [v for v in page.evaluate(RUN) if v["impact"] in BLOCKING]


def describe(found, where):
    """One readable line per violated rule: where, rule id, impact, what it says, the first targets."""
    lines = []
    for v in found:
        targets = ", ".join(v["targets"][:4]) + (f" (+{len(v['targets']) - 4} more)" if len(v["targets"]) > 4 else "")
        lines.append(f"{where}: {v['id']} ({v['impact']}) {v['help']} -> {targets}")
    return lines


def sign_in_with_password(page, email, password="demo"):
    """Sign in on the sign-in page, as a person does (the demo accounts' password by default)."""
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()
    return page
