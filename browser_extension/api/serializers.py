"""The extension's input, validated (a pairing request, a batch of usage signals), and the
shapes of its answers as the OpenAPI schema describes them (the views build the answers from
the selectors; these serializers only document them)."""

import datetime

from django.conf import settings
from rest_framework import serializers

from browser_extension.services import DEVICE_NAME_MAX
from governance.strict import StrictSerializer, TextField
from policies.models import ToolRule

MAX_SIGNALS = 100

# What governance.validators refuses (control characters) and what Python's str.split() takes
# for space, as the inside of a JSON Schema character class: the schema admits exactly the text
# the server takes (the same rule as the REST API's, integrations.api.rows, which this layer
# cannot import).
_CONTROL = r"\u0000-\u001f\u007f-\u009f"
_SPACE = r"\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NON_BLANK_TEXT = rf"^[^{_CONTROL}]*[^{_CONTROL}{_SPACE}][^{_CONTROL}]*$"


class PairSerializer(StrictSerializer):
    code = TextField(NON_BLANK_TEXT, max_length=32, help_text="The code shown on My AI tools, e.g. K7QM-4TZP.")
    device_name = TextField(
        NON_BLANK_TEXT, max_length=DEVICE_NAME_MAX, help_text="A name for this browser, e.g. Work laptop."
    )


class SignalSerializer(StrictSerializer):
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


# --- Answers, for the schema -------------------------------------------------------------------


class PersonNameSerializer(serializers.Serializer):
    name = serializers.CharField()


class DeviceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()


class PairedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The device token (gext_...), shown once: send it as a Bearer token.")
    device = DeviceSerializer()
    employee = PersonNameSerializer()


class PolicyRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.IntegerField()


class AlternativeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The approved tool's catalog id.")
    name = serializers.CharField()


class ObligationStateSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The obligation (what an observation names).")
    state = serializers.CharField(help_text="compliant, not_used, excepted, due, overdue or noncompliant.")
    text = serializers.CharField(help_text="The status in the words of the person's page.")
    due_on = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    attest_url = serializers.URLField()


STANCES = [*ToolRule.Stance.values, "none"]


class SettingStatusSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The catalog setting's key.")
    label = serializers.CharField(help_text="The exact text of the control in the tool's page.")
    values = serializers.ListField(child=serializers.CharField())
    safe_value = serializers.CharField()
    required = serializers.CharField(allow_null=True, help_text="The value your policy requires (null: not asked).")
    revision = serializers.IntegerField()
    url_patterns = serializers.ListField(child=serializers.CharField(), help_text="Where the control lives.")
    probe = serializers.DictField(allow_null=True, help_text="How the extension reads the control (null: it cannot).")
    probe_revision = serializers.IntegerField(allow_null=True)
    probe_verified = serializers.BooleanField()
    probe_verified_on = serializers.DateField(allow_null=True)


class ToolStatusSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The catalog tool's id (what a usage signal names).")
    name = serializers.CharField()
    hosts = serializers.ListField(child=serializers.CharField(), help_text="Host names of the tool's site.")
    stance = serializers.ChoiceField(choices=STANCES, help_text="Of the strictest published rule that covers you.")
    summary = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True)
    terms = serializers.ListField(child=serializers.CharField(), required=False)
    alternatives = AlternativeSerializer(many=True, required=False, help_text="Prohibited tools: approved ones.")
    on_open = serializers.ChoiceField(
        choices=ToolRule.OnOpen.values,
        help_text="Prohibited tools: warn (a warning page, the person may continue) or block (no continuing) "
        "when the site is opened; none otherwise.",
    )
    policy = PolicyRefSerializer(allow_null=True)
    obligation = ObligationStateSerializer(allow_null=True)
    settings = SettingStatusSerializer(many=True)


class StatusSerializer(serializers.Serializer):
    employee = PersonNameSerializer()
    today = serializers.DateField(help_text="The server's today: the extension never counts days on its own clock.")
    usage_signals = serializers.BooleanField(help_text="Whether your policy turns usage signals on.")
    me_url = serializers.URLField()
    tools = ToolStatusSerializer(many=True)


class RecordedSerializer(serializers.Serializer):
    recorded = serializers.IntegerField(help_text="Rows written (a repeat of a day only updates it).")


MAX_OBSERVED = 20


class ObservedAnswerSerializer(StrictSerializer):
    setting = serializers.SlugField(max_length=64, help_text="The catalog setting's key, as the status names it.")
    value = serializers.CharField(max_length=64, help_text="The catalog value the probe read.")
    revision = serializers.IntegerField(min_value=1, help_text="The setting's revision the status gave.")
    probe_revision = serializers.IntegerField(min_value=1, help_text="The probe's revision the status gave.")


class ObservationSerializer(StrictSerializer):
    """POST /observations: what the extension read on a tool's settings page."""

    tool = serializers.SlugField(max_length=64, help_text="The catalog tool's id.")
    obligation = serializers.IntegerField(min_value=1, required=False, help_text="The obligation the status named.")
    answers = ObservedAnswerSerializer(many=True, allow_empty=False, max_length=MAX_OBSERVED)


class ObservedRecordSerializer(serializers.Serializer):
    record = serializers.IntegerField(help_text="The ledger record.")
    hash = serializers.CharField()
    source = serializers.CharField(help_text='"extension": observed by the extension.')
    compliant = serializers.BooleanField(allow_null=True)
    receipt_url = serializers.URLField()
