"""Functions that read, one module per concern; views, API, reports and jobs share them."""

from governance.selectors.attestations import acknowledgments_needed, open_obligations_for, records_of
from governance.selectors.obligations import obligations_for as obligations_for
from governance.selectors.people import reports_of

__all__ = ["acknowledgments_needed", "open_obligations_for", "records_of", "reports_of"]
