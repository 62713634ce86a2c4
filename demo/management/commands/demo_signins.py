from django.conf import settings
from django.core.management.base import BaseCommand

from demo import DEMO_PASSWORD
from demo.people import SIGN_INS


class Command(BaseCommand):
    help = "Print the demo sign-ins, one per role."

    def handle(self, *args, **options):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"AI Governance demo at {settings.SITE_URL}/"))
        roles = {
            "admin@demo.example": "governance admin",
            "officer@demo.example": "compliance officer",
            "manager@demo.example": "manager",
            "employee@demo.example": "employee",
        }
        for email in SIGN_INS:
            self.stdout.write(f"  {roles[email]:<20} {email:<24} password: {DEMO_PASSWORD}")
        self.stdout.write("")
