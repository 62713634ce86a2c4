"""Employees' own pages (My AI tools, attesting a tool, receipts, history, exception requests,
evidence) and the managers' team page. Views stay thin: they resolve the signed-in employee,
scope every lookup to them (404 for anything else) and call selectors and services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from attestations import extensions
from attestations.forms import DOES_NOT_USE, USES, AttestationForm, ExceptionRequestForm, value_label
from attestations.models import Attestation, Evidence, Obligation, ObligationStatus, PolicyException
from attestations.selectors import records as selectors
from attestations.selectors.obligations import version_in_force, version_phrase
from attestations.services import attest as services
from attestations.services.exceptions import request_exception
from governance import roles
from governance.net import client_ip
from people.services.accounts import employee_awaiting_confirmation, link_account
from policies.selectors import text_changes

HISTORY_PAGE_SIZE = 50


def request_details(request):
    """The part of a request the ledger records (address and user agent), as plain values."""
    return {"ip": client_ip(request), "user_agent": request.META.get("HTTP_USER_AGENT", "")}


def _me(request):
    """The signed-in person's Employee record; 404 when the account has none."""
    employee = roles.employee_of(request.user)
    if employee is None:
        raise Http404("This account is not linked to an employee record.")
    return employee


def _my_obligation(request, pk):
    return get_object_or_404(
        Obligation.objects.select_related("platform", "policy_version__policy", "rule", "employee"),
        pk=pk,
        employee=_me(request),
    )


# --- My AI tools ------------------------------------------------------------------------------


@login_required
@require_GET
def my_tools(request):
    employee = roles.employee_of(request.user)
    if employee is None:
        awaiting = employee_awaiting_confirmation(request.user)
        return render(request, "attestations/me/tools.html", {"employee": None, "awaiting": awaiting})
    today = timezone.localdate()
    obligations = list(selectors.open_obligations_for(employee=employee))
    reasons = selectors.due_again_reasons(obligations)
    cards = [
        (obligation, selectors.describe(obligation, today=today), reasons.get(obligation.pk, []))
        for obligation in obligations
    ]
    # Tools that still need something first, then the done ones; each group by due date.
    cards.sort(key=lambda card: (card[1].done, card[0].due_on, card[0].platform.name.lower()))
    done, total = selectors.progress(obligations)
    needed = list(selectors.acknowledgments_needed(employee=employee))
    read_before = selectors.last_acknowledged(employee=employee, versions=needed)
    to_acknowledge = [
        (version, version.body_html(), read_before.get(version.policy_id), _changes_since(read_before, version))
        for version in needed
    ]
    return render(
        request,
        "attestations/me/tools.html",
        {
            "employee": employee,
            "cards": cards,
            "done": done,
            "total": total,
            "percent": round(100 * done / total) if total else 100,
            "to_acknowledge": to_acknowledge,
            "sections": extensions.me_sections(request=request, employee=employee),
        },
    )


def _changes_since(read_before, version):
    """The lines of ``version``'s text changed since the version of it the employee acknowledged."""
    before = read_before.get(version.policy_id)
    return text_changes(before.body_markdown, version.body_markdown) if before is not None else []


