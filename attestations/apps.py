from django.apps import AppConfig


class AttestationsConfig(AppConfig):
    name = "attestations"
    verbose_name = "Attestations"

    def ready(self):
        from attestations import receivers

        receivers.connect()
