from django.contrib import admin, messages

from identity.models import PendingLink, ProviderOptions, RoleMapping, SignInPolicy
from identity.services.sign_in import SignInRefused, approve_link, refuse_link


@admin.register(RoleMapping)
class RoleMappingAdmin(admin.ModelAdmin):
    list_display = ("group", "role")
    list_filter = ("role",)
    search_fields = ("group",)


@admin.register(SignInPolicy)
class SignInPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "updated_at")
    raw_id_fields = ("break_glass_accounts",)  # 100,000 accounts: no select box

    def has_add_permission(self, request):
        return not SignInPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProviderOptions)
class ProviderOptionsAdmin(admin.ModelAdmin):
    list_display = ("provider_id", "employee_number_claim", "groups_claim", "just_in_time")
    search_fields = ("provider_id",)


@admin.register(PendingLink)
class PendingLinkAdmin(admin.ModelAdmin):
    """Subjects that would sign in as accounts with extra rights: approve or refuse each once."""

    list_display = ("user", "provider_id", "uid", "status", "created_at", "decided_by")
    list_filter = ("status", "provider_id")
    search_fields = ("user__email", "uid")
    readonly_fields = [f.name for f in PendingLink._meta.fields]
    actions = ["approve", "refuse"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Approve: the subject signs in as this account")
    def approve(self, request, queryset):
        approved = 0
        for pending in queryset.filter(status=PendingLink.Status.PENDING).select_related("user", "employee"):
            try:
                approve_link(pending=pending, actor=request.user)
                approved += 1
            except SignInRefused as refused:
                self.message_user(request, f"{pending}: {refused}", messages.WARNING)
        self.message_user(request, f"{approved} link(s) approved.", messages.SUCCESS)

    @admin.action(description="Refuse")
    def refuse(self, request, queryset):
        refused = sum(refuse_link(pending=p, actor=request.user) for p in queryset)
        self.message_user(request, f"{refused} link(s) refused.", messages.SUCCESS)
