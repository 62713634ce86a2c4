"""Request bodies that refuse fields they do not know, and text fields that take JSON strings only (Django REST framework): a typo is an error
rather than silently ignored, and the schema says so (``additionalProperties: false``, which
integrations.api.schema writes for every serializer with ``refuses_unknown_fields``). In the
kernel so that every API (the REST API, the browser extension's) uses the one rule."""

from rest_framework import serializers


class RefusesUnknownFields:
    refuses_unknown_fields = True

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - {name for name, f in self.fields.items() if not f.read_only})  # type: ignore[attr-defined]
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(RefusesUnknownFields, serializers.Serializer):
    pass


class TextField(serializers.RegexField):
    """A JSON string matching ``regex`` (DRF's own CharField turns a number into one)."""

    def __init__(self, regex, **kwargs):
        kwargs.setdefault("trim_whitespace", False)  # maxLength is on the text as sent
        super().__init__(regex, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("Not a valid string.")
        return super().to_internal_value(data)
