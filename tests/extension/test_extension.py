"""The browser extension (extension/): its own unit tests (node's test runner), Mozilla's
linter (web-ext lint, from the npm registry), and what its build asks the browser for."""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "extension"
WEB_EXT = ROOT / "node_modules" / ".bin" / "web-ext"
# Chrome runs the background as a service worker, Firefox as scripts: both are declared and each
# browser ignores the other's, which web-ext reports as a warning, not an error.
EXPECTED_WARNINGS = {"BACKGROUND_SERVICE_WORKER_IGNORED"}

sys.path.insert(0, str(EXTENSION))
import build  # noqa: E402  (extension/build.py, the one build of the extension)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("extension")
    archive = build.build(out, ["https://gov.example.com"])
    return out / "unpacked", archive


def test_the_extensions_own_unit_tests_pass():
    node = shutil.which("node")
    assert node, "node is needed for the extension's unit tests (make test installs npm, which brings it)"
    result = subprocess.run(
        [node, "--test", str(EXTENSION / "test")], capture_output=True, text=True, timeout=120, cwd=EXTENSION
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout
    assert "# pass 0" not in result.stdout


def test_web_ext_lint_finds_no_error(built):
    unpacked, _ = built
    result = subprocess.run(
        [str(WEB_EXT), "lint", "--source-dir", str(unpacked), "--self-hosted", "--output", "json"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    report = json.loads(result.stdout)
    assert report["errors"] == [], report["errors"]
    assert {warning["code"] for warning in report["warnings"]} <= EXPECTED_WARNINGS, report["warnings"]


def test_the_build_asks_for_the_catalog_hosts_its_storage_and_the_governance_site_only(built):
    unpacked, _ = built
    manifest = json.loads((unpacked / "manifest.json").read_text())
    assert manifest["manifest_version"] == 3
    assert manifest["permissions"] == ["storage"]
    hosts = build.catalog_hosts()
    assert "chatgpt.com" in hosts and "claude.ai" in hosts and "linkedin.com" in hosts
    assert not any("/" in host for host in hosts)
    tool_patterns = [f"https://*.{host}/*" for host in hosts]
    assert manifest["host_permissions"] == [*tool_patterns, "https://gov.example.com/*"]
    assert "optional_host_permissions" not in manifest
    assert manifest["content_scripts"][0]["matches"] == tool_patterns
    # A site that is a page of a larger one (GitHub Copilot on github.com) does not put the
    # panel on all of that site.
    assert "github.com" not in hosts


def test_the_extension_runs_no_remote_or_generated_code(built):
    unpacked, _ = built
    manifest = json.loads((unpacked / "manifest.json").read_text())
    assert manifest["content_security_policy"]["extension_pages"] == "script-src 'self'; object-src 'none'"
    for script in unpacked.rglob("*.js"):
        text = script.read_text()
        for forbidden in ("eval(", "new Function", "innerHTML", 'importScripts("http', '<script src="http'):
            assert forbidden not in text, f"{script.name} uses {forbidden}"
    for page in unpacked.rglob("*.html"):
        assert "http" not in page.read_text().split("<body>")[0], f"{page.name} loads something remote"


def test_the_zip_holds_the_unpacked_extension_byte_for_byte_and_is_reproducible(built, tmp_path):
    unpacked, archive = built
    with zipfile.ZipFile(archive) as zipped:
        names = sorted(zipped.namelist())
        assert names == sorted(str(p.relative_to(unpacked)) for p in unpacked.rglob("*") if p.is_file())
        for name in names:
            assert zipped.read(name) == (unpacked / name).read_bytes()
    again = build.build(tmp_path, ["https://gov.example.com"])
    assert again.read_bytes() == archive.read_bytes()


@pytest.mark.parametrize("origin", ["http://gov.example.com", "ftp://gov.example.com", "gov.example.com"])
def test_a_governance_site_off_https_is_refused_at_build_time(origin):
    with pytest.raises(SystemExit, match="https"):
        build.server_pattern(origin)
