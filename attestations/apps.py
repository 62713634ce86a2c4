from django.apps import AppConfig


class AttestationsConfig(AppConfig):
    name = "attestations"
    verbose_name = "Attestations"

    def ready(self):
        from attestations import jobs, receivers  # noqa: F401  (jobs registers the attestations' jobs)

        receivers.connect()
