"""A job's status (long operations the API started or caused: an HR change that brings many
people's obligations in line, ...). Its URL is what a 202 answer points at."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from governance import jobs
from governance.models import Job
from integrations.api import serializers as s
from integrations.api.exceptions import ProblemError
from integrations.api.permissions import is_key_request
from integrations.api.query import DocumentedQueryOnly
from integrations.api.views.common import ERRORS_WITH_404


class SignedInOrKey(BasePermission):
    """Any signed-in person or key gets this far; whether they may see the job is per job (an
    unknown job and one they may not see answer the same 404)."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)


@extend_schema(
    summary="A job's status and progress",
    description="Keys: a scope of the job's kind (an HR change's job: `employees:read` or `employees:write`). "
    "Signed-in: who started it and the kind's role. `status` is queued, running, done or failed; `message` "
    "says what it did or why it failed. A job another key or person may not see answers 404.",
    tags=["jobs"],
    responses={200: s.JobSerializer, **ERRORS_WITH_404},
)
class JobView(DocumentedQueryOnly, APIView):
    permission_classes = [SignedInOrKey]
    query_params: dict = {"get": ()}

    def get(self, request, pk):
        job = get_object_or_404(Job, pk=pk)
        allowed = jobs.key_can_view(request.auth, job) if is_key_request(request) else jobs.can_view(request.user, job)
        if not allowed:
            raise ProblemError(404, "No job with this id.")
        return Response(s.JobSerializer(job, context={"request": request}).data)
