"""Compliance figures: the one place they are computed (a package by question: filters, figures,
the maintained counts, exceptions, catalog freshness, breakdowns, the trend).

The dashboard, the reports (CSV and PDF), the API's summary and the weekly e-mail all call
these functions, so a figure is the same wherever it is shown. Everything aggregates in the
database; Python only ever loops over departments or platforms (tens to hundreds), never over
people or obligations.

On PostgreSQL the figures read maintained aggregates (compliance.models.counts, kept by
triggers) instead of grouping the open obligations, so that the dashboard reads a handful of
rows per department and tool shown however large the organization:

- summary, per tool, per department and heat map: ObligationCount (ObligationFacetCount for
  the country and customer-data filters), one row per department shown, rolled up;
- required settings most often failing: FailingSettingCount;
- people fully compliant on every tool (everyone, and the customer-data handlers, also per
  tool): PersonObligationCount;
- trend: ComplianceSnapshotTotal;
- a manager's team (summary, per tool, per department, heat map): ManagerObligationCount, the
  rows of the team's managers (not with a country or customer-data filter).

They fall back to the live aggregate over the open obligations for what the counts do not
keep (a team's failing settings, a team under a country or customer-data filter, the
people fully compliant for a policy-version filter, and everyone's for a tool filter), on SQLite, and when the obligation counts are
not (yet) computed for ``today``. Both paths return the same figures (tests/governance/
test_rollups.py), and the dashboard's query count does not depend on the organization's size.
"""

from compliance.selectors.breakdowns import (  # noqa: F401
    NO_DEPARTMENT_ROW,
    OVERDUE_SCAN_PER_PERSON,
    Overview,
    by_department,
    by_platform,
    department_tree,
    heat_map,
    noncompliant_settings,
    overdue_people,
    overview,
)
from compliance.selectors.counts import (  # noqa: F401
    counts_answer,
    customer_data_coverage,
    people_by_coverage,
    people_coverage,
    summary,
    team_counts,
    version_obligation_counts,
)
from compliance.selectors.exceptions import (  # noqa: F401
    exceptions_for,
    expired_exception_count,
    open_exception_count,
    open_exception_counts,
    open_exceptions,
    open_exceptions_overview,
)
from compliance.selectors.figures import (  # noqa: F401
    BUCKET_LABELS,
    BUCKETS,
    FIGURE_NAMES,
    NOBODY,
    Figures,
    figure_aggregates,
    obligations_in_bucket,
    open_obligations,
    share,
)
from compliance.selectors.filters import NO_DEPARTMENT, ComplianceFilters  # noqa: F401
from compliance.selectors.freshness import catalog_freshness, stale_catalog_count  # noqa: F401
from compliance.selectors.scope import (  # noqa: F401
    WHOLE_ORGANIZATION,
    same_scope_params,
    scope_label,
    scope_parts,
    scope_slug,
)
from compliance.selectors.trends import change, figures_on, trend  # noqa: F401
