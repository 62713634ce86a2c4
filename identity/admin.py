from django.contrib import admin

from identity.models import RoleMapping


@admin.register(RoleMapping)
class RoleMappingAdmin(admin.ModelAdmin):
    list_display = ("group", "role")
    list_filter = ("role",)
    search_fields = ("group",)
