"""Field rules for rows from the HR system, defined once.

The bulk endpoint validates up to 10,000 rows per request, so rows are checked by the plain
functions below (a few microseconds a row) instead of a DRF serializer per row. The DRF
serializers that document the same shapes are generated from these specs, so the schema,
the single-row endpoints and the bulk endpoint apply identical rules and messages.
"""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from rest_framework import serializers

from governance.validators import EXTERNAL_ID_HELP, EXTERNAL_ID_PATTERN, control_character_message, visible
from people.models import Employee

_email = EmailValidator()

# The text rules of clean() as JSON Schema patterns: no control character (nor lone surrogate),
# and, unless blank is allowed, something besides white space (what str.strip() removes).
_CONTROL = r"\u0000-\u001f\u007f-\u009f"
_SPACE = r"\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
TEXT_PATTERN = rf"^[^{_CONTROL}]*$"
NON_BLANK_TEXT_PATTERN = rf"^[^{_CONTROL}]*[^{_CONTROL}{_SPACE}][^{_CONTROL}]*$"
COUNTRY_PATTERN = r"^(?:[A-Za-z]{2})?$"
_COUNTRY = re.compile(r"(?:[A-Za-z]{2})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class FieldSpec:
    kind: str  # str | id | email | country | bool | date | choice
    max_length: int | None = None
    required: bool = False
    nullable: bool = False
    blank: bool = False
    choices: tuple = ()  # (value, label) pairs
    help: str = ""

    def clean(self, value):
        """The cleaned value, or raises ValueError with the message for the field."""
        if value is None:
            if self.nullable:
                return None
            raise ValueError("This field may not be null.")
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise ValueError("Must be true or false.")
        if self.kind == "date":
            if isinstance(value, str) and _DATE.fullmatch(value):
                try:
                    return datetime.date.fromisoformat(value)
                except ValueError:
                    pass
            raise ValueError("Use a date in the form YYYY-MM-DD.")
        if not isinstance(value, str):
            raise ValueError("Must be a string.")
        if message := control_character_message(value):
            raise ValueError(message)
        if self.max_length and len(value) > self.max_length:  # as sent: the schema's maxLength
            raise ValueError(f"At most {self.max_length} characters.")
        if self.kind != "str" and value != value.strip():
            raise ValueError("Remove the white space around the value.")
        if self.kind == "country" and not _COUNTRY.fullmatch(value):
            raise ValueError("Use a two-letter ISO 3166-1 country code.")
        value = value.strip()
        if not value and not self.blank:
            raise ValueError("This field may not be blank.")
        if self.max_length and len(value) > self.max_length:
            raise ValueError(f"At most {self.max_length} characters.")
        if self.kind == "email":
            try:
                _email(value)
            except DjangoValidationError:
                raise ValueError("Enter a valid e-mail address.") from None
            return value.lower()
        if self.kind == "country":
            value = value.upper()
            if value and (len(value) != 2 or not value.isalpha()):
                raise ValueError("Use a two-letter ISO 3166-1 country code.")
        if self.kind == "choice" and value not in (values := [choice for choice, _ in self.choices]):
            raise ValueError(f"Must be one of: {', '.join(values)}.")
        return value

    def drf_field(self, *, required=None):
        required = self.required if required is None else required
        common = {"required": required, "help_text": self.help or None}
        if self.nullable:
            common["allow_null"] = True
        if self.kind == "bool":
            return serializers.BooleanField(**common)
        if self.kind == "date":
            return serializers.DateField(**common)
        if self.kind == "choice":
            return serializers.ChoiceField(choices=list(self.choices), **common)  # (value, label) pairs
        if self.kind == "email":
            return serializers.EmailField(max_length=self.max_length, **common)
        if self.kind == "id":
            # Documents the rule for new records; upsert_people checks it (existing ids stay usable).
            return serializers.RegexField(EXTERNAL_ID_PATTERN, max_length=self.max_length, **common)
        if self.kind == "country":
            return serializers.RegexField(COUNTRY_PATTERN, max_length=self.max_length, allow_blank=True, **common)
        pattern = TEXT_PATTERN if self.blank else NON_BLANK_TEXT_PATTERN
        return serializers.RegexField(pattern, max_length=self.max_length, allow_blank=self.blank, **common)


EMPLOYEE_FIELDS = {
    "external_id": FieldSpec(
        "id", max_length=64, required=True, help=f"The HR system's id; the key of the record. {EXTERNAL_ID_HELP}"
    ),
    "email": FieldSpec("email", max_length=254, required=True, help="Work e-mail; links the sign-in account."),
    "full_name": FieldSpec("str", max_length=200, required=True),
    "department": FieldSpec("str", max_length=64, nullable=True, help="Department code."),
    "manager": FieldSpec("str", max_length=64, nullable=True, help="The manager's employee id."),
    "job_title": FieldSpec("str", max_length=200, blank=True),
    "country": FieldSpec("country", max_length=2, blank=True, help="ISO 3166-1 alpha-2 code."),
    "handles_customer_data": FieldSpec("bool"),
    "status": FieldSpec("choice", choices=tuple(Employee.Status.choices)),
    "hired_on": FieldSpec("date", nullable=True),
    "terminated_on": FieldSpec("date", nullable=True, help="Only with status terminated; defaults to today."),
}

DEPARTMENT_FIELDS = {
    "code": FieldSpec("id", max_length=64, required=True, help=f"The HR system's department code. {EXTERNAL_ID_HELP}"),
    "name": FieldSpec("str", max_length=200, required=True),
    "parent": FieldSpec("str", max_length=64, nullable=True, help="Parent department code; null for a top level."),
}


def validate_row(row, spec, *, partial=False, optional=()):
    """(cleaned, errors) for one row; errors is {field: [message]} or None.

    Unknown fields are errors; ``partial`` (PATCH) makes every field optional, ``optional``
    names fields that may be left out (e.g. the id when it comes from the URL)."""
    if not isinstance(row, dict):
        return None, {"non_field_errors": ["Expected a JSON object."]}
    errors = {}
    cleaned = {}
    for name in row:
        if name not in spec:
            errors[visible(name)] = ["Unknown field."]
    for name, field_spec in spec.items():
        if name not in row:
            if field_spec.required and not partial and name not in optional:
                errors[name] = ["This field is required."]
            continue
        try:
            cleaned[name] = field_spec.clean(row[name])
        except ValueError as exc:
            errors[name] = [str(exc)]
    return cleaned, (errors or None)


def serializer_for(name, spec, *, optional=(), base=serializers.Serializer):
    """A DRF serializer class documenting ``spec`` (for the OpenAPI schema)."""
    attrs = {field: s.drf_field(required=s.required and field not in optional) for field, s in spec.items()}
    attrs["__doc__"] = f"{name}: validated by integrations.api.rows."
    attrs["refuses_unknown_fields"] = True  # validate_row does; the schema says additionalProperties: false
    return type(name, (base,), attrs)
