from rest_framework import serializers

from policies.models import Policy, PolicyVersion, RequiredSetting, ToolRule


class RequiredSettingSerializer(serializers.ModelSerializer):
    setting = serializers.CharField(source="setting.key")
    label = serializers.CharField(source="setting.label")

    class Meta:
        model = RequiredSetting
        fields = ["setting", "label", "required_value"]


class ToolRuleSerializer(serializers.ModelSerializer):
    platform = serializers.CharField(source="platform.slug")
    required_settings = RequiredSettingSerializer(many=True)
    departments = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = ToolRule
        fields = [
            "platform",
            "stance",
            "departments",
            "countries",
            "customer_data_handlers_only",
            "allowed_tiers",
            "data_classes",
            "no_settings_needed",
            "on_open",
            "required_settings",
        ]


class PolicyVersionSerializer(serializers.ModelSerializer):
    rules = ToolRuleSerializer(many=True)

    class Meta:
        model = PolicyVersion
        fields = [
            "id",
            "number",
            "status",
            "title",
            "body_markdown",
            "effective_on",
            "attestation_interval_days",
            "grace_period_days",
            "published_at",
            "retired_at",
            "rules",
        ]


class PolicySerializer(serializers.ModelSerializer):
    versions = PolicyVersionSerializer(many=True, source="public_versions")

    class Meta:
        model = Policy
        fields = ["id", "name", "slug", "description", "versions"]
