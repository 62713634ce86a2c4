"""Forms of the employee pages: attesting a tool and requesting an exception."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from attestations.services.attest import EVIDENCE_MAX_BYTES, TIER_LABELS
from attestations.services.exceptions import MAX_EXCEPTION_DAYS

USES = "yes"
DOES_NOT_USE = "no"
# Service error keys that belong to a differently named form field.
SERVICE_FIELD = {"statement": "confirm"}


def value_label(value):
    return {"on": "On", "off": "Off", "followed": "Confirmed"}.get(
        value, value.replace("_", " ").replace("-", " ").capitalize()
    )


# How a practice's two answers read on the attest form: a confirmation, not a switch position.
PRACTICE_CHOICES = {"followed": "I confirm: I do this", "not followed": "I do not do this"}


class AttestationForm(forms.Form):
    """One tool: whether it is used, each required setting's current value, the account tier
    where the rule restricts tiers, an optional screenshot, the statement and the signature.

    Fields are built from the obligation's rule, one radio group per required setting
    (``setting_<id>``), so the page works without JavaScript."""

    tool_used = forms.ChoiceField(
        widget=forms.RadioSelect, error_messages={"required": "Say whether you use this tool."}
    )
    tier = forms.ChoiceField(required=False, label="Which account tier do you use?")
    evidence = forms.FileField(
        required=False,
        label="Screenshot of the setting (optional)",
        help_text="PNG, JPEG or WebP, at most 5 MB. We remove the file's metadata; only you and compliance officers can see it.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    confirm = forms.BooleanField(
        label="I confirm the statement above",
        error_messages={"required": "Confirm the statement to sign."},
    )
    signature = forms.CharField(
        max_length=200,
        label="Your full name, as signature",
        error_messages={"required": "Type your full name to sign."},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    state = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, obligation, requirements, **kwargs):
        super().__init__(*args, **kwargs)
        self.obligation = obligation
        self.requirements = list(requirements)
        tool = obligation.platform.name
        self.fields["tool_used"].choices = [(USES, f"I use {tool}"), (DOES_NOT_USE, f"I do not use {tool}")]
        self.fields["tool_used"].label = f"Do you use {tool}?"
        self.fields["signature"].help_text = f"Type {obligation.employee.full_name}."
        for requirement in self.requirements:
            setting = requirement.setting
            labels = PRACTICE_CHOICES if setting.is_practice else {}
            self.fields[self.setting_field(setting)] = forms.ChoiceField(
                required=False,
                label=setting.label,
                widget=forms.RadioSelect,
                choices=[(value, labels.get(value) or value_label(value)) for value in setting.values],
                error_messages={"invalid_choice": "Choose one of the values shown."},
            )
        allowed = obligation.rule.allowed_tiers or []
        if allowed:
            extra = [(tier, tier) for tier in allowed if tier not in TIER_LABELS]
            self.fields["tier"].choices = [("", "Choose your account tier"), *TIER_LABELS.items(), *extra]
            allowed_labels = ", ".join(TIER_LABELS.get(tier, tier) for tier in allowed)
            self.fields["tier"].help_text = f"The policy allows: {allowed_labels}."
        else:
            del self.fields["tier"]

    @staticmethod
    def setting_field(setting):
        return f"setting_{setting.pk}"

    def setting_rows(self):
        """(required setting, bound field) pairs in display order."""
        return [(requirement, self[self.setting_field(requirement.setting)]) for requirement in self.requirements]

    def clean_evidence(self):
        evidence = self.cleaned_data.get("evidence")
        if evidence and evidence.size > EVIDENCE_MAX_BYTES:
            raise ValidationError("The screenshot is larger than 5 MB. Crop it or save it as JPEG.")
        return evidence

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("tool_used") == USES:
            for requirement in self.requirements:
                name = self.setting_field(requirement.setting)
                if not cleaned.get(name) and name not in self.errors:
                    if requirement.setting.is_practice:
                        self.add_error(name, f"Say whether you follow “{requirement.setting.label}”.")
                    else:
                        self.add_error(name, f"Choose the current value of “{requirement.setting.label}”.")
            if "tier" in self.fields and not cleaned.get("tier") and "tier" not in self.errors:
                self.add_error("tier", "Say which account tier you use.")
        return cleaned

    def answers(self):
        return {
            requirement.setting.pk: self.cleaned_data.get(self.setting_field(requirement.setting))
            for requirement in self.requirements
        }

    def add_service_errors(self, error):
        """Show a service's ValidationError next to the fields it names."""
        if hasattr(error, "error_dict"):
            for key, messages in error.message_dict.items():
                field = SERVICE_FIELD.get(key, key)
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class ExceptionRequestForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need an exception?",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text="For example: a customer requires this tool and its business tier is not available to us yet.",
        error_messages={"required": "Say why you need an exception."},
    )
    requested_days = forms.IntegerField(
        label="For how many days?",
        min_value=1,
        max_value=MAX_EXCEPTION_DAYS,
        initial=90,
        help_text=f"Between 1 and {MAX_EXCEPTION_DAYS} days; a compliance officer decides.",
    )

    def add_service_errors(self, error):
        if hasattr(error, "error_dict"):
            for key, messages in error.message_dict.items():
                self.add_error(key if key in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class ApproveExceptionForm(forms.Form):
    expires_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Expires on")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    @classmethod
    def initial_for(cls, exception):
        return {"expires_on": timezone.localdate() + datetime.timedelta(days=exception.requested_days)}


class DenyExceptionForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Reason for denying")
