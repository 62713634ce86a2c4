from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from integrations.api.exceptions import ProblemError


class IdCursorPagination(CursorPagination):
    """Stable cursor paging in id order: inserts during a sync never shift pages."""

    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ProblemError(
                400, "Invalid cursor: use the next or previous link of a page.", errors={"cursor": ["Invalid cursor."]}
            ) from None
