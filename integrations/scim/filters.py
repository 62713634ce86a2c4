"""SCIM filter expressions (``userName eq "a@b.c"``) to employee querysets via scim2-filter-parser."""

import re

from django.db.models.expressions import RawSQL
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser
from scim2_filter_parser.transpilers.sql import Transpiler

from integrations.scim.schemas import ENTERPRISE_USER
from people.models import Employee

COLUMNS = {
    ("id", None, None): "id",
    ("userName", None, None): "email",
    ("externalId", None, None): "external_id",
    ("displayName", None, None): "full_name",
    ("name", "formatted", None): "full_name",
    ("title", None, None): "job_title",
    ("emails", "value", None): "email",
    ("emails", None, None): "email",
    ("employeeNumber", None, ENTERPRISE_USER): "external_id",
}


class InvalidFilter(ValueError):
    pass


def filter_employees(queryset, expression):
    """``queryset`` narrowed by a SCIM filter; InvalidFilter names what is not supported."""
    try:
        ast = SCIMParser().parse(SCIMLexer().tokenize(expression))
        transpiler = Transpiler(COLUMNS)
        where, params = transpiler.transpile(ast)
    except Exception as exc:  # the parser raises assorted errors for bad syntax
        raise InvalidFilter(f"The filter could not be parsed: {exc}".strip()) from None
    unknown = [p for p in transpiler.attr_paths if tuple(p) not in COLUMNS]
    if unknown or not where:
        names = ", ".join(".".join(x for x in (p[2], p[0], p[1]) if x) for p in unknown) or expression
        raise InvalidFilter(f"Filtering on {names} is not supported.")
    ordered = []

    def placeholder(match):
        ordered.append(params[match.group(1)])
        return "%s"

    sql = re.sub(r"\{(\w+)\}", placeholder, where)
    table = Employee._meta.db_table
    return queryset.filter(pk__in=RawSQL(f'SELECT id FROM "{table}" WHERE {sql}', ordered))
