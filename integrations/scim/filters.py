"""SCIM filter expressions (``userName eq "a@b.c"``) to querysets via scim2-filter-parser."""

import re

from django.db.models.expressions import RawSQL
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser
from scim2_filter_parser.transpilers.sql import Transpiler

from integrations.models import ScimGroup, ScimUser
from integrations.scim.schemas import CORE_GROUP, CORE_USER, ENTERPRISE_USER
from people.models import Employee

# Text comparisons throughout (ids too), so a non-numeric id is "no match", not a database error.
USER_COLUMNS = {
    ("id", None, None): "e.id::text",
    ("userName", None, None): "COALESCE(s.user_name, e.email)",
    ("externalId", None, None): "s.external_id",
    ("displayName", None, None): "e.full_name",
    ("name", "formatted", None): "e.full_name",
    ("title", None, None): "e.job_title",
    ("emails", "value", None): "e.email",
    ("emails", None, None): "e.email",
    ("employeeNumber", None, ENTERPRISE_USER): "e.external_id",
}
GROUP_COLUMNS = {
    ("id", None, None): "g.id::text",
    ("displayName", None, None): "g.display_name",
    ("externalId", None, None): "g.external_id",
    ("members", "value", None): "m.employee_id::text",
    ("members", None, None): "m.employee_id::text",
}

# Every attribute here is caseExact false (schemas.py): compared in lower case on both sides.
USER_COLUMNS = {path: f"LOWER({column})" for path, column in USER_COLUMNS.items()}
GROUP_COLUMNS = {path: f"LOWER({column})" for path, column in GROUP_COLUMNS.items()}
# The same attributes named with their schema URN ("urn:...:core:2.0:User:userName").
USER_COLUMNS.update({(a, b, CORE_USER): c for (a, b, urn), c in list(USER_COLUMNS.items()) if urn is None})
GROUP_COLUMNS.update({(a, b, CORE_GROUP): c for (a, b, urn), c in list(GROUP_COLUMNS.items()) if urn is None})


def _user_from():
    return (
        f'"{Employee._meta.db_table}" e LEFT JOIN "{ScimUser._meta.db_table}" s ON s.employee_id = e.id',
        "e.id",
    )


def _group_from():
    members = ScimGroup.members.through._meta.db_table
    return (f'"{ScimGroup._meta.db_table}" g LEFT JOIN "{members}" m ON m.scimgroup_id = g.id', "g.id")


class InvalidFilter(ValueError):
    pass


def _filter(queryset, expression, columns, source):
    try:
        ast = SCIMParser().parse(SCIMLexer().tokenize(expression))
        transpiler = Transpiler(columns)
        where, params = transpiler.transpile(ast)
    except Exception as exc:  # the parser raises assorted errors for bad syntax
        raise InvalidFilter(f"The filter could not be parsed: {exc}".strip()) from None
    unknown = [p for p in transpiler.attr_paths if tuple(p) not in columns]
    if unknown or not where:
        names = ", ".join(".".join(x for x in (p[2], p[0], p[1]) if x) for p in unknown) or expression
        raise InvalidFilter(f"Filtering on {names} is not supported.")
    ordered = []

    def placeholder(match):
        value = params[match.group(1)]
        ordered.append(value.lower() if isinstance(value, str) else value)
        return "%s"

    sql = re.sub(r"\{(\w+)\}", placeholder, where)
    tables, key = source()
    return queryset.filter(pk__in=RawSQL(f"SELECT {key} FROM {tables} WHERE {sql}", ordered))


def filter_employees(queryset, expression):
    """``queryset`` narrowed by a SCIM filter on Users; InvalidFilter names what is not supported."""
    return _filter(queryset, expression, USER_COLUMNS, _user_from)


def filter_groups(queryset, expression):
    """``queryset`` narrowed by a SCIM filter on Groups (displayName, externalId, id, members.value)."""
    return _filter(queryset, expression, GROUP_COLUMNS, _group_from)
