"""The OpenAPI schema class: every operation documents the problem-details errors it can
answer, and views that declare no scopes (the read-only catalog) say what a key needs.

It also states the rules every address follows, so that the schema admits exactly what the
server takes (governance.middleware refuses control characters anywhere in the address; the
API refuses empty query parameters and ids out of a database key's range)."""

import re

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from governance.validators import MAX_ID
from integrations.api.permissions import DEFAULT_READ_SCOPE

COMMON_ERRORS = ("400", "401", "403", "404", "429")

# What governance.validators refuses in text (control characters), as the inside of a JSON
# Schema (ECMA-262) character class. It refuses lone surrogates too, which no UTF-8 text carries.
CONTROL = r"\u0000-\u001f\u007f-\u009f"
TEXT_PATTERN = rf"^[^{CONTROL}]+$"
# A lookup segment: no slash, and not "." or ".." (a client would resolve those as a path).
SEGMENT_PATTERN = rf"^(?!\.{{1,2}}$)[^/{CONTROL}]+$"


def _state_address_rules(parameter):
    schema = parameter.get("schema")
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "integer" and parameter["in"] == "path":
        schema.setdefault("minimum", 1)
        schema.setdefault("maximum", MAX_ID)
    if schema.get("type") != "string" or "enum" in schema or "format" in schema:
        return
    if parameter["in"] == "path" and schema.get("pattern") in (None, "^[^/]+$"):
        schema["pattern"] = SEGMENT_PATTERN
    elif parameter["in"] == "query":
        schema.setdefault("pattern", TEXT_PATTERN)
        schema.setdefault("minLength", 1)


class ProblemAutoSchema(AutoSchema):
    def get_description(self):
        description = super().get_description()
        access = getattr(self.view, "access_note", None)  # an API of its own credentials (the extension's)
        if access:
            return f"{access}\n\n{description}" if description else access
        if not hasattr(self.view, "read_scope"):
            note = f"Scope `{DEFAULT_READ_SCOPE}`. Every signed-in person may read it."
            return f"{note}\n\n{description}" if description else note
        return description

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            _state_address_rules(parameter)
        return parameters

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and getattr(serializer, "refuses_unknown_fields", False):
            schema["additionalProperties"] = False
        if direction == "response":
            # Input rules; what was stored before them (or by the pages) is served as it is.
            for field in schema.get("properties", {}).values():
                field.pop("pattern", None)
        return schema

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        # drf-spectacular adds "or empty" to a blank-allowing field with a pattern; when the
        # pattern matches the empty string itself, "" would match both and break the oneOf.
        alternatives = schema.get("oneOf")
        if alternatives and len(alternatives) == 2 and alternatives[1] == {"type": "string", "maxLength": 0}:
            inner = alternatives[0]
            if set(inner) <= {"type", "pattern", "maxLength"} and re.search(inner.get("pattern", ""), ""):
                del schema["oneOf"]
                schema.update(inner)

    def _get_response_bodies(self, direction="response"):
        from integrations.api.examples import ProblemSerializer

        responses = super()._get_response_bodies(direction)
        problem = OpenApiResponse(response=ProblemSerializer, description="Problem details (RFC 9457).")
        for code in COMMON_ERRORS:
            if code not in responses:
                responses[code] = self._get_response_for_code(problem, code, media_types=["application/problem+json"])
        return responses
