from compliance.models.counts import (
    ComplianceSnapshotTotal,
    FailingSettingCount,
    HandlerObligationCount,
    ManagerObligationCount,
    ObligationCount,
    ObligationCountState,
    ObligationFacetCount,
)
from compliance.models.reports import ComplianceReport, ComplianceSnapshot

__all__ = [
    "ComplianceReport",
    "ComplianceSnapshot",
    "ComplianceSnapshotTotal",
    "FailingSettingCount",
    "HandlerObligationCount",
    "ManagerObligationCount",
    "ObligationCount",
    "ObligationCountState",
    "ObligationFacetCount",
]
