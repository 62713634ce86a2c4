"""The employee's side of pairing, on /me/: create a one-time code, see and revoke devices."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from browser_extension import selectors, services, tokens
from browser_extension.models import Device
from governance import roles


def devices_section(*, request, employee) -> str:
    """The "Browser extension" section of /me/ (registered in attestations.extensions)."""
    return render_to_string(
        "browser_extension/me_section.html",
        {"devices": selectors.devices_of(employee=employee), "minutes": settings.EXTENSION_PAIRING_CODE_MINUTES},
        request=request,
    )


def _me(request):
    employee = roles.employee_of(request.user)
    if employee is None:
        raise Http404("This account is not linked to an employee record.")
    return employee


@login_required
@never_cache
@require_POST
def create_code(request) -> HttpResponse:
    """A new pairing code, shown once on the page this POST answers (never in a link or a message)."""
    employee = _me(request)
    if is_ratelimited(
        request,
        group="extension-pairing-codes",
        key=lambda group, request: f"employee:{employee.pk}",
        rate=settings.EXTENSION_CODE_RATE_PER_ACCOUNT,
        increment=True,
    ):
        messages.error(request, "You created many pairing codes in a short time. Wait a while and try again.")
        return redirect("me")
    record, code = services.create_pairing_code(employee=employee, actor=request.user)
    return render(
        request,
        "browser_extension/pairing_code.html",
        {"code": tokens.display_code(code), "expires_at": record.expires_at},
    )


@login_required
@require_POST
def revoke(request, pk) -> HttpResponse:
    device = get_object_or_404(Device, pk=pk, employee=_me(request))
    if services.revoke_device(device=device, actor=request.user):
        messages.success(request, f"“{device.name}” is revoked: its extension can no longer read or send anything.")
    return redirect("me")
