"""A job's page: what it is doing, how far it got, and what it did (it polls itself until done)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from governance import jobs
from governance.models import Job


def _job_for(request: HttpRequest, pk: int) -> Job:
    job = get_object_or_404(Job.objects.select_related("created_by"), pk=pk)
    if not jobs.can_view(request.user, job):
        raise PermissionDenied
    return job


@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    return render(request, "jobs/detail.html", {"job": _job_for(request, pk)})


@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The status partial the page polls (htmx). A page that shows the job's result around it
    (a report's page: its summary and files) includes it with ``reload``: once the job is
    finished, the answer tells htmx to reload the whole page."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    job = _job_for(request, pk)
    reload = request.GET.get("reload") == "1"
    response = render(request, "partials/job_progress.html", {"job": job, "reload": reload})
    if reload and job.finished:
        response["HX-Refresh"] = "true"
    return response
