from compliance.models.counts import (
    ComplianceSnapshotTotal,
    FailingSettingCount,
    HandlerObligationCount,
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
    "ObligationCount",
    "ObligationCountState",
    "ObligationFacetCount",
]
