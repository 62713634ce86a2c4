"""A second connection to the test database, beside Django's: what another web worker, a job or
a signature in flight sees and holds while the test's own connection works (PostgreSQL)."""

import os
from typing import Any

from django.db import connection


def another_connection(**overrides: Any):
    """A new psycopg connection with Django's connection parameters (``overrides`` replace some,
    e.g. ``user`` and ``password`` for another role); the caller closes it (``with``)."""
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.update(overrides)
    return psycopg.connect(**params)


APP_PASSWORD = "GOV_TEST_APP_PASSWORD"  # the environment variable holding the app_role fixture's password


def connect_as(role: str):
    """A connection as ``role``, the application's role the ``app_role`` fixture made."""
    return another_connection(user=role, password=os.environ[APP_PASSWORD])
