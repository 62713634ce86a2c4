"""The policy editor (governance admins): policies, drafts, their rules and required settings.

Publishing and retiring write obligations, so they live in attestations.views.publishing
(mounted under the same /policies/ prefix); the exception queue is attestations' too.

Views parse input, call policies.services / selectors and render; every domain rule lives in
the services, whose ValidationError messages are shown on the form with nothing changed.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from governance.roles import is_governance_admin, role_required
from policies import extensions, selectors, services
from policies.forms import (
    ChoosePlatformForm,
    PolicyForm,
    RequiredSettingForm,
    RuleForm,
    VersionForm,
    apply_errors,
)
from policies.models import Policy, PolicyVersion, RequiredSetting, ToolRule

admin_required = role_required(is_governance_admin)


def draft_or_redirect(request, version):
    """Pages that change a version answer for drafts only; others explain and go back."""
    if version.is_draft:
        return None
    messages.error(
        request,
        f"Version {version.number} is {version.get_status_display().lower()} and cannot be changed; "
        "draft a new version instead.",
    )
    return redirect("policies:version", pk=version.pk)


@admin_required
def policy_list(request):
    return render(request, "policies/policy_list.html", {"policies": selectors.policies_with_versions()})


@admin_required
def policy_create(request):
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.create_policy(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Policy \u201c{version.policy.name}\u201d created with draft version 1.")
            return redirect("policies:version", pk=version.pk)
    return render(request, "policies/policy_form.html", {"form": form})


@admin_required
@require_POST
def draft_create(request, policy_pk):
    policy = get_object_or_404(Policy, pk=policy_pk)
    try:
        draft = services.create_draft(policy=policy, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("policies:list")
    messages.success(request, f"Draft version {draft.number} created from the current version.")
    return redirect("policies:version", pk=draft.pk)


@admin_required
def version_detail(request, pk):
    try:
        version = selectors.version_with_rules(pk=pk)
    except PolicyVersion.DoesNotExist:
        raise Http404 from None
    published = selectors.published_version(policy=version.policy)
    context = {
        "version": version,
        "published": published,
        "problems": services.publish_problems(version) if version.is_draft else [],
        "counts": extensions.obligation_counts(version=version) if not version.is_draft else {},
    }
    return render(request, "policies/version_detail.html", context)


@admin_required
def version_edit(request, pk):
    version = get_object_or_404(PolicyVersion.objects.select_related("policy"), pk=pk)
    if response := draft_or_redirect(request, version):
        return response
    form = VersionForm(request.POST or None, initial=VersionForm.initial_for(version))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_version(version=version, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Version {version.number} saved.")
            return redirect("policies:version", pk=version.pk)
    return render(request, "policies/version_form.html", {"form": form, "version": version})


@admin_required
@require_POST
def version_delete(request, pk):
    version = get_object_or_404(PolicyVersion, pk=pk)
    try:
        services.delete_draft(version=version, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("policies:version", pk=pk)
    messages.success(request, f"Draft version {version.number} deleted.")
    return redirect("policies:list")


@admin_required
def rule_add(request, pk):
    version = get_object_or_404(PolicyVersion.objects.select_related("policy"), pk=pk)
    if response := draft_or_redirect(request, version):
        return response
    platform_id = request.POST.get("platform") or request.GET.get("platform")
    chooser = ChoosePlatformForm({"platform": platform_id} if platform_id else None, version=version)
    if not platform_id or not chooser.is_valid():
        return render(request, "policies/rule_platform.html", {"form": chooser, "version": version})
    platform = chooser.cleaned_data["platform"]
    form = RuleForm(request.POST or None, platform=platform, with_settings=True, initial={"stance": "approved"})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_rule(
                version=version,
                platform=platform,
                actor=request.user,
                required=[(setting, None) for setting in form.cleaned_data["required_settings"]],
                **form.rule_fields(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Rule for {platform.name} added.")
            return redirect("policies:version", pk=version.pk)
    return render(request, "policies/rule_form.html", {"form": form, "version": version, "platform": platform})


def _rule(pk):
    return get_object_or_404(ToolRule.objects.select_related("version__policy", "platform"), pk=pk)


@admin_required
def rule_edit(request, pk):
    rule = _rule(pk)
    if response := draft_or_redirect(request, rule.version):
        return response
    form = RuleForm(request.POST or None, platform=rule.platform, initial=RuleForm.initial_for(rule))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_rule(rule=rule, actor=request.user, **form.rule_fields())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Rule for {rule.platform.name} saved.")
            return redirect("policies:version", pk=rule.version_id)
    context = {
        "form": form,
        "version": rule.version,
        "platform": rule.platform,
        "rule": rule,
        "requirements": rule.required_settings.select_related("setting"),
    }
    return render(request, "policies/rule_form.html", context)


@admin_required
@require_POST
def rule_remove(request, pk):
    rule = _rule(pk)
    try:
        services.remove_rule(rule=rule, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Rule for {rule.platform.name} removed.")
    return redirect("policies:version", pk=rule.version_id)


@admin_required
def requirement_add(request, pk):
    rule = _rule(pk)
    if response := draft_or_redirect(request, rule.version):
        return response
    form = RequiredSettingForm(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_required_setting(
                rule=rule,
                setting=form.cleaned_data["setting"],
                required_value=form.cleaned_data["required_value"] or None,
                actor=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, f"{rule.platform.name}: \u201c{form.cleaned_data['setting'].label}\u201d required."
            )
            return redirect("policies:version", pk=rule.version_id)
    return render(request, "policies/requirement_form.html", {"form": form, "rule": rule, "version": rule.version})


def _requirement(pk):
    return get_object_or_404(
        RequiredSetting.objects.select_related("rule__version__policy", "rule__platform", "setting"), pk=pk
    )


@admin_required
def requirement_edit(request, pk):
    requirement = _requirement(pk)
    rule = requirement.rule
    if response := draft_or_redirect(request, rule.version):
        return response
    form = RequiredSettingForm(request.POST or None, rule=rule, requirement=requirement)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_required_setting(
                rule=rule,
                setting=requirement.setting,
                required_value=form.cleaned_data["required_value"],
                actor=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{rule.platform.name}: required value saved.")
            return redirect("policies:version", pk=rule.version_id)
    context = {"form": form, "rule": rule, "version": rule.version, "requirement": requirement}
    return render(request, "policies/requirement_form.html", context)


@admin_required
@require_POST
def requirement_remove(request, pk):
    requirement = _requirement(pk)
    try:
        services.remove_required_setting(required_setting=requirement, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"{requirement.rule.platform.name}: \u201c{requirement.setting.label}\u201d no longer required."
        )
    return redirect("policies:version", pk=requirement.rule.version_id)


@admin_required
def version_diff(request, pk):
    version = get_object_or_404(PolicyVersion.objects.select_related("policy"), pk=pk)
    against = request.GET.get("against")
    if against:
        old = get_object_or_404(PolicyVersion, pk=against, policy=version.policy_id)
    else:
        old = selectors.published_version(policy=version.policy)
        if old is not None and old.pk == version.pk:
            old = version.policy.versions.filter(number__lt=version.number).order_by("-number").first()
    return render(
        request, "policies/version_diff.html", {"version": version, "diff": selectors.diff_versions(old, version)}
    )
