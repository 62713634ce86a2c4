from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    # No receivers link accounts to employee records by e-mail address: HR data never attaches
    # a record to an account by itself (governance.services.accounts).
