"""Local stand-ins for the catalog tools' sites, for the browser extension's tests.

A TLS server on a loopback port, with a certificate made for the test (``cryptography``), serves
pages by Host header; Chromium reaches it under the tools' real host names through
``--host-resolver-rules`` (and accepts the certificate through the context's
``ignore_https_errors``), so the extension sees "https://chatgpt.com/..." and nothing leaves
the machine. The settings pages imitate the structure of the real ones closely enough for the
extension to find a control by its catalog label: a labelled switch in a settings dialog."""

import datetime
import html
import ssl
import sys
import tempfile
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""
SWITCH = """<div class="setting-row"><div class="label-group"><div>{label}</div>
<div class="hint">Allow your content to be used to train our models.</div></div>
<button type="button" role="switch" aria-checked="{checked}" aria-label="{label}">{state}</button></div>"""


def _certificate(hosts, folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tool sites for tests")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host) for host in hosts]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class ToolSites:
    """``pages``: {(host, path): (title, body html)}; any other path on a known host is its home."""

    def __init__(self, pages: dict[tuple[str, str], tuple[str, str]]):
        self.pages = pages
        self.hosts = sorted({host for host, _ in pages})
        self.requests: list[tuple[str, str]] = []
        self._folder = tempfile.TemporaryDirectory()
        cert, key = _certificate(self.hosts, Path(self._folder.name))
        sites = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                host = (self.headers.get("Host") or "").split(":")[0]
                path = self.path.split("?")[0]
                sites.requests.append((host, path))
                found = sites.pages.get((host, path)) or sites.pages.get((host, "/"))
                if found is None:
                    self.send_error(404)
                    return
                title, body = found
                data = PAGE.format(title=html.escape(title), body=body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self._folder.cleanup()

    def resolver_rules(self) -> str:
        """Chromium's --host-resolver-rules: every tool host to this server, nothing else moved."""
        rules = [f"MAP {host}:443 127.0.0.1:{self.port}" for host in self.hosts]
        return ", ".join(rules)


def switch(label: str, *, on: bool) -> str:
    return SWITCH.format(label=html.escape(label), checked="true" if on else "false", state="On" if on else "Off")


# A settings dialog drawn the way single-page apps draw theirs (ChatGPT's opens over any page at
# "#settings/DataControls"): nothing in the page's HTML, a dialog with tabs made by script after the
# fragment changes and a moment's delay, each switch named by the label beside it
# (aria-labelledby), its state in aria-checked; pressing it (click, Space, Enter) flips it.
SETTINGS_DIALOG = """<div id="modal-root"></div>
<script>
(function () {{
  const rows = {rows};
  function row(item, index) {{
    const id = "setting-" + index;
    const state = item.checked === null ? "" : ' aria-checked="' + item.checked + '"';
    return '<div class="setting-row"><div id="' + id + '-label">' + item.label + '</div>' +
      '<button type="button" role="switch" id="' + id + '" aria-labelledby="' + id + '-label"' + state +
      ' data-state="' + (item.checked ? "checked" : "unchecked") + '" style="width:44px;height:24px"></button></div>';
  }}
  function draw() {{
    const root = document.getElementById("modal-root");
    if (location.hash !== "{fragment}") {{
      root.innerHTML = "";
      return;
    }}
    setTimeout(function () {{
      root.innerHTML = '<div role="dialog" aria-modal="true" aria-labelledby="settings-title">' +
        '<h2 id="settings-title">Settings</h2><div role="tablist"><button role="tab" aria-selected="false">General</button>' +
        '<button role="tab" aria-selected="true">Data controls</button></div><div role="tabpanel">' +
        rows.map(row).join("") + "</div></div>";
      for (const button of root.querySelectorAll('[role="switch"][aria-checked]')) {{
        button.addEventListener("click", function () {{
          button.setAttribute("aria-checked", button.getAttribute("aria-checked") === "true" ? "false" : "true");
        }});
      }}
    }}, 300);
  }}
  window.addEventListener("hashchange", draw);
  draw();
}})();
</script>"""


def settings_dialog(fragment: str, rows: list[tuple[str, bool | None]]) -> str:
    """A page whose settings dialog opens at ``fragment``, with one switch per (label, on); a state
    of None draws a switch without aria-checked (a vendor that changed how it draws its switches)."""
    import json

    items = [{"label": html.escape(label), "checked": None if on is None else str(on).lower()} for label, on in rows]
    return SETTINGS_DIALOG.format(rows=json.dumps(items), fragment=fragment)


@contextmanager
def chromium_with_extension(playwright, *, server_url: str, folder: Path, sites: dict):
    """Debian chromium with the extension built for ``server_url`` loaded unpacked, and the
    tools' host names resolved to stand-ins serving ``sites``; yields (context, extension id)."""
    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "extension"))
    import build

    build.build(folder / "extension", [server_url])
    unpacked = folder / "extension" / "unpacked"
    with ToolSites(sites) as stand_ins:
        context = playwright.chromium.launch_persistent_context(
            str(folder / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            ignore_https_errors=True,  # the stand-in sites' certificate is the test's own
            args=[
                *CHROMIUM_ARGS,
                f"--disable-extensions-except={unpacked}",
                f"--load-extension={unpacked}",
                f"--host-resolver-rules={stand_ins.resolver_rules()}",
            ],
        )
        try:
            worker = context.service_workers[0] if context.service_workers else context.wait_for_event("serviceworker")
            yield context, worker.url.split("/")[2]
        finally:
            context.close()
