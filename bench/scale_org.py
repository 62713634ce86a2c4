"""The large organization the job benchmarks run over: ``manage.py seed_scale``'s."""

from django.core.management import call_command

from attestations.models import Obligation
from governance import db
from people.models import Employee


def ensure_org(*, employees, platforms, stdout=print):
    """Make sure an organization of about ``employees`` active people exists (PostgreSQL only)."""
    if not db.on_postgres():
        raise SystemExit("Benchmarks run on PostgreSQL: set DATABASE_URL=postgres://...")
    if Employee.objects.count() >= employees and Obligation.objects.exists():
        return
    stdout(f"Seeding {employees} employees x {platforms} tools with seed_scale ...")
    call_command("seed_scale", employees=employees, platforms=platforms)
