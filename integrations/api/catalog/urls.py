from rest_framework.routers import DefaultRouter

from integrations.api.catalog.views import PlatformViewSet

router = DefaultRouter(trailing_slash=True)
router.register("platforms", PlatformViewSet, basename="platform")
urlpatterns = router.urls
