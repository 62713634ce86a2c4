"""Celery task of the maintained obligation counts (imported by GovernanceConfig.ready so the
worker registers it; scheduled daily at 00:05 by migration 0009)."""

from celery import shared_task

from governance.services.rollups import rebuild_obligation_counts

TASK_NAME = "governance.rebuild_obligation_counts"


@shared_task(name=TASK_NAME)
def rebuild_obligation_counts_task():
    """Recompute the obligation counts for the new day (their overdue flags drift at midnight)."""
    return rebuild_obligation_counts()
