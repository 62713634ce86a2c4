"""Functions that read, one module per concern; views, API, reports and jobs share them."""

from governance.selectors.obligations import obligations_for as obligations_for
from governance.selectors.people import reports_of

__all__ = ["reports_of"]
