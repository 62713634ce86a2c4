"""The officers' page of what the browser extension saw: tools in use that no rule covers,
prohibited tools in use, and contradictions with "I do not use this tool"."""

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from browser_extension.selectors import usage_overview
from governance.roles import is_compliance_officer, role_required

officer_required = role_required(is_compliance_officer)


class WindowForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=settings.EXTENSION_USAGE_WINDOW_MAX_DAYS, required=False)


@officer_required
@require_GET
def tools_in_use(request):
    form = WindowForm(request.GET or None)
    days = settings.EXTENSION_USAGE_WINDOW_DAYS
    status = 200
    if form.is_bound:
        if form.is_valid():
            days = form.cleaned_data["days"] or days
        else:
            status = 400
    overview = usage_overview(today=timezone.localdate(), days=days)
    return render(
        request,
        "browser_extension/tools_in_use.html",
        {"form": form, "overview": overview, "days": days},
        status=status,
    )
