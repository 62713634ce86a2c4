"""What every SCIM test sends: SCIM's media type, and a request with a JSON body."""

import json

SCIM = "application/scim+json"


def send(client, method, path, body):
    """The raw response to a SCIM request."""
    return getattr(client, method)(path, json.dumps(body), content_type=SCIM)


def sent(client, method, path, body):
    """A SCIM request that must succeed; its JSON answer (None when empty)."""
    response = send(client, method, path, body)
    assert response.status_code < 300, response.content
    return response.json() if response.content else None
