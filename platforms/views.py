"""Catalog pages: everyone signed in reads; governance admins edit, add and verify."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from governance import audit
from governance.models import AuditEvent
from governance.roles import is_compliance_officer, is_governance_admin, role_required
from platforms import impact, selectors, services
from platforms.filtersets import PlatformFilterSet
from platforms.forms import PlatformForm, SettingForm
from platforms.models import MEANINGFUL_SETTING_FIELDS, Platform, PlatformSetting, RevisionKind

HISTORY_LIMIT = 20


def _platform_or_404(slug):
    try:
        return selectors.platform_with_settings(slug)
    except Platform.DoesNotExist:
        raise Http404("No such platform in the catalog.") from None


def _setting_or_404(platform, key):
    for setting in platform.settings.all():
        if setting.key == key:
            return setting
    raise Http404("No such setting for this platform.")


def _apply_errors(form, exc):
    if hasattr(exc, "message_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _next_or(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
def platform_list(request):
    filterset = PlatformFilterSet(request.GET or None, queryset=selectors.catalog_platforms())
    context = {
        "filterset": filterset,
        "platforms": filterset.qs,
        "can_edit": is_governance_admin(request.user),
        "stale_count": selectors.stale_catalog_count() if is_compliance_officer(request.user) else None,
    }
    template = "platforms/_platform_table.html" if request.htmx else "platforms/platform_list.html"
    return render(request, template, context)


@login_required
def platform_detail(request, slug):
    platform = _platform_or_404(slug)
    settings = list(platform.settings.all())
    history = None
    if is_compliance_officer(request.user):
        history = list(
            AuditEvent.objects.filter(
                Q(object_type=audit.object_type(PlatformSetting), object_id__in=[str(s.pk) for s in settings])
                | Q(object_type=audit.object_type(Platform), object_id=str(platform.pk))
            )
            .select_related("actor")
            .order_by("-at", "-id")[:HISTORY_LIMIT]
        )
        by_id = {str(s.pk): s for s in settings}
        for event in history:
            event.setting = (
                by_id.get(event.object_id) if event.object_type == audit.object_type(PlatformSetting) else None
            )
    return render(
        request,
        "platforms/platform_detail.html",
        {
            "platform": platform,
            "settings": settings,
            "can_edit": is_governance_admin(request.user),
            "history": history,
        },
    )


@role_required(is_compliance_officer)
def stale_list(request):
    stale = selectors.stale_catalog_entries()
    return render(
        request,
        "platforms/stale_list.html",
        {
            "stale_platforms": list(stale.platforms),
            "stale_settings": list(stale.settings),
            "cutoff": selectors.stale_cutoff(),
            "can_edit": is_governance_admin(request.user),
        },
    )


@role_required(is_governance_admin)
def platform_create(request):
    form = PlatformForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            platform = services.create_platform(data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{platform.name} added to the catalog.")
            return redirect("platforms:detail", slug=platform.slug)
    return render(request, "platforms/platform_form.html", {"form": form, "platform": None})


@role_required(is_governance_admin)
def platform_edit(request, slug):
    platform = _platform_or_404(slug)
    form = PlatformForm(request.POST or None, instance=platform)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "slug"}
        try:
            services.update_platform(platform=platform, changes=changes, actor=request.user)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{platform.name} saved.")
            return redirect("platforms:detail", slug=platform.slug)
    return render(request, "platforms/platform_form.html", {"form": form, "platform": platform})


@role_required(is_governance_admin)
def setting_create(request, slug):
    platform = _platform_or_404(slug)
    form = SettingForm(request.POST or None, platform=platform)
    if request.method == "POST" and form.is_valid():
        try:
            setting = services.create_setting(platform=platform, data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Setting “{setting.label}” added.")
            return redirect(reverse("platforms:detail", args=[platform.slug]) + f"#setting-{setting.key}")
    return render(request, "platforms/setting_form.html", {"form": form, "platform": platform, "setting": None})


FIELD_NAMES = {
    "label": "the label",
    "navigation_steps": "the steps",
    "values": "the values",
    "safe_value": "the safe value",
}


def _revision_confirmation(setting, changes, meaningful):
    """What the confirmation step of an edit that changes what a setting says shows."""
    new_label = changes.get("label", setting.label)
    return {
        "changed": [FIELD_NAMES[name] for name in MEANINGFUL_SETTING_FIELDS if name in meaningful],
        "impact": impact.revision_impact(setting),
        "old_label": setting.label,
        "stale_steps": services.steps_quoting_old_label(
            old_label=setting.label, new_label=new_label, steps=changes.get("navigation_steps", [])
        ),
    }


@role_required(is_governance_admin)
def setting_edit(request, slug, key):
    """Edit a setting. A change to its label, steps, values or safe value takes a second step
    that shows how many attestations it would re-open and asks whether it is wording only."""
    platform = _platform_or_404(slug)
    setting = _setting_or_404(platform, key)
    form = SettingForm(request.POST or None, platform=platform, instance=setting)
    confirmation = None
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        meaningful = services.meaningful_changes(setting, changes)
        kind = form.cleaned_data["revision_kind"] if meaningful else ""
        if meaningful and not kind:
            confirmation = _revision_confirmation(setting, changes, meaningful)
            if form.cleaned_data["confirming"]:
                form.add_error("revision_kind", services.REVISION_KIND_REQUIRED)
        else:
            reopens = impact.revision_impact(setting) if kind == RevisionKind.MEANINGFUL else None
            try:
                setting = services.update_setting(
                    setting=setting, changes=changes, actor=request.user, revision_kind=kind
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                _saved_message(request, setting, kind, reopens)
                return redirect(reverse("platforms:detail", args=[platform.slug]) + f"#setting-{setting.key}")
    return render(
        request,
        "platforms/setting_form.html",
        {"form": form, "platform": platform, "setting": setting, "confirmation": confirmation},
    )


def _saved_message(request, setting, kind, reopens):
    if kind == RevisionKind.MEANINGFUL:
        messages.warning(
            request,
            f"“{setting.label}” is now revision {setting.revision}: {reopens.obligations} "
            f"attestation{'s' if reopens.obligations != 1 else ''} re-opened; people must check it again.",
        )
    elif kind == RevisionKind.COSMETIC:
        messages.success(request, f"“{setting.label}” saved as a wording change: attestations stay valid.")
    else:
        messages.success(request, f"“{setting.label}” saved.")


@require_POST
@role_required(is_governance_admin)
def platform_verify(request, slug):
    platform = _platform_or_404(slug)
    services.mark_verified(entry=platform, actor=request.user)
    messages.success(request, f"{platform.name} marked as checked against its sources today.")
    return redirect(_next_or(request, reverse("platforms:detail", args=[platform.slug])))


@require_POST
@role_required(is_governance_admin)
def setting_verify(request, slug, key):
    platform = _platform_or_404(slug)
    setting = _setting_or_404(platform, key)
    services.mark_verified(entry=setting, actor=request.user)
    messages.success(request, f"“{setting.label}” marked as checked against its sources today.")
    default = reverse("platforms:detail", args=[platform.slug]) + f"#setting-{setting.key}"
    return redirect(_next_or(request, default))
