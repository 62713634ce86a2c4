from rest_framework import serializers

from platforms.models import PLATFORM_CONTENT_FIELDS, Platform, PlatformSetting


class PlatformSettingSerializer(serializers.ModelSerializer):
    is_stale = serializers.BooleanField(read_only=True)
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