@login_required
@require_POST
def acknowledge(request, version_id):
    employee = _me(request)
    version = get_object_or_404(selectors.acknowledgments_needed(employee=employee, include_done=True), pk=version_id)
    try:
        services.acknowledge_policy(
            employee=employee, version=version, actor=request.user, request_meta=request_details(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("me")
    messages.success(request, f"Thank you: you acknowledged {version.policy.name} version {version.number}.")
    return redirect("me")


# --- Attesting one tool -----------------------------------------------------------------------


def _requirements(obligation):
    return list(obligation.rule.required_settings.select_related("setting__platform").order_by("setting__key"))


def _leave_retired(request, obligation, message):
    messages.warning(request, message)
    current = selectors.current_obligation_for(employee=obligation.employee, platform_id=obligation.platform_id)
    if current is not None and current.pk != obligation.pk:
        return redirect("me-tool", pk=current.pk)
    return redirect("me")


@login_required
def attest_tool(request, pk):
    obligation = _my_obligation(request, pk)
    version = version_in_force(obligation) if obligation.closed_at is None else None
    if version is None:
        return _leave_retired(
            request,
            obligation,
            "This tool's policy version is no longer in force. Here is what the current policy asks.",
        )
    requirements = _requirements(obligation)
    busy_now = False
    if request.method == "POST":
        form = AttestationForm(request.POST, request.FILES, obligation=obligation, requirements=requirements)
        if form.is_valid():
            try:
                record = services.submit_attestation(
                    obligation=obligation,
                    answers=form.answers(),
                    tool_used=form.cleaned_data["tool_used"] == USES,
                    tier=form.cleaned_data.get("tier", ""),
                    evidence_file=form.cleaned_data.get("evidence"),
                    statement=services.attestation_statement(obligation) if form.cleaned_data["confirm"] else "",
                    signature=form.cleaned_data["signature"],
                    actor=request.user,
                    request_meta=request_details(request),
                    state=form.cleaned_data["state"],
                )
            except services.DuplicateSubmission as duplicate:
                messages.info(request, duplicate.messages[0])
                latest = duplicate.latest
                if latest is not None and latest.employee_id == obligation.employee_id:
                    return redirect("me-record", pk=latest.pk)
                return redirect("me")
            except services.VersionNoLongerCurrent as retired:
                return _leave_retired(request, obligation, retired.messages[0])
            except services.BusyTryAgain as busy:
                form.add_error(None, busy.messages)
                busy_now = True
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return redirect("me-record", pk=record.pk)
    else:
        form = AttestationForm(
            obligation=obligation, requirements=requirements, initial={"state": services.form_state(obligation)}
        )
    response = render(
        request,
        "attestations/me/attest.html",
        {
            "obligation": obligation,
            "form": form,
            "statement": services.attestation_statement(obligation),
            "version_phrase": version_phrase(obligation.policy_version, version),
            "status": selectors.describe(obligation, today=timezone.localdate()),
            "due_again": selectors.due_again_reasons([obligation]).get(obligation.pk, []),
            "uses": USES,
            "does_not_use": DOES_NOT_USE,
        },
        status=503 if busy_now else 400 if request.method == "POST" else 200,
    )
    if busy_now:
        response["Retry-After"] = "60"  # a job holds the rows: nothing was stored, the answers are kept
    return response


# --- Receipts and history ---------------------------------------------------------------------


@login_required
@require_GET
def record(request, pk):
    employee = _me(request)
    entry = get_object_or_404(
        Attestation.objects.select_related(
            "platform", "policy_version__policy", "obligation", "evidence", "personal_data"
        ),
        pk=pk,
        employee=employee,
    )
    obligation = entry.obligation
    is_latest = obligation is not None and obligation.satisfied_by_id == entry.pk
    fixes = []
    practices = selectors.practice_setting_ids([entry])
    if entry.kind == Attestation.Kind.ATTESTATION and entry.compliant is False:
        steps = {
            requirement.setting_id: requirement.setting
            for requirement in obligation.rule.required_settings.select_related("setting__platform")
        }
        for answer in entry.answers:
            if not answer["compliant"]:
                fixes.append(
                    {
                        "label": answer.get("label") or answer["setting"],
                        "value": value_label(answer["value"]),
                        "required": value_label(answer["required"]),
                        "setting": steps.get(answer["setting_id"]),
                        "is_practice": answer["setting_id"] in practices,
                    }
                )
    return render(
        request,
        "attestations/me/receipt.html",
        {
            "entry": entry,
            "obligation": obligation,
            "is_latest": is_latest,
            "today": timezone.localdate(),
            # The record names the version in force when it was made; its obligation, the rule's.
            "version_phrase": version_phrase(obligation.policy_version, entry.policy_version)
            if obligation is not None
            else f"v{entry.policy_version.number}",
            "answers": [
                {
                    **answer,
                    "value_label": value_label(answer["value"]),
                    "required_label": value_label(answer["required"]),
                    "is_practice": answer["setting_id"] in practices,
                }
                for answer in entry.answers
            ],
            "has_practices": bool(practices),
            "fixes": fixes,
            "tier_label": services.TIER_LABELS.get(entry.tier, entry.tier),
            "tier_refused": bool(
                entry.tier
                and obligation
                and obligation.rule.allowed_tiers
                and entry.tier not in obligation.rule.allowed_tiers
            ),
            "open_request": obligation is not None
            and PolicyException.objects.filter(
                employee=employee, rule=obligation.rule_id, status=PolicyException.Status.REQUESTED
            ).exists(),
        },
    )


@login_required
@require_GET
def history(request):
    employee = _me(request)
    page = Paginator(selectors.records_of(employee=employee), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    practices = selectors.practice_setting_ids(page.object_list)
    for entry in page.object_list:  # the rule's version and the one in force, as every page names them
        rule_version = entry.obligation.policy_version if entry.obligation is not None else entry.policy_version
        entry.version_phrase = version_phrase(rule_version, entry.policy_version)
        entry.practices_confirmed = sum(
            1 for answer in entry.answers or () if answer.get("setting_id") in practices and answer.get("compliant")
        )
    return render(request, "attestations/me/history.html", {"page": page})


@login_required
@never_cache
@require_GET
def evidence(request, pk):
    """A screenshot, for the employee who uploaded it and for compliance officers only (404 otherwise)."""
    item = get_object_or_404(Evidence, pk=pk)
    me = roles.employee_of(request.user)
    if not (roles.is_compliance_officer(request.user) or (me is not None and me.pk == item.employee_id)):
        raise Http404
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Content-Disposition"] = f'inline; filename="evidence-{item.pk}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Exceptions -------------------------------------------------------------------------------


@login_required
def request_tool_exception(request, pk):
    obligation = _my_obligation(request, pk)
    if obligation.closed_at is not None:
        return _leave_retired(request, obligation, "This tool's policy version is no longer in force.")
    open_request = PolicyException.objects.filter(
        employee=obligation.employee, rule=obligation.rule_id, status=PolicyException.Status.REQUESTED
    ).first()
    form = ExceptionRequestForm(request.POST or None)
    if request.method == "POST" and open_request is None and form.is_valid():
        try:
            request_exception(
                employee=obligation.employee,
                obligation=obligation,
                reason=form.cleaned_data["reason"],
                requested_days=form.cleaned_data["requested_days"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                f"Your exception request for {obligation.platform.name} was sent. A compliance officer will decide.",
            )
            return redirect("me")
    return render(
        request,
        "attestations/me/exception.html",
        {
            "obligation": obligation,
            "form": form,
            "open_request": open_request,
            "noncompliant": obligation.status == ObligationStatus.NONCOMPLIANT,
            "version_phrase": version_phrase(obligation.policy_version, version_in_force(obligation)),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- One-click sign-in ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def confirm_employee_record(request):
    """HR lists the signed-in account's address for an employee record no account holds:
    the account confirms that the record is theirs (POST) before it is linked."""
    employee = employee_awaiting_confirmation(request.user)
    if employee is None:
        return redirect("me")
    if request.method == "POST":
        try:
            link_account(employee=employee, user=request.user, actor=request.user, confirmed_by_account=True)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("me")
        messages.success(request, "Your employee record is linked to your account.")
        return redirect("me")
    return render(request, "attestations/me/confirm_record.html", {"employee": employee})


# --- Managers ---------------------------------------------------------------------------------
