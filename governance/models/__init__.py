from governance.models.audit import AuditEvent
from governance.models.integrations import (
    ALL_SCOPES,
    ApiKey,
    IdempotencyRecord,
    Scope,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from governance.models.jobs import ComplianceReport, ComplianceSnapshot, NotificationLog
from governance.models.ledger import Attestation, AttestationAnswer, Evidence, LedgerAppendOnlyError
from governance.models.obligations import (
    OPEN_ACTION_STATUSES,
    SATISFIED_STATUSES,
    Obligation,
    ObligationStatus,
    PolicyException,
)
from governance.models.people import Department, Employee, User
from governance.models.rollups import (
    ComplianceSnapshotTotal,
    FailingSettingCount,
    HandlerObligationCount,
    ObligationCount,
    ObligationCountState,
    ObligationFacetCount,
)

__all__ = [
    "ALL_SCOPES",
    "ApiKey",
    "IdempotencyRecord",
    "Scope",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "OPEN_ACTION_STATUSES",
    "SATISFIED_STATUSES",
    "Attestation",
    "AttestationAnswer",
    "AuditEvent",
    "ComplianceReport",
    "ComplianceSnapshot",
    "ComplianceSnapshotTotal",
    "Department",
    "Employee",
    "Evidence",
    "FailingSettingCount",
    "HandlerObligationCount",
    "LedgerAppendOnlyError",
    "NotificationLog",
    "Obligation",
    "ObligationCount",
    "ObligationCountState",
    "ObligationFacetCount",
    "ObligationStatus",
    "PolicyException",
    "User",
]
