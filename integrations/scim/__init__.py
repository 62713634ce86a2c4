"""SCIM 2.0 (RFC 7643/7644) for identity providers: Users mapped onto HR employees.

The protocol layer is small and written here; filters are parsed by scim2-filter-parser.
django-scim2 was evaluated and not used: it needs ``scim_id``/``scim_external_id`` columns
on the model, its own settings and middleware, and saves objects one by one, while our
employees are written by the set-based people service (paths, rescoping, audit).
"""
