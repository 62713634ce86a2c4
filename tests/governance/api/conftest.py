import json

import pytest
from django.test import Client

from governance.models import ALL_SCOPES
from governance.services.integrations import create_api_key


class ApiClient(Client):
    """A test client that sends JSON bodies and a Bearer key."""

    def __init__(self, secret=None, **kwargs):
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        super().__init__(headers=headers, **kwargs)

    def _json(self, method, path, data=None, **kwargs):
        body = data if isinstance(data, (str, bytes)) else json.dumps(data)
        kwargs.setdefault("content_type", "application/json")
        return getattr(super(), method)(path, body, **kwargs)

    def post_json(self, path, data=None, **kwargs):
        return self._json("post", path, data, **kwargs)

    def put_json(self, path, data=None, **kwargs):
        return self._json("put", path, data, **kwargs)

    def patch_json(self, path, data=None, **kwargs):
        return self._json("patch", path, data, **kwargs)


@pytest.fixture
def make_key(db):
    def make(*scopes, name="HR sync"):
        return create_api_key(name=name, scopes=list(scopes) or list(ALL_SCOPES))

    return make


@pytest.fixture
def client_for(make_key):
    """An API client authenticated with a new key holding the given scopes."""

    def make(*scopes):
        return ApiClient(make_key(*scopes).secret)

    return make


@pytest.fixture
def api(client_for):
    """An API client with every scope."""
    return client_for(*ALL_SCOPES)


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
