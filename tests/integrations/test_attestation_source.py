"""GET /api/v1/attestations/: each record says where its answers came from."""

import pytest

from tests.browser_extension.conftest import device_client, pair  # noqa: F401 (fixtures)
from tests.browser_extension.test_observations import NOW, OBSERVATIONS, _body, _obligation, build_chatgpt

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]


def test_the_rest_api_says_each_records_source(employee_user, device_client, client_for):  # noqa: F811
    obligation = _obligation(employee_user.employee, build_chatgpt())
    assert device_client(employee_user.employee).post_json(OBSERVATIONS, _body(obligation)).status_code == 201
    body = client_for("attestations:read").get("/api/v1/attestations/").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [(row["source"], row["answers"][0]["source"]) for row in rows] == [("extension", "extension")]
