"""Error pages, and the same errors in the form each machine surface expects, by path: an
integration never gets an HTML page, whatever failed.

The machine surfaces (the REST API's problem details, SCIM's errors) belong to the integrations
app, which sits above the kernel: it registers how each answers in its ``ready()``
(:func:`register_surface`). Everything else gets a page.
"""

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.shortcuts import render

# respond(status, detail, scim_type) -> response, for requests whose path starts with the prefix.
Responder = Callable[[int, str, str | None], HttpResponse]
_SURFACES: dict[str, Responder] = {}


def register_surface(prefix: str, respond: Responder) -> None:
    _SURFACES[prefix] = respond


def _responder(request) -> Responder | None:
    path = request.path_info
    return next((respond for prefix, respond in _SURFACES.items() if path.startswith(prefix)), None)


def error_response(request, status, detail, *, scim_type=None, template=None):
    """``status`` as the caller's surface expects it: problem+json, a SCIM error or a page."""
    respond = _responder(request)
    if respond is not None:
        return respond(status, detail, scim_type)
    return render(request, template or "errors/400.html", {"detail": detail}, status=status)


def bad_request(request, exception):
    if isinstance(exception, RequestDataTooBig) and _responder(request) is not None:
        return error_response(request, 413, "The request body is larger than this server accepts.")
    return error_response(request, 400, "The request could not be read.", scim_type="invalidSyntax")


def page_not_found(request, exception):
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception):
    return render(request, "errors/403.html", status=403)


def server_error(request):
    if _responder(request) is not None:
        # The page's navigation reads the signed-in person, which an API key is not.
        return error_response(request, 500, "Something went wrong on our side; the error is logged.")
    return render(request, "errors/500.html", status=500)
