"""Build the browser extension: ``python extension/build.py`` (``make extension``).

Writes ``extension/build/unpacked/`` (load it unpacked, or point the browser tests at it) and
``extension/build/ai-governance-extension-<version>.zip`` (what an organization deploys). The
tools' host names come from the product's own catalog (``platforms/catalog/*.yaml``: each
platform's ``website`` whose address is a site of its own, not a page of a larger one), so the
extension asks for exactly those hosts, its storage, and the governance site's origin
(``--server``; without it, the pairing page asks for the origin at pairing time).
"""

import argparse
import json
import shutil
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import yaml

HERE = Path(__file__).resolve().parent
CATALOG = HERE.parent / "platforms" / "catalog"
# Deterministic zips: the same sources give the same bytes.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def catalog_hosts(catalog: Path = CATALOG) -> list[str]:
    """The host of every catalog platform whose website is a site's root, without "www."."""
    hosts = set()
    for path in sorted(catalog.glob("*.yaml")):
        for platform in (yaml.safe_load(path.read_text()) or {}).get("platforms", []):
            url = urlsplit(platform.get("website") or "")
            if url.scheme == "https" and url.hostname and url.path in ("", "/"):
                hosts.add(url.hostname.removeprefix("www."))
    return sorted(hosts)


def server_pattern(origin: str) -> str:
    url = urlsplit(origin)
    local = url.hostname in ("127.0.0.1", "localhost")
    if not url.hostname or url.scheme not in ("https", "http") or (url.scheme == "http" and not local):
        raise SystemExit(f"--server must be an https origin (or http on 127.0.0.1/localhost): {origin!r}")
    return f"{url.scheme}://{url.hostname}/*"


def manifest(hosts: list[str], servers: list[str]) -> dict:
    data = json.loads((HERE / "manifest.base.json").read_text())
    tool_patterns = [f"https://*.{host}/*" for host in hosts]
    data["host_permissions"] = tool_patterns + [server_pattern(origin) for origin in servers]
    if not servers:
        data["optional_host_permissions"] = ["https://*/*"]
    data["content_scripts"] = [
        {"matches": tool_patterns, "js": ["lib/policy.js", "lib/dom.js", "content.js"], "run_at": "document_idle"},
        # The settings pages' callout (settings.js): on the same hosts, drawn only where a
        # setting's URL patterns match the page.
        {
            "matches": tool_patterns,
            "js": ["lib/policy.js", "lib/dom.js", "lib/probe.js", "settings.js"],
            "run_at": "document_idle",
        },
    ]
    return data


def build(out: Path, servers: list[str]) -> Path:
    unpacked = out / "unpacked"
    if unpacked.exists():
        shutil.rmtree(unpacked)
    shutil.copytree(HERE / "src", unpacked)
    data = manifest(catalog_hosts(), servers)
    (unpacked / "manifest.json").write_text(json.dumps(data, indent=2) + "\n")
    archive = out / f"ai-governance-extension-{data['version']}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(unpacked.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(str(path.relative_to(unpacked)), ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                zipped.writestr(info, path.read_bytes())
    return archive


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", action="append", default=[], help="The governance site's origin (repeatable).")
    parser.add_argument("--out", type=Path, default=HERE / "build")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    archive = build(args.out, args.server)
    print(f"Built {args.out / 'unpacked'} and {archive}")


if __name__ == "__main__":
    sys.exit(main())
