from django.apps import AppConfig


class BrowserExtensionConfig(AppConfig):
    name = "browser_extension"
    verbose_name = "Browser extension"

    def ready(self):
        from attestations import extensions
        from browser_extension.views.me import devices_section

        extensions.provide_me_section(devices_section)
