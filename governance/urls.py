from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from governance.views import accounts, health, moved

handler400 = "governance.views.errors.bad_request"
handler403 = "governance.views.errors.permission_denied"
handler404 = "governance.views.errors.page_not_found"
handler500 = "governance.views.errors.server_error"

urlpatterns = [
    path("", accounts.home, name="home"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    # Single sign-on (django-allauth): OpenID Connect and SAML 2.0 callbacks.
    path("sso/", include("allauth.urls")),
    path("sso/", include("identity.saml")),  # SAML single logout started here
    path("healthz", health.healthz, name="healthz"),
    # Employees: My AI tools, attestation, receipts; managers: their team.
    path("", include("attestations.urls")),
    path("", include("notifications.urls")),
    # Compliance officers: dashboards, people and reports.
    path("", include("compliance.urls")),
    path("", include("compliance.report_urls")),
    path("", include("integrations.urls")),
    path("catalog/", include("platforms.urls")),
    # The policy editor, and publishing and the exception queue beside it.
    path("policies/", include("policies.urls")),
    path("policies/", include("attestations.policy_urls")),
    path("api/v1/", include("integrations.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("scim/v2/", include("integrations.scim.urls")),
    # Admin addresses from before the split (/admin/governance/employee/...) still lead there.
    re_path(r"^admin/governance/(?P<model>(?!user/|auditevent/)[a-z]+)/(?P<rest>.*)$", moved.moved_admin_page),
    path("admin/", admin.site.urls),
]
