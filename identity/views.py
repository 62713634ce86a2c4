"""The sign-in page (identity providers first, then the password form as the policy allows),
sign-out with the provider's single logout, and the closed doors of allauth's account pages."""

import logging
from urllib.parse import urlencode

import requests
from allauth.account.authentication import get_authentication_records
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.openid_connect import views as openid_connect_views
from allauth.socialaccount.providers.saml import views as saml_views
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from governance.views.accounts import EmailAuthenticationForm
from identity import saml
from identity.models import SignInPolicy
from identity.selectors import sign_in_providers

logger = logging.getLogger(__name__)


class SignInView(auth_views.LoginView):
    """``/accounts/login/``: "Sign in with <provider>" for each provider, then the password form
    (folded away as "break-glass" while passwords are switched off). The form still runs through
    the lockout (django-axes) and the policy (identity.backends.PasswordBackend)."""

    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True
    template_name = "registration/login.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["providers"] = sign_in_providers(self.request)
        context["passwords_on"] = SignInPolicy.current().password_sign_in
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        # A form's redirect to another origin needs that origin in form-action (browsers check it).
        origins = sorted({p.origin for p in context["providers"] if p.origin})
        if origins:
            response._csp_update = {"form-action": origins}  # type: ignore[attr-defined]
        return response


def sign_in_page(request):
    """allauth's own account pages (password sign-in, sign-up, password and e-mail management)
    are no second password door: they lead to the product's sign-in page."""
    return redirect("login")


def _from_the_sign_in_page(start):
    """A provider's sign-in starts with the sign-in page's button (POST); a plain visit to the
    address goes to that page instead of allauth's unstyled confirmation."""

    def view(request, **kwargs):
        if request.method != "POST":
            return redirect_to_login(request.GET.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL))
        return start(request, **kwargs)

    return view


oidc_login = _from_the_sign_in_page(openid_connect_views.login)
saml_login = _from_the_sign_in_page(saml_views.login)


def single_logout_url(request) -> str | None:
    """Where the identity provider ends its own session: SAML single logout when this session
    came from a SAML IdP with a logout URL (identity.saml), else OpenID Connect's RP-initiated
    logout (``end_session_endpoint``) when it came from a provider that offers one; else None."""
    saml_logout = saml.logout_url(request)
    if saml_logout is not None:
        return saml_logout
    records = [r for r in get_authentication_records(request, request.user) if r.get("method") == "socialaccount"]
    if not records:
        return None
    try:
        provider = get_adapter(request).get_provider(request, records[-1]["provider"])
        if provider.id != "openid_connect":
            return None
        endpoint = provider.get_oauth2_adapter(request).openid_config.get("end_session_endpoint")
    except (ObjectDoesNotExist, LookupError, requests.RequestException, ValueError) as error:
        logger.warning("No single logout for this session: %s", error)
        return None
    if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
        return None
    query = urlencode(
        {
            "client_id": provider.app.client_id,
            "post_logout_redirect_uri": request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL)),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


@never_cache
@require_POST
def sign_out(request):
    """Sign out here, then at the identity provider when the session came from one that offers it."""
    provider_logout = single_logout_url(request) if request.user.is_authenticated else None
    logout(request)
    if provider_logout is None:
        return redirect("login")
    # A page that moves on by itself rather than a redirect: the sign-out form may only lead
    # to our own origin (Content-Security-Policy form-action).
    return render(request, "identity/signing_out.html", {"provider_logout": provider_logout})
