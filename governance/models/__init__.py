from governance.models.audit import AuditEvent
from governance.models.ledger import Attestation, AttestationAnswer, Evidence, LedgerAppendOnlyError
from governance.models.obligations import (
    OPEN_ACTION_STATUSES,
    SATISFIED_STATUSES,
    Obligation,
    ObligationStatus,
    PolicyException,
)
from governance.models.people import Department, Employee, User

__all__ = [
    "OPEN_ACTION_STATUSES",
    "SATISFIED_STATUSES",
    "Attestation",
    "AttestationAnswer",
    "AuditEvent",
    "Department",
    "Employee",
    "Evidence",
    "LedgerAppendOnlyError",
    "Obligation",
    "ObligationStatus",
    "PolicyException",
    "User",
]
