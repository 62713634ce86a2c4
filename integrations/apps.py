from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        from governance.views import errors
        from integrations import receivers
        from integrations.api.exceptions import problem_response
        from integrations.scim.views import error_response as scim_error

        receivers.connect()
        # Errors anywhere under these paths answer as the integration expects, never as a page.
        errors.register_surface("/api/", lambda status, detail, scim_type=None: problem_response(status, detail))
        errors.register_surface("/scim/", scim_error)
