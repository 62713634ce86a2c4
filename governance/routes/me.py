from django.urls import path

from governance.views import me

urlpatterns = [
    path("me/", me.my_tools, name="me"),
    path("team/", me.team, name="team"),
]
