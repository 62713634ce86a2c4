"""The kernel's Celery tasks: the outbox's runner and sweep, and the jobs' runner."""

from celery import shared_task

from governance import jobs
from governance.outbox import run_message, sweep

__all__ = ["run_job", "run_message", "sweep"]


@shared_task(name=jobs.RUN_JOB)
def run_job(job_id: int) -> str:
    """Run one queued job (sent through the outbox by ``jobs.start``)."""
    return jobs.run_job(job_id)
