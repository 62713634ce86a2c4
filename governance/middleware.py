"""Request guards that hold for every URL, before any view reads its arguments."""

from governance.validators import control_character
from governance.views.errors import error_response


def _control_character_in_url(request):
    """(where, character, parameter name) of the first control character in the path or the
    query string, or None."""
    found = control_character(request.path_info)
    if found is not None:
        return "The address", found, None
    for name, values in request.GET.lists():
        for text in (name, *values):
            found = control_character(text)
            if found is not None:
                where = "A query parameter name" if text is name else f"The query parameter {name!r}"
                return where, found, name
    return None


class RefuseControlCharactersMiddleware:
    """No address carries control characters: a path or query parameter with NUL (or any other
    control character) is answered 400 before a view looks anything up with it, as a problem
    document under /api/, a SCIM error under /scim/ and a page elsewhere. Without this, NUL
    reaches PostgreSQL, which refuses it in text with an error (a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refused = _control_character_in_url(request)
        if refused is None:
            return self.get_response(request)
        where, found, name = refused
        scim_type = "invalidFilter" if name == "filter" else "invalidValue"
        return error_response(request, 400, f"{where} contains a control character ({found}).", scim_type=scim_type)
