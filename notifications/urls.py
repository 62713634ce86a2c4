from django.urls import path

from notifications import views

urlpatterns = [
    path("me/link/<str:token>/", views.magic_login, name="magic-login"),
]
