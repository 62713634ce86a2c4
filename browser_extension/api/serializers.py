"""The extension's input, validated: a pairing request and a batch of usage signals."""

import datetime

from django.conf import settings
from rest_framework import serializers

MAX_SIGNALS = 100


class PairSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32, trim_whitespace=True)
    device_name = serializers.CharField(max_length=200, trim_whitespace=True)


class SignalSerializer(serializers.Serializer):
    platform = serializers.SlugField(max_length=64, help_text="The catalog tool's id, as the status names it.")
    day = serializers.DateField(input_formats=["iso-8601"])

    def validate_day(self, day):
        today = self.context["today"]
        oldest = today - datetime.timedelta(days=settings.EXTENSION_SIGNAL_MAX_AGE_DAYS)
        if day > today:
            raise serializers.ValidationError(f"A day after today ({today.isoformat()}) cannot have happened yet.")
        if day < oldest:
            raise serializers.ValidationError(f"Too old: only days from {oldest.isoformat()} on are accepted.")
        return day

    def validate_platform(self, slug):
        platform_id = self.context["platform_ids"].get(slug)
        if platform_id is None:
            raise serializers.ValidationError(f"No catalog tool has the id '{slug}'.")
        return platform_id


def signals_serializer(*, data, context):
    """A non-empty list of at most MAX_SIGNALS signals."""
    return SignalSerializer(many=True, allow_empty=False, max_length=MAX_SIGNALS, data=data, context=context)
