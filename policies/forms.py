"""Forms for the policy editor; they parse input, the services validate the domain rules."""

from django import forms
from django.core.exceptions import ValidationError

from people.models import Department
from platforms.models import Platform, PlatformSetting, Tier
from policies.models import ToolRule


def apply_errors(form, error):
    """Show a service's ValidationError on the form: field errors where the field exists."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class PolicyForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class VersionForm(forms.Form):
    title = forms.CharField(max_length=200)
    body_markdown = forms.CharField(
        label="Policy text (Markdown)",
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Employees read and acknowledge this text. Markdown; HTML is stripped.",
    )
    effective_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Effective date")
    attestation_interval_days = forms.IntegerField(min_value=1, max_value=730, label="Re-attest every (days)")
    grace_period_days = forms.IntegerField(min_value=0, max_value=365, label="Grace period (days)")
    reminder_offsets = forms.CharField(
        label="Reminder days",
        help_text="Days relative to the due date, comma separated: -7, -1, 0, 3, 7 (negative: before).",
    )
    escalation_after_days = forms.IntegerField(
        min_value=0, max_value=365, label="Tell the manager after (days overdue)"
    )

    def clean_reminder_offsets(self):
        raw = self.cleaned_data["reminder_offsets"]
        try:
            return sorted({int(part) for part in raw.replace(";", ",").split(",") if part.strip()})
        except ValueError:
            raise ValidationError("Whole numbers separated by commas, e.g. -7, -1, 0, 3, 7.") from None

    @classmethod
    def initial_for(cls, version):
        return {
            "title": version.title,
            "body_markdown": version.body_markdown,
            "effective_on": version.effective_on,
            "attestation_interval_days": version.attestation_interval_days,
            "grace_period_days": version.grace_period_days,
            "reminder_offsets": ", ".join(str(o) for o in version.reminder_offsets),
            "escalation_after_days": version.escalation_after_days,
        }


class ChoosePlatformForm(forms.Form):
    platform = forms.ModelChoiceField(queryset=Platform.objects.none(), empty_label="Choose a tool")

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = Platform.objects.exclude(rules__version=version).order_by("name")


class RuleForm(forms.Form):
    stance = forms.ChoiceField(choices=ToolRule.Stance.choices, widget=forms.RadioSelect)
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.order_by("path"),
        required=False,
        help_text="Empty: every department. A department includes its sub-departments.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    countries = forms.CharField(
        required=False, help_text="Two-letter codes, comma separated (e.g. DE, FR). Empty: all countries."
    )
    customer_data_handlers_only = forms.BooleanField(required=False, label="Customer-data handlers only")
    allowed_tiers = forms.MultipleChoiceField(
        choices=Tier.choices, required=False, widget=forms.CheckboxSelectMultiple, help_text="Empty: any tier."
    )
    data_classes = forms.MultipleChoiceField(
        choices=ToolRule.DataClass.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Data classes allowed",
    )
    no_settings_needed = forms.BooleanField(
        required=False,
        label="No settings needed",
        help_text="Say so explicitly when nothing must be configured (e.g. an enterprise tier that never trains).",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, platform=None, with_settings=False, **kwargs):
        super().__init__(*args, **kwargs)
        if with_settings:
            self.fields["required_settings"] = forms.ModelMultipleChoiceField(
                queryset=PlatformSetting.objects.filter(platform=platform).order_by("key"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                label="Required settings",
                help_text="Each is required at its safe value; change a value on the rule afterwards.",
            )
            self.fields["required_settings"].label_from_instance = lambda s: (
                f"{s.label} ({s.key}, safe value {s.safe_value})"
            )

    @classmethod
    def initial_for(cls, rule):
        return {
            "stance": rule.stance,
            "departments": list(rule.departments.all()),
            "countries": ", ".join(rule.countries),
            "customer_data_handlers_only": rule.customer_data_handlers_only,
            "allowed_tiers": rule.allowed_tiers,
            "data_classes": rule.data_classes,
            "no_settings_needed": rule.no_settings_needed,
            "notes": rule.notes,
        }

    def rule_fields(self):
        data = dict(self.cleaned_data)
        data.pop("required_settings", None)
        data["departments"] = list(data["departments"])
        return data


class RequiredSettingForm(forms.Form):
    setting = forms.ModelChoiceField(queryset=PlatformSetting.objects.none())
    required_value = forms.CharField(required=False, help_text="Empty: the setting's safe value.")

    def __init__(self, *args, rule, requirement=None, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = PlatformSetting.objects.filter(platform=rule.platform_id).order_by("key")
        if requirement is None:
            queryset = queryset.exclude(requirements__rule=rule)
        self.fields["setting"].queryset = queryset
        self.fields["setting"].label_from_instance = lambda s: f"{s.label} ({s.key}: {' / '.join(s.values)})"
        if requirement is not None:
            self.fields["setting"].disabled = True
            self.fields["setting"].initial = requirement.setting
            self.fields["required_value"] = forms.ChoiceField(
                choices=[(v, v) for v in requirement.setting.values], initial=requirement.required_value
            )
