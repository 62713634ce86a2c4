from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.module_loading import import_string

from demo import DEMO_STEPS


class Command(BaseCommand):
    help = "Load the demo organization (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run in production mode (DJANGO_ENV=production).")
        today = timezone.localdate()
        for step in DEMO_STEPS:
            import_string(step)(today=today, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo organization loaded."))
