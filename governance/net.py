"""The client's address, decided in one place for the ledger, the sign-in lockout and every throttle.

``PROXY_COUNT`` says how many reverse proxies we run in front of the app. Each of them appends
the address it received the request from to ``X-Forwarded-For``, so the client is the
``PROXY_COUNT``-th entry from the right; everything left of it was written by the client and is
never believed. With ``PROXY_COUNT = 0`` (the default) the header is ignored entirely and the
address is the socket's (``REMOTE_ADDR``).
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client that sent ``request``, or None when nothing usable is known.

    A header with fewer entries than trusted proxies, or an entry that is not an address, falls
    back to ``REMOTE_ADDR`` (the nearest proxy): a wrong answer then only ever groups clients
    together, it never lets a client pick its own address."""
    remote = _valid(request.META.get("REMOTE_ADDR") or "")
    proxies = settings.PROXY_COUNT
    if proxies <= 0:
        return remote
    entries = [entry for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if len(entries) < proxies:
        return remote
    return _valid(entries[-proxies]) or remote


def client_network(request: HttpRequest) -> str | None:
    """The client address as limits count it: an IPv6 address stands for its /64 (one site
    holds the whole /64, so per-address limits would otherwise not bind), IPv4 for itself."""
    address = client_ip(request)
    if address is None or ":" not in address:
        return address
    return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
