from django.urls import path

from policies import views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("new/", views.policy_create, name="create"),
    path("<int:policy_pk>/draft/", views.draft_create, name="draft"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version-edit"),
    path("versions/<int:pk>/delete/", views.version_delete, name="version-delete"),
    path("versions/<int:pk>/rules/add/", views.rule_add, name="rule-add"),
    path("versions/<int:pk>/diff/", views.version_diff, name="version-diff"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule-edit"),
    path("rules/<int:pk>/remove/", views.rule_remove, name="rule-remove"),
    path("rules/<int:pk>/settings/add/", views.requirement_add, name="requirement-add"),
    path("required-settings/<int:pk>/edit/", views.requirement_edit, name="requirement-edit"),
    path("required-settings/<int:pk>/remove/", views.requirement_remove, name="requirement-remove"),
]
