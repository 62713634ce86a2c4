"""Paging of every API list, with the bounds the schema states enforced, not clamped.

A ``page_size`` or ``page`` that is not a whole number in range is refused (400) rather than
silently replaced by the default, so a client learns of its mistake. A cursor is opaque: one
that no page of this list ever handed out names no page (404), as an unknown id would."""

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination

from governance.validators import MAX_ID, parse_id
from integrations.api.exceptions import ProblemError

INVALID_CURSOR = "No page at this cursor: use the next or previous link of a page, or leave the cursor out."


def _bounded_number(request, name, *, maximum):
    """The query parameter ``name`` as a whole number from 1 to ``maximum``, None when absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    value = parse_id(raw)
    if value is None or not 1 <= value <= maximum:
        raise ProblemError(
            400,
            f"{name} must be a whole number from 1 to {maximum:,}.",
            errors={name: [f"A whole number from 1 to {maximum:,}."]},
            type_slug="validation-error",
        )
    return value


def _bounds(schema, *, maximum):
    for parameter in schema:
        parameter["schema"].update({"minimum": 1, "maximum": maximum})
    return schema


class IdCursorPagination(CursorPagination):
    """Stable cursor paging in id order: inserts during a sync never shift pages."""

    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    page_size_query_description = f"Rows per page, 1 to {max_page_size:,} (default {page_size})."
    cursor_query_description = "The `next` or `previous` link's cursor; an unknown cursor answers 404."

    def get_page_size(self, request):
        return _bounded_number(request, self.page_size_query_param, maximum=self.max_page_size) or self.page_size

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise NotFound(INVALID_CURSOR) from None
        # The position is the id the previous page ended at; anything else names no page.
        if cursor is not None and cursor.position is not None and parse_id(cursor.position) is None:
            raise NotFound(INVALID_CURSOR)
        return cursor

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        _bounds([p for p in parameters if p["name"] == self.page_size_query_param], maximum=self.max_page_size)
        return parameters


class PageNumbers(PageNumberPagination):
    """Numbered pages (the catalog): ``page`` from 1; a page past the last answers 404."""

    page_query_description = "Page number, from 1; a page past the last answers 404."

    def get_page_number(self, request, paginator):
        return _bounded_number(request, self.page_query_param, maximum=MAX_ID) or 1

    def get_schema_operation_parameters(self, view):
        return _bounds(super().get_schema_operation_parameters(view), maximum=MAX_ID)
