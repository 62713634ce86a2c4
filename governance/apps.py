from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    # The kernel listens to nothing: each domain app connects its own receivers in its ready(),
    # to the signals the app that sends them declares. No receiver links accounts to employee
    # records by e-mail address: HR data never attaches a record to an account by itself
    # (people.services.accounts).

    def ready(self):
        from governance import sqldefs
        from governance.schedules import align_with_time_zone

        post_migrate.connect(align_with_time_zone, sender=self, dispatch_uid="governance.align_schedules")
        post_migrate.connect(sqldefs.install_after_migrate, sender=self, dispatch_uid="governance.install_sql")
