from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self):
        from compliance import jobs  # noqa: F401  (registers the compliance jobs)
        from compliance.selectors import version_obligation_counts
        from policies import extensions

        extensions.provide_obligation_counts(version_obligation_counts)

        from attestations import ledger
        from compliance.services.reports.anchors import report_ledger_anchors

        ledger.register_anchor_source(report_ledger_anchors)
