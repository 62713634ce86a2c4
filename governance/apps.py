from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self):
        from governance import signals  # noqa: F401
        from governance.schedules import align_with_time_zone

        post_migrate.connect(align_with_time_zone, sender=self, dispatch_uid="governance.align_schedules")
