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


MAX_OBSERVED = 20


class ObservedAnswerSerializer(serializers.Serializer):
    setting = serializers.SlugField(max_length=64, help_text="The catalog setting's key, as the status names it.")
    value = serializers.CharField(max_length=64, help_text="The catalog value the probe read.")
    revision = serializers.IntegerField(min_value=1, help_text="The setting's revision the status gave.")
    probe_revision = serializers.IntegerField(min_value=1, help_text="The probe's revision the status gave.")


class ObservationSerializer(serializers.Serializer):
    """POST /observations: what the extension read on a tool's settings page."""

    tool = serializers.SlugField(max_length=64, help_text="The catalog tool's id.")
    obligation = serializers.IntegerField(min_value=1, required=False, help_text="The obligation the status named.")
    answers = ObservedAnswerSerializer(many=True, allow_empty=False, max_length=MAX_OBSERVED)
