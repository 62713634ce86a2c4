from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "People"

    def ready(self):
        from people import jobs  # noqa: F401  (registers the people app's jobs)
