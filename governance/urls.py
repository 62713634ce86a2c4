from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from governance.views import accounts, health, jobs, keys, moved

handler400 = "governance.views.errors.bad_request"
handler403 = "governance.views.errors.permission_denied"
handler404 = "governance.views.errors.page_not_found"
handler500 = "governance.views.errors.server_error"


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers and crawlers ask for /favicon.ico whatever the page links; it is a static file."""
    return HttpResponseRedirect(static("favicon.ico"))


urlpatterns = [
    path("", accounts.home, name="home"),
    # Sign-in and sign-out (identity providers first, passwords as the policy allows), and
    # single sign-on (django-allauth at /sso/: OpenID Connect and SAML 2.0).
    path("", include("identity.urls")),
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    # The public keys that verify the ledger's signed checkpoints (a JWK Set, no sign-in).
    path(".well-known/ledger-keys.json", keys.ledger_keys, name="ledger-keys"),
    # Long operations (publishing, retiring, ...) run as jobs; their page shows the progress.
    path("jobs/<int:pk>/", jobs.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", jobs.job_progress, name="job-progress"),
    # Employees: My AI tools, attestation, receipts; managers: their team.
    path("", include("attestations.urls")),
    path("", include("notifications.urls")),
    # Compliance officers: dashboards, people and reports.
    path("", include("compliance.urls")),
    path("", include("compliance.report_urls")),
    path("", include("integrations.urls")),
    # The public trust page, its JSON and signed statement, and the admins' setting for it.
    path("", include("trust.urls")),
    # The browser extension: pairing on /me/, the officers' page, and its own small API.
    path("", include("browser_extension.urls")),
    path("api/extension/v1/", include("browser_extension.api.urls")),
    path("catalog/", include("platforms.urls")),
    # The policy editor, and publishing and the exception queue beside it.
    path("policies/", include("policies.urls")),
    path("policies/", include("attestations.policy_urls")),
    path("api/v1/", include("integrations.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="integrations/api_docs.html"),
        name="api-docs",
    ),
    path("scim/v2/", include("integrations.scim.urls")),
    # Admin addresses from before the split (/admin/governance/employee/...) still lead there.
    re_path(r"^admin/governance/(?P<model>(?!user/|auditevent/)[a-z]+)/(?P<rest>.*)$", moved.moved_admin_page),
    path("admin/", admin.site.urls),
]
