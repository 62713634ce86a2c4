from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    # No receivers link accounts to employee records by e-mail address: HR data never attaches
    # a record to an account by itself (governance.services.accounts).

    def ready(self):
        from governance import receivers, sqldefs
        from governance.schedules import align_with_time_zone

        post_migrate.connect(align_with_time_zone, sender=self, dispatch_uid="governance.align_schedules")
        post_migrate.connect(sqldefs.install_after_migrate, sender=self, dispatch_uid="governance.install_sql")
        receivers.connect()
