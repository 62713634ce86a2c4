"""Functions that read, one module per concern; views, API, reports and jobs share them."""

from governance.selectors.people import reports_of
from governance.selectors.trend import compliance_trend

__all__ = ["compliance_trend", "reports_of"]
