"""The integrations' tasks (webhook delivery and retries, idempotency purge) are defined next to
their services; imported here so that a worker registers them (Celery's autodiscovery only
looks at <app>.tasks)."""

from integrations import keys as _keys  # noqa: F401
from integrations import webhooks as _webhooks  # noqa: F401
