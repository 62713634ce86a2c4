"""A real OpenID Connect provider for the tests: ``oidc-provider-mock`` as its own process on
127.0.0.1, and the browserless round trip through it (the authorization form posted with
httpx, the callback followed with Django's test client)."""

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.processes import stop


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OidcProvider:
    def __init__(self, url: str):
        self.url = url

    def set_user(self, sub: str, **claims) -> None:
        """The claims the provider will assert for ``sub`` (replacing earlier ones)."""
        httpx.put(f"{self.url}/users/{sub}", json=claims, timeout=5).raise_for_status()

    def authorize(self, authorize_url: str, sub: str) -> str:
        """Consent as ``sub`` on the provider's form; returns our callback address with the code."""
        answer = httpx.post(authorize_url, data={"sub": sub}, timeout=5)
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]

    def sign_in(self, client, sub: str, *, provider_id: str = "mock", next_url: str = "/me/"):
        """Start at our provider login (POST, as the sign-in page's button), consent, follow the
        callback; returns the callback's response."""
        started = client.post(f"/sso/oidc/{provider_id}/login/", {"next": next_url})
        assert started.status_code == 302, started.content
        callback = urlsplit(self.authorize(started["Location"], sub))
        return client.get(callback.path, parse_qs(callback.query))


@contextlib.contextmanager
def running_provider(timeout: float = 20.0) -> Iterator[OidcProvider]:
    """Start the provider, wait (bounded) until its discovery document answers, stop it after."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    provider = OidcProvider(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"oidc-provider-mock exited with {process.returncode}")
            try:
                if httpx.get(f"{provider.url}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"oidc-provider-mock did not answer within {timeout} s")
            time.sleep(0.1)
        yield provider
    finally:
        stop(process)
