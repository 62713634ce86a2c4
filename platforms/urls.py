from django.urls import path

from platforms import views

app_name = "platforms"
urlpatterns = [
    path("", views.platform_list, name="list"),
    path("new/", views.platform_create, name="create"),
    path("stale/", views.stale_list, name="stale"),
    path("<slug:slug>/", views.platform_detail, name="detail"),
    path("<slug:slug>/edit/", views.platform_edit, name="edit"),
    path("<slug:slug>/verify/", views.platform_verify, name="verify"),
    path("<slug:slug>/settings/new/", views.setting_create, name="setting-create"),
    path("<slug:slug>/settings/<slug:key>/edit/", views.setting_edit, name="setting-edit"),
    path("<slug:slug>/settings/<slug:key>/verify/", views.setting_verify, name="setting-verify"),
]
