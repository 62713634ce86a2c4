from rest_framework import serializers

from platforms.models import PLATFORM_CONTENT_FIELDS, Platform, PlatformSetting


class OptionalURLField(serializers.URLField):
    """A URL, or null where the catalog has none (its model keeps an empty string, which is no URI)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class PlatformSettingSerializer(serializers.ModelSerializer):
    is_stale = serializers.BooleanField(read_only=True)
    deep_link = OptionalURLField()
    settings_url = serializers.CharField(read_only=True, help_text="Deep link, else the platform's privacy page.")

    class Meta:
        model = PlatformSetting
        fields = [
            "key",
            "label",
            "navigation_steps",
            "control_type",
            "values",
            "safe_value",
            "protects",
            "applies_to_tiers",
            "deep_link",
            "settings_url",
            "notes",
            "sources",
            "revision",
            "verified",
            "last_verified_on",
            "is_stale",
            "is_builtin",
        ]
        read_only_fields = fields


class PlatformSerializer(serializers.ModelSerializer):
    settings = PlatformSettingSerializer(many=True, read_only=True)
    website = OptionalURLField()
    privacy_url = OptionalURLField()
    is_stale = serializers.BooleanField(read_only=True)

    class Meta:
        model = Platform
        fields = [
            "slug",
            *PLATFORM_CONTENT_FIELDS,
            "verified",
            "last_verified_on",
            "is_stale",
            "is_builtin",
            "settings",
        ]
        read_only_fields = fields
