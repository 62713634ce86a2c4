"""The one-click sign-in link that reminder e-mails carry."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from governance.views.accounts import EmailAuthenticationForm
from identity.selectors import sso_required
from notifications import magic_links


@never_cache
@require_http_methods(["GET", "POST"])
def magic_login(request, token):
    """Sign in with a link from a reminder e-mail, once; else the sign-in form with the reason.
    Someone already signed in as the link's employee just goes on to /me/ (the link stays
    unused); someone signed in as anyone else is asked first, and switches only on POST.
    Accounts with rights beyond the employee pages go to the password (or SSO) sign-in.
    When the organization signs in with single sign-on only, the link opens nobody: it leads
    through the sign-in page (its identity providers) to /me/, and stays unused."""
    if sso_required(request):
        return _through_single_sign_on(request)
    try:
        if request.user.is_authenticated and magic_links.belongs_to(token, request.user):
            return redirect("me")
        employee = magic_links.check(token)
        if request.user.is_authenticated and request.method != "POST":
            return render(request, "notifications/switch_account.html", {"employee": employee})
        if request.user.is_authenticated:
            logout(request)
        user = magic_links.redeem(token)
    except magic_links.PasswordSignInRequired as refused:
        messages.warning(request, str(refused))
        return redirect_to_login(reverse("me"))
    except magic_links.LinkRefused as refused:
        form = EmailAuthenticationForm(request)
        return render(
            request,
            "registration/login.html",
            {"form": form, "notice": str(refused), "next": reverse("me")},
            status=400,
        )
    login(request, user, backend="identity.backends.PasswordBackend")
    return redirect("me")


def _through_single_sign_on(request):
    """Single sign-on only: a reminder link leads through the identity provider to /me/."""
    if not request.user.is_authenticated:
        messages.info(request, "Your organization signs in with single sign-on. Sign in to go on to My AI tools.")
        return redirect_to_login(reverse("me"))
    return redirect("me")
