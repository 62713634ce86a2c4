"""The maintained counts' functions and triggers, rendered from templates (governance.sqldefs installs them)."""

from compliance.sql.maintained_counts import SQL

__all__ = ["SQL"]
