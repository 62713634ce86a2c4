"""The public trust page, its JSON and its signed statement (anyone, when switched on; 404 when
off), and the governance admins' page that switches it on.

The figures are :func:`trust.selectors.trust_figures`; the page only words them."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from governance import signing
from governance.roles import AdminRequiredMixin
from trust import statement
from trust.forms import TrustSettingsForm
from trust.models import TrustSettings
from trust.selectors import STANCES, trust_figures
from trust.services import update_trust_settings


def _published() -> tuple[TrustSettings, dict[str, Any]]:
    """The setting and today's figures, or 404 while the page is off (the page, its JSON and its
    statement alike)."""
    setting = TrustSettings.current()
    if not setting.enabled:
        raise Http404("This organization does not publish a trust page.")
    return setting, trust_figures(settings=setting, today=timezone.localdate())


def _shown(group: dict[str, Any], *, unit: str) -> dict[str, Any]:
    """A group's figures in words: "83.3%" and "25 of 30 people", or "fewer than 10 people"."""
    if not group["shown"]:
        return {**group, "value": f"fewer than {group['fewer_than']} people", "detail": ""}
    return {**group, "value": f"{group['share']:g}%", "detail": f"{group['satisfied']} of {group['total']} {unit}"}


def _section(section: dict[str, Any], *, unit: str, per_tool_unit: str | None = None) -> dict[str, Any]:
    return {
        "all_tools": _shown(section["all_tools"], unit=unit),
        "per_tool": [_shown(row, unit=per_tool_unit or unit) for row in section["per_tool"]],
    }


@require_safe
def trust_page(request: HttpRequest) -> HttpResponse:
    setting, figures = _published()
    context = {
        "figures": figures,
        "setting": setting,
        "everyone": _section(figures["everyone"], unit="people", per_tool_unit="open obligations satisfied"),
        "handlers": _section(figures["customer_data_handlers"], unit="people"),
        "stances": [(stance.label, figures["tools"][stance.value]) for stance in STANCES],
    }
    return render(request, "trust/page.html", context)


@require_safe
def trust_json(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(statement.canonical_json(_published()[1]), content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def trust_statement(request: HttpRequest) -> HttpResponse:
    figures = _published()[1]
    try:
        token = statement.sign_statement(figures)
    except signing.SigningKeyMissing:
        return HttpResponse("No signing key is configured; the statement cannot be signed.", status=503)
    response = HttpResponse(token, content_type="application/jose")
    response["Content-Disposition"] = f'attachment; filename="trust-statement-{figures["as_of"]}.jws"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@method_decorator(never_cache, name="dispatch")
class TrustSettingsView(AdminRequiredMixin, View):
    """Switch the trust page on or off, and set its minimum group size and wording."""

    template_name = "trust/settings.html"

    def get(self, request):
        return self._render(request, TrustSettingsForm(instance=TrustSettings.current()))

    def post(self, request):
        form = TrustSettingsForm(request.POST, instance=TrustSettings.current())
        if not form.is_valid():
            return self._render(request, form, status=400)
        update_trust_settings(**form.cleaned_data, actor=request.user)
        messages.success(request, "The trust page setting is saved.")
        return redirect("trust:settings")

    def _render(self, request, form, status=200):
        return render(request, self.template_name, {"form": form}, status=status)
