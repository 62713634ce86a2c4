"""The published SCIM conformance tester (scim2-tester) against a served instance: zero errors.

scim2-tester reads /ServiceProviderConfig, /Schemas and /ResourceTypes, builds its models
from what the server publishes, and then creates, reads, lists, replaces, patches (add,
replace, remove of every declared attribute) and deletes Users and Groups over HTTP."""

import httpx
import pytest
from scim2_client import BaseSyncSCIMClient
from scim2_tester import Status, check_server

from integrations.keys import create_api_key
from integrations.models import ALL_SCOPES

pytestmark = pytest.mark.django_db(transaction=True)


class HttpxSCIMClient(BaseSyncSCIMClient):
    """scim2-client over httpx: its bundled engine wants httpx2, a fork not on PyPI here;
    the engine is the same three methods over httpx's identical Client API."""

    def __init__(self, client, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client

    def _stays_under_base_url(self, endpoint):
        url = self.client.build_request("GET", endpoint).url
        base = self.client.base_url
        return url.host == base.host and url.port == base.port and url.raw_path.startswith(base.raw_path)

    def _parse_json(self, response):
        return response.json()

    def request(self, method, url, **kwargs):
        return self.client.request(method, url, **kwargs)


@pytest.fixture
def scim_client(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "api_key": "100000/min"},
    }
    secret = create_api_key(name="Conformance run", scopes=list(ALL_SCOPES)).secret
    with httpx.Client(
        base_url=f"{live_server.url}/scim/v2", headers={"Authorization": f"Bearer {secret}"}, timeout=30
    ) as http:
        yield HttpxSCIMClient(http)


def failures(results):
    return [r for r in results if r.status in (Status.ERROR, Status.CRITICAL)]


def test_the_conformance_tester_finds_no_errors(scim_client):
    results = check_server(scim_client)
    assert not failures(results), "\n".join(f"{r.resource_type or ''} {r.title}: {r.reason}" for r in failures(results))
    ran = {(r.resource_type, r.title) for r in results if r.status == Status.SUCCESS}
    for resource_type in ("User", "Group"):
        for check in (
            "object_creation",
            "object_query",
            "object_query_without_id",
            "object_query_with_attributes",
            "object_list_with_attributes",
            "object_replacement",
            "object_deletion",
            "check_add_attribute",
            "check_replace_attribute",
            "check_remove_attribute",
        ):
            assert (resource_type, check) in ran
    # The one check left out: POST /.search across resource types, which the server answers
    # 501 (RFC 7644 §3.4.3 makes it optional; ServiceProviderConfig has no flag for it).
    others = {(r.title, r.status) for r in results if r.status != Status.SUCCESS}
    assert others == {("search_with_attributes", Status.SKIPPED)}
