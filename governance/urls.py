from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from governance.views import accounts, health

handler400 = "governance.views.errors.bad_request"
handler403 = "governance.views.errors.permission_denied"
handler404 = "governance.views.errors.page_not_found"
handler500 = "governance.views.errors.server_error"

urlpatterns = [
    path("", accounts.home, name="home"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", health.healthz, name="healthz"),
    # Employees: My AI tools, attestation, receipts; managers: their team.
    path("", include("governance.routes.me")),
    # Compliance officers: dashboards and people.
    path("", include("governance.routes.dashboard")),
    # Compliance reports.
    path("", include("governance.routes.reports")),
    path("", include("governance.routes.integrations")),
    path("catalog/", include("platforms.urls")),
    path("policies/", include("policies.urls")),
    path("api/v1/", include("governance.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("scim/v2/", include("governance.routes.scim")),
    path("admin/", admin.site.urls),
]
