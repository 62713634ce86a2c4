from django.urls import include, path, re_path

from identity import views

# allauth's account pages other than the providers' own addresses (OpenID Connect under oidc/,
# SAML under saml/) and the round trip's error pages lead to the product's sign-in page.
CLOSED_ALLAUTH_PAGES = r"^sso/(?!oidc/|saml/|3rdparty/login/(?:cancelled|error)/)"

urlpatterns = [
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", views.sign_out, name="logout"),
    re_path(CLOSED_ALLAUTH_PAGES, views.sign_in_page),
    path("sso/", include("allauth.urls")),
]
