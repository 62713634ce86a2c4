from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from integrations.keys import create_api_key
from integrations.models import ALL_SCOPES


class Command(BaseCommand):
    help = "Create an API key for an integration and print it (it is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Which system uses the key.")
        parser.add_argument("--scopes", required=True, help=f"Comma-separated: {','.join(ALL_SCOPES)} (or 'all').")

    def handle(self, *args, name, scopes, **options):
        scopes = list(ALL_SCOPES) if scopes.strip() == "all" else scopes
        try:
            issued = create_api_key(name=name, scopes=scopes)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stderr.write(
            f"Created key {issued.api_key.name!r} ({issued.api_key.prefix}) with scopes "
            f"{', '.join(issued.api_key.scopes)}. Store it now; it is not shown again."
        )
        self.stdout.write(issued.secret)
