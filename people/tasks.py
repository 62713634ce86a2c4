"""The people app's tasks are defined next to their service; imported here so that a worker
registers them (Celery's autodiscovery only looks at <app>.tasks)."""

from people.services import accounts as _accounts  # noqa: F401
