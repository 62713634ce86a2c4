from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from governance import db, outbox
from governance.celery import app as celery_app


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, db.vendor()
    except Exception as error:  # any failure means "not healthy"; the message says why
        return False, str(error)


def _broker_ok():
    if celery_app.conf.task_always_eager:
        return True, "in-process (eager)"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, conn.transport_cls
    except Exception as error:
        return False, str(error)


@never_cache
@require_GET
def healthz(request):
    db_ok, db_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    healthy = db_ok and broker_ok
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": {"ok": db_ok, "detail": db_detail},
        "broker": {"ok": broker_ok, "detail": str(broker_detail)},
        # Work waiting for the broker (informational: a broker outage delays it, loses none).
        "outbox": outbox.backlog() if db_ok else None,
    }
    return JsonResponse(body, status=200 if healthy else 503)
