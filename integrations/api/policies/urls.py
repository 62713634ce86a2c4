from rest_framework.routers import SimpleRouter

from integrations.api.policies.views import PolicyViewSet

router = SimpleRouter(trailing_slash=True)
router.register("policies", PolicyViewSet, basename="api-policy")
urlpatterns = router.urls
