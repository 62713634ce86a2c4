from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = "Policies"

    def ready(self):
        # Registers the receiver that re-opens obligations when a catalog setting is revised.
        from governance.services import obligations  # noqa: F401
