from django.db.models import Prefetch
from rest_framework import viewsets

from integrations.api.catalog.serializers import PlatformSerializer
from platforms.filtersets import PlatformFilterSet
from platforms.models import Platform, PlatformSetting


class PlatformViewSet(viewsets.ReadOnlyModelViewSet):
    """The AI platform catalog with each platform's privacy settings nested.

    Filters: `q` (name, vendor or setting label), `category`, `consumer_training`
    (yes / no / unknown), `stale`, `verified`. Same filters as the /catalog/ page.
    """

    serializer_class = PlatformSerializer
    filterset_class = PlatformFilterSet
    lookup_field = "slug"
    lookup_value_regex = "[a-z0-9-]+"
    queryset = Platform.objects.prefetch_related(
        Prefetch("settings", queryset=PlatformSetting.objects.order_by("key"))
    ).order_by("name")
