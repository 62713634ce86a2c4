from django.apps import AppConfig


class BrowserExtensionConfig(AppConfig):
    name = "browser_extension"
    verbose_name = "Browser extension"

    def ready(self):
        from django.core import checks

        from attestations import extensions
        from browser_extension.checks import signal_retention
        from browser_extension.selectors import usage_card
        from browser_extension.views.me import devices_section
        from compliance import extensions as dashboard

        extensions.provide_me_section(devices_section)
        dashboard.provide_dashboard_card(usage_card)
        checks.register(signal_retention)
