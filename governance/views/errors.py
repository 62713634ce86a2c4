"""Error pages, and the same errors as problem details (API) or SCIM errors (SCIM), by path:
an integration never gets an HTML page, whatever failed."""

from django.core.exceptions import RequestDataTooBig
from django.shortcuts import render

from governance.api.exceptions import problem_response


def _surface(request):
    path = request.path_info
    if path.startswith("/scim/"):
        return "scim"
    if path.startswith("/api/"):
        return "api"
    return "page"


def error_response(request, status, detail, *, scim_type=None, template=None):
    """``status`` as the caller's surface expects it: problem+json, a SCIM error or a page."""
    surface = _surface(request)
    if surface == "api":
        return problem_response(status, detail)
    if surface == "scim":
        from governance.scim.views import error_response as scim_error

        return scim_error(status, detail, scim_type)
    return render(request, template or "errors/400.html", {"detail": detail}, status=status)


def bad_request(request, exception):
    if isinstance(exception, RequestDataTooBig) and _surface(request) != "page":
        return error_response(request, 413, "The request body is larger than this server accepts.")
    return error_response(request, 400, "The request could not be read.", scim_type="invalidSyntax")


def page_not_found(request, exception):
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception):
    return render(request, "errors/403.html", status=403)


def server_error(request):
    if _surface(request) != "page":
        # The page's navigation reads the signed-in person, which an API key is not.
        return error_response(request, 500, "Something went wrong on our side; the error is logged.")
    return render(request, "errors/500.html", status=500)
