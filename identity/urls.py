from django.urls import include, path, re_path

from identity import views

# allauth's pages other than the providers' own addresses (OpenID Connect under oidc/, SAML
# under saml/) lead to the product's sign-in page: no second password door, no sign-up.
CLOSED_ALLAUTH_PAGES = r"^sso/(?!oidc/|saml/)"

urlpatterns = [
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", views.sign_out, name="logout"),
    re_path(CLOSED_ALLAUTH_PAGES, views.sign_in_page),
    path("sso/oidc/<str:provider_id>/login/", views.oidc_login),
    path("sso/saml/<str:organization_slug>/login/", views.saml_login),
    path("sso/", include("allauth.urls")),
]
