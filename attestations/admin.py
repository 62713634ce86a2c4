from django.contrib import admin

from attestations.models import Attestation, LedgerCheckpoint, Obligation, PolicyException
from governance.admin import ReadOnlyAdmin


@admin.register(Attestation)
class AttestationAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "employee", "platform", "compliant", "created_at", "hash"]
    list_filter = ["kind", "compliant"]
    search_fields = ["hash", "employee__email"]
    list_select_related = ["employee", "platform"]
    readonly_fields = [f.name for f in Attestation._meta.fields]


@admin.register(LedgerCheckpoint)
class LedgerCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["id", "count", "head_hash", "created_at", "kid"]
    readonly_fields = [f.name for f in LedgerCheckpoint._meta.fields]


@admin.register(Obligation)
class ObligationAdmin(ReadOnlyAdmin):
    list_display = ["employee", "platform", "policy_version", "status", "due_on", "valid_until", "closed_at"]
    list_filter = ["status", "close_reason"]
    search_fields = ["employee__email", "employee__external_id"]
    list_select_related = ["employee", "platform", "policy_version__policy"]
    raw_id_fields = ["employee", "rule", "satisfied_by"]


@admin.register(PolicyException)
class PolicyExceptionAdmin(ReadOnlyAdmin):
    list_display = ["employee", "rule", "status", "requested_at", "expires_on", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["employee", "rule__platform"]
