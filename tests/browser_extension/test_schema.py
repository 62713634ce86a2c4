"""The extension's API in the OpenAPI schema (/api/schema/): its three operations under a tag of
their own, with a security scheme of their own (a device token), and the answers' shapes. The
fuzzer (tests/integrations/test_schema.py) runs them with a paired device's token."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_the_extension_api_is_in_the_schema_with_its_device_token_scheme(schema):
    assert schema["components"]["securitySchemes"]["deviceToken"]["type"] == "http"
    assert schema["components"]["securitySchemes"]["deviceToken"]["scheme"] == "bearer"
    pair = schema["paths"]["/api/extension/v1/pair"]["post"]
    status = schema["paths"]["/api/extension/v1/status"]["get"]
    signals = schema["paths"]["/api/extension/v1/signals"]["post"]
    assert pair["tags"] == status["tags"] == signals["tags"] == ["Browser extension"]
    assert pair.get("security", [{}]) == [{}], "pairing takes a code, no credential"
    assert status["security"] == signals["security"] == [{"deviceToken": []}]
    assert "apiKey" not in str(status["security"]) and "cookieAuth" not in str(signals["security"])
    assert "201" in pair["responses"] and "200" in status["responses"] and "200" in signals["responses"]


def test_the_status_answer_documents_what_the_extension_reads(schema):
    components = schema["components"]["schemas"]
    tool = components["ToolStatus"]["properties"]
    assert {"id", "hosts", "stance", "on_open", "policy", "obligation"} <= set(tool)
    assert components["ToolStatusOnOpenEnum"]["enum"] == ["none", "warn", "block"]
    assert components["ToolStatusStanceEnum"]["enum"] == ["approved", "restricted", "prohibited", "none"]
    assert set(components["SignalRequest"]["required"]) == {"platform", "day"}
