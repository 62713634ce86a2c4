from django.contrib import admin

from governance.admin import ReadOnlyAdmin
from notifications.models import NotificationLog


@admin.register(NotificationLog)
class NotificationLogAdmin(ReadOnlyAdmin):
    list_display = ["day", "kind", "recipient", "state", "attempts", "sent_at"]
    list_filter = ["kind", "state", "day"]
    search_fields = ["recipient__email"]
    list_select_related = ["recipient"]
