from django.urls import path

from compliance.views import dashboard, team

urlpatterns = [
    path("team/", team.team, name="team"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/team/", dashboard.team_dashboard, name="dashboard-team"),
    path("dashboard/people/", dashboard.people, name="dashboard-people"),
    # path, not str: ids created before they had to be URL-safe may hold a "/".
    path("dashboard/people/<path:external_id>/", dashboard.person, name="dashboard-person"),
]
