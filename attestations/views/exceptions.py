"""The exception queue (compliance officers): decide what employees asked for."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from attestations.forms import ApproveExceptionForm, DenyExceptionForm
from attestations.models import PolicyException
from attestations.selectors.exceptions import settings_at_issue
from attestations.selectors.obligations import exceptions_for_review, version_phrase
from attestations.services import exceptions as exception_services
from governance.roles import is_compliance_officer, role_required
from policies.forms import apply_errors
from policies.selectors import published_version

officer_required = role_required(is_compliance_officer)


@officer_required
def exception_list(request):
    status = request.GET.get("status", PolicyException.Status.REQUESTED)
    if status not in PolicyException.Status.values and status != "all":
        status = PolicyException.Status.REQUESTED
    exceptions = exceptions_for_review(status=None if status == "all" else status)[:500]
    context = {"exceptions": exceptions, "status": status, "statuses": PolicyException.Status.choices}
    return render(request, "policies/exception_list.html", context)


@officer_required
def exception_decide(request, pk):
    exception = get_object_or_404(exceptions_for_review(status=None), pk=pk)
    approve = ApproveExceptionForm(
        request.POST if request.POST.get("decision") == "approve" else None,
        initial=ApproveExceptionForm.initial_for(exception),
        prefix="approve",
    )
    deny = DenyExceptionForm(request.POST if request.POST.get("decision") == "deny" else None, prefix="deny")
    if request.method == "POST":
        form = approve if request.POST.get("decision") == "approve" else deny
        if form.is_valid():
            try:
                if form is approve:
                    exception_services.approve_exception(
                        exception=exception,
                        expires_on=form.cleaned_data["expires_on"],
                        note=form.cleaned_data["note"],
                        actor=request.user,
                    )
                else:
                    exception_services.deny_exception(
                        exception=exception, note=form.cleaned_data["note"], actor=request.user
                    )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                verb = "approved" if form is approve else "denied"
                messages.success(
                    request, f"Exception for {exception.employee.full_name} ({exception.rule.platform.name}) {verb}."
                )
                return redirect("attestations:exceptions")
    attested, at_issue = settings_at_issue(exception=exception)
    context = {
        "exception": exception,
        "attested": attested,
        "settings_at_issue": at_issue,
        "version_phrase": version_phrase(
            exception.rule.version, published_version(policy=exception.rule.version.policy)
        ),
        "approve": approve,
        "deny": deny,
        "own_request": exception_services.is_own_request(exception, request.user),
        "own_request_message": exception_services.OWN_REQUEST_MESSAGE,
    }
    return render(request, "policies/exception_decide.html", context)
