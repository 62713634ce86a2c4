from rest_framework.routers import DefaultRouter

from platforms.api.views import PlatformViewSet

router = DefaultRouter(trailing_slash=True)
router.register("platforms", PlatformViewSet, basename="platform")
urlpatterns = router.urls
