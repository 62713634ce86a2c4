"""django-allauth adapters: how allauth's flows fit this product's rules on identity."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.db import transaction
from django.shortcuts import render
from django.utils import timezone

from identity.claims import ClaimError, claims_for
from identity.providers import options_for
from identity.services import sign_in


class AccountAdapter(DefaultAccountAdapter):
    """Nobody signs up with a password: accounts come from HR records (and, when an admin
    switches it on, from single sign-on's just-in-time creation)."""

    def is_open_for_signup(self, request):
        return False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Every single sign-on passes ``pre_social_login``: it decides who the subject is
    (identity.services.sign_in), links a first-time subject, syncs roles, and answers every
    refusal with a page of its own; allauth's sign-up never runs."""

    def is_open_for_signup(self, request, sociallogin):
        return False

    def pre_social_login(self, request, sociallogin):
        provider = sociallogin.provider
        options = options_for(provider.app)
        subject, email = str(sociallogin.account.uid)[:255], ""
        try:
            if sociallogin.state.get("process") not in (None, "login"):
                # allauth's "connect" and "redirect" flows would attach or test a subject outside these rules.
                raise sign_in.SignInRefused("process", "Sign in from the sign-in page.")
            claims = claims_for(sociallogin, options)
            email = claims.email
            with transaction.atomic():
                if sociallogin.is_existing:
                    user = sociallogin.user
                    sign_in.check_linked(user=user, claims=claims, options=options)
                else:
                    user, how = sign_in.link_subject(claims=claims, options=options, today=timezone.localdate())
                    sociallogin.connect(request, user)
                    sign_in.record_link(user=user, claims=claims, options=options, how=how)
                sign_in.finish_sign_in(user=user, claims=claims, options=options)
        except (sign_in.SignInRefused, ClaimError) as refused:
            reason = getattr(refused, "reason", "claims")
            if isinstance(refused, sign_in.LinkAwaitsApproval):
                sign_in.request_approval(waiting=refused, claims=claims, options=options)
            sign_in.record_refusal(provider_id=options.provider_id, subject=subject, email=email, reason=reason)
            template = "identity/link_pending.html" if reason == "pending_approval" else "identity/sign_in_refused.html"
            context = {"message": str(refused), "reason": reason, "provider_name": provider.app.name or provider.name}
            raise ImmediateHttpResponse(render(request, template, context, status=403)) from refused
        user.backend = "identity.backends.SingleSignOnBackend"

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        """A failed round trip (the person cancelled, the provider answered an error, a bad
        state): one clear page, with the way back to the sign-in page."""
        message = (
            "You cancelled signing in."
            if error == "cancelled"
            else "Signing in with your identity provider did not work. Try again, or ask your governance admin."
        )
        context = {
            **(extra_context or {}),  # the protocol's own reasons (SAML's saml_last_error_reason), for the logs
            "message": message,
            "reason": str(error or "error"),
            "provider_name": getattr(provider, "name", ""),
        }
        raise ImmediateHttpResponse(render(request, "identity/sign_in_refused.html", context, status=400))
