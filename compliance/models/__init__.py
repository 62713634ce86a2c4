from compliance.models.counts import (
    ComplianceSnapshotTotal,
    FailingSettingCount,
    ManagerObligationCount,
    ObligationCount,
    ObligationCountState,
    ObligationFacetCount,
    PeopleCount,
    PersonObligationCount,
)
from compliance.models.reports import ComplianceReport, ComplianceSnapshot

__all__ = [
    "ComplianceReport",
    "ComplianceSnapshot",
    "ComplianceSnapshotTotal",
    "FailingSettingCount",
    "ManagerObligationCount",
    "ObligationCount",
    "ObligationCountState",
    "ObligationFacetCount",
    "PeopleCount",
    "PersonObligationCount",
]
