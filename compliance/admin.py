from django.contrib import admin

from compliance.models import ComplianceReport
from governance.admin import ReadOnlyAdmin


@admin.register(ComplianceReport)
class ComplianceReportAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "trigger", "status", "progress", "created_at", "finished_at"]
    list_filter = ["job__status", "trigger"]
    list_select_related = ["job"]
