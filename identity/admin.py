"""Django admin for sign-in: identity providers (allauth's social applications), their options,
the sign-in policy, role mappings and pending links. Governance admins manage all of it (Django's
admin also needs ``is_staff``, which the governance admin role carries)."""

from allauth.socialaccount.admin import SocialAppAdmin
from allauth.socialaccount.models import SocialApp
from django.contrib import admin, messages

from governance.roles import is_governance_admin
from identity.models import PendingLink, ProviderOptions, RoleMapping, SignInPolicy
from identity.services.sign_in import SignInRefused, approve_link, refuse_link


class GovernanceAdminsManage:
    """Governance admins (not only superusers) view, add, change and delete these rows."""

    def has_module_permission(self, request):
        return is_governance_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_governance_admin(request.user)

    def has_add_permission(self, request, *args):
        return is_governance_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_governance_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_governance_admin(request.user)


admin.site.unregister(SocialApp)


@admin.register(SocialApp)
class IdentityProviderAdmin(GovernanceAdminsManage, SocialAppAdmin):
    """allauth's identity providers (OpenID Connect issuers, SAML IdPs), managed by governance admins."""


@admin.register(RoleMapping)
class RoleMappingAdmin(GovernanceAdminsManage, admin.ModelAdmin):
    list_display = ("group", "role")
    list_filter = ("role",)
    search_fields = ("group",)


@admin.register(SignInPolicy)
class SignInPolicyAdmin(GovernanceAdminsManage, admin.ModelAdmin):
    list_display = ("__str__", "updated_at")
    raw_id_fields = ("break_glass_accounts",)  # 100,000 accounts: no select box

    def has_add_permission(self, request, *args):
        return is_governance_admin(request.user) and not SignInPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProviderOptions)
class ProviderOptionsAdmin(GovernanceAdminsManage, admin.ModelAdmin):
    list_display = ("provider_id", "employee_number_claim", "groups_claim", "just_in_time")
    search_fields = ("provider_id",)


@admin.register(PendingLink)
class PendingLinkAdmin(GovernanceAdminsManage, admin.ModelAdmin):
    """Subjects that would sign in as accounts with extra rights: approve or refuse each once."""

    list_display = ("user", "provider_id", "uid", "status", "created_at", "decided_by")
    list_filter = ("status", "provider_id")
    search_fields = ("user__email", "uid")
    readonly_fields = [f.name for f in PendingLink._meta.fields]
    actions = ["approve", "refuse"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # decided by the actions, once

    def has_delete_permission(self, request, obj=None):
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
