from django.db.models import Prefetch
from rest_framework import viewsets

from integrations.api.catalog.serializers import PlatformSerializer
from integrations.api.filtersets import ApiPlatformFilterSet
from integrations.api.pagination import PageNumbers
from integrations.api.query import DocumentedQueryOnly
from platforms.models import Platform, PlatformSetting


class PlatformViewSet(DocumentedQueryOnly, viewsets.ReadOnlyModelViewSet):
    """The AI platform catalog with each platform's privacy settings nested.

    Filters: `q` (name, vendor or setting label), `category`, `consumer_training`
    (yes / no / unknown), `stale`, `verified`. Same filters as the /catalog/ page.
    """

    serializer_class = PlatformSerializer
    filterset_class = ApiPlatformFilterSet
    pagination_class = PageNumbers
    lookup_field = "slug"
    lookup_value_regex = "[a-z0-9-]+"
    queryset = Platform.objects.prefetch_related(
        Prefetch("settings", queryset=PlatformSetting.objects.order_by("key"))
    ).order_by("name")
