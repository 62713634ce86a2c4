"""Peers the tests start as real processes on loopback (identity providers, servers)."""

import subprocess


def stop(process: subprocess.Popen, *, grace: float = 10.0) -> None:
    """Ask the process to end, wait a bounded time, then kill it."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
