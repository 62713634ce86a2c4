import json

import pytest
from django.test import Client

from integrations.keys import create_api_key
from integrations.models import ALL_SCOPES


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


@pytest.fixture
def world(db, private_storage):
    """One of everything the endpoints address: department D1, employee E1, a finished report,
    a webhook endpoint with one delivery, a policy."""
    from django.core.files.base import ContentFile

    from compliance.models import ComplianceReport
    from integrations.models import WebhookDelivery, WebhookEndpoint
    from tests.factories import DepartmentFactory, EmployeeFactory, PlatformFactory, PolicyFactory, report_in_state

    department = DepartmentFactory(code="D1", name="Engineering")
    employee = EmployeeFactory(external_id="E1", email="e1@example.test", department=department)
    report = report_in_state(ComplianceReport.Status.DONE, title="Q1")
    report.csv_file.save("q1.csv", ContentFile(b"employee,platform,status\nE1,chatgpt,compliant\n"))
    report.pdf_file.save("q1.pdf", ContentFile(b"%PDF-1.4 test"))
    endpoint = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook", secret="s" * 32, events=["report.ready"])
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event_type="report.ready", payload={"id": "x"})
    policy = PolicyFactory()
    PlatformFactory(slug="acme")
    return {
        "department": department,
        "employee": employee,
        "report": report,
        "webhook": endpoint,
        "delivery": delivery,
        "policy": policy,
    }


@pytest.fixture
def scim(client_for):
    """An identity provider's key: it reads (filters, lists) and writes."""
    return client_for("employees:read", "employees:write")
