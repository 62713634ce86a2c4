from attestations.models.ledger import (
    AnswerSource,
    Attestation,
    AttestationAnswer,
    AttestationPersonalData,
    Evidence,
    LedgerAppendOnlyError,
    LedgerCheckpoint,
)
from attestations.models.obligations import (
    OPEN_ACTION_STATUSES,
    SATISFIED_STATUSES,
    Obligation,
    ObligationStatus,
    PolicyException,
)

__all__ = [
    "OPEN_ACTION_STATUSES",
    "SATISFIED_STATUSES",
    "AnswerSource",
    "Attestation",
    "AttestationAnswer",
    "AttestationPersonalData",
    "Evidence",
    "LedgerAppendOnlyError",
    "LedgerCheckpoint",
    "Obligation",
    "ObligationStatus",
    "PolicyException",
]
