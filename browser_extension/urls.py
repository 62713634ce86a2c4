from django.urls import path

from browser_extension.views import me, usage

app_name = "extension"

urlpatterns = [
    path("me/extension/pairing-code/", me.create_code, name="pairing-code"),
    path("me/extension/devices/<int:pk>/revoke/", me.revoke, name="device-revoke"),
    path("dashboard/tools-in-use/", usage.tools_in_use, name="tools-in-use"),
]
