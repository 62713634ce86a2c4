"""SCIM 2.0 (RFC 7643/7644) for identity providers: Users mapped onto HR employees, Groups
whose names carry roles.

scim2-models (the library scim2-tester and scim2-client are built on) validates the payloads
and applies PATCH operations, with classes built from the schemas this server publishes
(schemas.provider), so what is published and what is accepted are one description; filters
are parsed by scim2-filter-parser. django-scim2 was evaluated and not used: it needs
``scim_id``/``scim_external_id`` columns on the model, its own settings and middleware, and
saves objects one by one, while our employees are written by the set-based people service
(paths, rescoping, audit).

- schemas: discovery documents and the scim2-models classes; dialects: provider quirks
  outside scim2-models' tolerances; resources / groups: models to SCIM and back; users: the
  writes; filters: filter expressions to SQL; views: the endpoints.
"""
