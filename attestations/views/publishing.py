"""Publishing and retiring policy versions (governance admins): the policy editor's last step,
which writes obligations. Mounted under /policies/ beside the editor."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from attestations import jobs
from attestations.selectors.publishing import preview_affected
from governance.roles import is_governance_admin, role_required
from policies import extensions, selectors
from policies.models import PolicyVersion
from policies.services import publish_problems
from policies.views import draft_or_redirect

admin_required = role_required(is_governance_admin)


@admin_required
def version_preview(request, pk):
    version = get_object_or_404(PolicyVersion.objects.select_related("policy"), pk=pk)
    return render(request, "policies/version_preview.html", {"version": version, "preview": preview_affected(version)})


@admin_required
def version_publish(request, pk):
    version = get_object_or_404(PolicyVersion.objects.select_related("policy"), pk=pk)
    if response := draft_or_redirect(request, version):
        return response
    problems = publish_problems(version)
    today = timezone.localdate()
    if request.method == "POST" and not problems:
        # Publishing writes obligations for everyone in scope: a job, not this request.
        job, _ = jobs.start_publish(
            version=version, actor=request.user, today=today, return_url=reverse("policies:version", args=[version.pk])
        )
        return redirect("job", pk=job.pk)
    published = selectors.published_version(policy=version.policy)
    context = {
        "version": version,
        "published": published,
        "problems": problems,
        "preview": preview_affected(version),
        "diff": selectors.diff_versions(published, version),
        "today": today,
        "first_due": selectors.first_due_on(version, today=today),
        "backdated": version.effective_on < today,
    }
    return render(request, "policies/version_publish.html", context, status=400 if request.method == "POST" else 200)


@admin_required
def version_retire(request, pk):
    version = get_object_or_404(PolicyVersion.objects.select_related("policy"), pk=pk)
    if version.status != PolicyVersion.Status.PUBLISHED:
        messages.error(request, f"Only a published version can be retired; version {version.number} is not.")
        return redirect("policies:version", pk=version.pk)
    if request.method == "POST":
        # Retiring closes everyone's open obligations: a job, not this request.
        job, _ = jobs.start_retire(
            version=version, actor=request.user, return_url=reverse("policies:version", args=[version.pk])
        )
        return redirect("job", pk=job.pk)
    counts = extensions.obligation_counts(version=version)
    return render(request, "policies/version_retire.html", {"version": version, "open_total": sum(counts.values())})
