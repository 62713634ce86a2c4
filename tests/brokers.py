"""A broker the tests start and stop at will, and a real Celery worker on it."""

import socket
import subprocess
import time
from contextlib import contextmanager

from governance.celery import app
from tests.processes import stop


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throwaway redis-server on loopback that keeps nothing on disk, started and stopped at will."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            stop(self.process)
            self.process = None


def _forget_connections():
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker(url):
    """Tasks go through the broker at ``url`` instead of running in-process."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "result_backend")}
    app.conf.update(broker_url=url, task_always_eager=False, result_backend=None)
    _forget_connections()
    try:
        yield
    finally:
        app.conf.update(saved)
        _forget_connections()


@contextmanager
def worker():
    from celery.contrib.testing.worker import start_worker

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
        yield


def wait_for(condition, *, seconds=60):
    """Poll ``condition`` until it holds (bounded); on time-out, say what the outbox still holds."""
    from governance.models import OutboxMessage

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"still waiting: {[(m.task, m.state, m.last_error) for m in OutboxMessage.objects.all()]}")
