import pytest
from allauth.socialaccount.models import SocialApp

from tests.identity.oidc_mock import running_provider


@pytest.fixture(scope="session")
def oidc_provider():
    with running_provider() as provider:
        yield provider


@pytest.fixture
def oidc_app(db, oidc_provider):
    """The provider as a governance admin configures it: a SocialApp row."""
    return SocialApp.objects.create(
        provider="openid_connect",
        provider_id="mock",
        name="Acme ID",
        client_id="governance-product",
        secret="client-secret",
        settings={"server_url": oidc_provider.url},
    )
