"""The one filterset for the catalog list: the /catalog/ page and GET /api/v1/platforms/."""

import django_filters
from django.db.models import Exists, OuterRef, Q

from platforms.models import Category, Platform, PlatformSetting
from platforms.selectors import stale_q

TRAINING_CHOICES = (
    ("yes", "Trains by default"),
    ("no", "Does not train by default"),
    ("unknown", "Not stated"),
)


class PlatformFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    category = django_filters.ChoiceFilter(choices=Category.choices, empty_label="All categories")
    consumer_training = django_filters.ChoiceFilter(
        choices=TRAINING_CHOICES,
        method="filter_training",
        label="Consumer accounts",
        empty_label="Any training default",
    )
    stale = django_filters.BooleanFilter(method="filter_stale", label="Stale")
    verified = django_filters.BooleanFilter(field_name="verified", label="Verified")

    class Meta:
        model = Platform
        fields = ["q", "category", "consumer_training", "stale", "verified"]

    def search(self, queryset, name, value):
        """Name, vendor, description, or the label of any of its settings."""
        value = value.strip()
        if not value:
            return queryset
        label_match = PlatformSetting.objects.filter(platform=OuterRef("pk"), label__icontains=value)
        return queryset.filter(
            Q(name__icontains=value)
            | Q(vendor__icontains=value)
            | Q(slug__icontains=value)
            | Q(description__icontains=value)
            | Exists(label_match)
        )

    def filter_training(self, queryset, name, value):
        lookup = {"yes": True, "no": False}
        if value == "unknown":
            return queryset.filter(consumer_trains_by_default__isnull=True)
        return queryset.filter(consumer_trains_by_default=lookup[value])

    def filter_stale(self, queryset, name, value):
        if value is None:
            return queryset
        stale_setting = PlatformSetting.objects.filter(stale_q(), platform=OuterRef("pk"))
        matches = stale_q() | Q(Exists(stale_setting))
        return queryset.filter(matches) if value else queryset.exclude(matches)
