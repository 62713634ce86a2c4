import json

import pytest
from django.test import Client

from browser_extension import services


class DeviceClient(Client):
    """A client that speaks to the extension's API with a device token."""

    def __init__(self, token=None, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        super().__init__(headers=headers, **kwargs)

    def post_json(self, path, data, **kwargs):
        return self.post(path, json.dumps(data), content_type="application/json", **kwargs)


@pytest.fixture
def pair():
    """Pair a device for an employee through the services (a code, then the exchange)."""

    def make(employee, name="Work laptop"):
        _, code = services.create_pairing_code(employee=employee, actor=None)
        device, token = services.pair_device(code=code, device_name=name)
        return device, token

    return make


@pytest.fixture
def device_client(pair):
    def make(employee):
        device, token = pair(employee)
        client = DeviceClient(token)
        client.device = device
        return client

    return make
