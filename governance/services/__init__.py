"""Functions that change state, one module per concern; import them from here."""

from governance.services.attestations import acknowledge_policy, submit_attestation
from governance.services.obligations import rescope_employees as rescope_employees
from governance.services.people import (
    move_department,
    recompute_department_paths,
    recompute_reporting_paths,
    set_manager,
)

__all__ = [
    "acknowledge_policy",
    "move_department",
    "recompute_department_paths",
    "recompute_reporting_paths",
    "set_manager",
    "submit_attestation",
]
