"""Starting and stopping the test SAML IdP (tests.saml_idp.server), and the keys both sides
use. Keys and certificates are made fresh for each run (no private key is in the repository).
"""

import datetime
import json
import os
import select
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.processes import stop

REPO = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 20  # seconds for the IdP to bind and load its metadata


@dataclass(frozen=True)
class Credentials:
    key_file: Path
    cert_file: Path

    @property
    def cert(self) -> str:
        return self.cert_file.read_text()

    @property
    def key(self) -> str:
        return self.key_file.read_text()


def make_credentials(folder: Path, name: str) -> Credentials:
    """A fresh RSA key and a self-signed certificate for it, as SAML signing keys are."""
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / f"{name}.key", folder / f"{name}.crt"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Credentials(key_file, cert_file)


def sp_metadata(base_url: str, app_settings: dict, organization_slug: str) -> str:
    """The product's own SP metadata for ``base_url``, as ``/sso/saml/<slug>/metadata/`` serves
    it (allauth's configuration, python3-saml's metadata), without a database or a server."""
    from allauth.socialaccount.providers.saml.utils import build_sp_config
    from django.test import RequestFactory
    from onelogin.saml2.settings import OneLogin_Saml2_Settings

    parts = urlsplit(base_url)
    request = RequestFactory().get("/", SERVER_NAME=parts.hostname, SERVER_PORT=str(parts.port or 80))
    config = {
        "strict": True,
        "sp": build_sp_config(request, app_settings, organization_slug),
        "security": {"authnRequestsSigned": True, "logoutRequestSigned": True, "wantAssertionsSigned": True},
    }
    return OneLogin_Saml2_Settings(settings=config, sp_validation_only=True).get_sp_metadata().decode()


@dataclass
class RunningIdP:
    base: str
    credentials: Credentials

    @property
    def entity_id(self) -> str:
        return f"{self.base}/metadata"

    @property
    def metadata_url(self) -> str:
        return f"{self.base}/metadata"

    def state(self) -> dict:
        return requests.get(f"{self.base}/state", timeout=5).json()


@contextmanager
def running_idp(folder: Path, *, sp_metadata_files: list[Path], users: dict, credentials: Credentials):
    """The IdP process on 127.0.0.1, ready to serve; terminated when the block ends."""
    if shutil.which("xmlsec1") is None:
        raise RuntimeError("The test IdP signs with the xmlsec1 tool: apt-get install xmlsec1 (make's SYSTEM_TOOLS).")
    config = folder / "idp.json"
    config.write_text(
        json.dumps(
            {
                "key_file": str(credentials.key_file),
                "cert_file": str(credentials.cert_file),
                "sp_metadata": [str(p) for p in sp_metadata_files],
                "users": users,
            }
        )
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.saml_idp.server", str(config)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=open(folder / "idp.log", "w"),  # noqa: SIM115 - the child writes it until the end
        env={**os.environ, "PYTHONPATH": str(REPO)},
        text=True,
    )
    try:
        port = _ready_port(process, folder)
        yield RunningIdP(f"http://127.0.0.1:{port}", credentials)
    finally:
        stop(process)


def _ready_port(process: subprocess.Popen, folder: Path) -> int:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], READY_TIMEOUT)
    line = process.stdout.readline() if ready else ""
    if not line.startswith("READY "):
        process.kill()
        raise RuntimeError(f"The test IdP did not start: {line!r}\n{(folder / 'idp.log').read_text()}")
    return int(line.split()[1])
