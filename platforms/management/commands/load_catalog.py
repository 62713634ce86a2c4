"""`python manage.py load_catalog [PATH]`: upsert the built-in catalog (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from platforms.catalog_schema import CatalogFileError
from platforms.services import load_catalog


class Command(BaseCommand):
    help = (
        "Load the built-in AI platform catalog (platforms/catalog/*.yaml, or PATH: a file or a "
        "directory). Upserts by platform slug and setting key; never deletes and never changes "
        "organization-made entries. A bad file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="A catalog .yaml file or a directory of them.")

    def handle(self, *args, path=None, **options):
        try:
            result = load_catalog(path=path)
        except CatalogFileError as exc:
            raise CommandError(f"Catalog not loaded, nothing changed. {exc}") from exc
        self.stdout.write(f"Platforms: {result.platforms}")
        self.stdout.write(f"Settings: {result.settings}")
        if result.revised:
            revised = ", ".join(f"{s.platform.slug}/{s.key} r{new}" for s, _old, new in result.revised)
            self.stdout.write(f"Revised settings: {revised}")
        self.stdout.write(self.style.SUCCESS("Catalog loaded."))
