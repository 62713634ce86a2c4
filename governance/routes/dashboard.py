from django.urls import path

from governance.views import dashboard

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/team/", dashboard.team_dashboard, name="dashboard-team"),
    path("dashboard/people/", dashboard.people, name="dashboard-people"),
    path("dashboard/people/<str:external_id>/", dashboard.person, name="dashboard-person"),
]
