"""Forms for the policy editor; they parse input, the services validate the domain rules."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join

from people.models import Department
from people.selectors import department_tree
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
    usage_signals = forms.BooleanField(
        required=False,
        label="Usage signals from the browser extension",
        help_text="The extension reports which catalog tools people open, per tool and day (never an address, "
        "a page or what they type). Off unless ticked; say so in the policy text.",
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
            "usage_signals": version.usage_signals,
        }


class ChoosePlatformForm(forms.Form):
    platform = forms.ModelChoiceField(queryset=Platform.objects.none(), empty_label="Choose a tool")

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = Platform.objects.exclude(rules__version=version).order_by("name")


class DepartmentTree(forms.CheckboxSelectMultiple):
    """The department tree as checkboxes: parents before their children, each indented by its
    depth and naming the departments above it (for screen readers, which do not see the
    indent). Plain HTML, no JavaScript; the field's template wraps it in a fieldset.

    Written in Python rather than a template per option: an organization has a thousand
    departments. ``rows`` is department_tree()'s output, set by the form.
    """

    rows: list[dict] = []

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        names = {str(row["id"]): row["name"] for row in self.rows}
        base_id = self.build_attrs(self.attrs, attrs).get("id", f"id_{name}")
        items = []
        for index, row in enumerate(self.rows):
            key = str(row["id"])
            above = [names[part] for part in row["path"].strip("/").split("/")[:-1] if part in names]
            items.append(
                (
                    min(row["depth"], 8),
                    f"{base_id}_{index}",
                    name,
                    key,
                    " checked" if key in selected else "",
                    row["name"],
                    format_html(' <span class="tree-path">in {}</span>', " \u203a ".join(above)) if above else "",
                )
            )
        options = format_html_join(
            "",
            '<li class="tree-depth-{}"><label for="{}"><input type="checkbox" name="{}" value="{}" id="{}"{}> {}{}</label></li>',
            ((depth, id_, n, k, id_, checked, label, path) for depth, id_, n, k, checked, label, path in items),
        )
        return format_html('<ul class="department-tree" id="{}">{}</ul>', base_id, options)

    def id_for_label(self, id_, index=None):
        return id_ if index is None else f"{id_}_{index}"


class RuleForm(forms.Form):
    stance = forms.ChoiceField(choices=ToolRule.Stance.choices, widget=forms.RadioSelect)
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.all(),
        required=False,
        help_text="None ticked: every department. A department includes its sub-departments.",
        widget=DepartmentTree,
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
    on_open = forms.ChoiceField(
        choices=ToolRule.OnOpen.choices,
        initial=ToolRule.OnOpen.NONE,
        required=False,
        widget=forms.RadioSelect,
        label="When someone opens the tool's site",
        help_text="Prohibited tools only: what the browser extension shows before the site.",
    )

    def __init__(self, *args, platform=None, with_settings=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].widget.rows = department_tree()
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
            "on_open": rule.on_open,
        }

    def rule_fields(self):
        data = dict(self.cleaned_data)
        data.pop("required_settings", None)
        data["departments"] = list(data["departments"])
        return data


def value_label(setting, value):
    """A value as the admin picks it: the safe one says so."""
    return f"{value} (safe value)" if value == setting.safe_value else value


class RequiredSettingForm(forms.Form):
    """Require a setting of the rule's tool at one of its known values.

    Adding offers every setting the rule does not require yet, each with its own values (one
    <select> grouped by setting, so it works without JavaScript and a value always belongs
    to its setting); changing offers the required setting's values. ``available`` is empty
    when every setting of the tool is required already: the page says so instead of showing
    an empty choice.
    """

    def __init__(self, *args, rule, requirement=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.requirement = requirement
        if requirement is not None:
            setting = requirement.setting
            self.available = [setting]
            self.fields["required_value"] = forms.ChoiceField(
                label="Required value",
                choices=[(v, value_label(setting, v)) for v in setting.values],
                initial=requirement.required_value,
                widget=forms.RadioSelect,
            )
            return
        self.available = list(
            PlatformSetting.objects.filter(platform=rule.platform_id).exclude(requirements__rule=rule).order_by("key")
        )
        self.settings_by_pk = {str(s.pk): s for s in self.available}
        choices = [
            (s.label, [(f"{s.pk}:{v}", value_label(s, v)) for v in s.values]) for s in self.available if s.values
        ]
        self.fields["requirement"] = forms.ChoiceField(
            label="Setting and required value",
            choices=[("", "Choose a setting and its value"), *choices],
            help_text="Grouped by setting; the safe value is marked.",
        )
        if self.available and self.available[0].safe_value in self.available[0].values:
            self.fields["requirement"].initial = f"{self.available[0].pk}:{self.available[0].safe_value}"

    def clean(self):
        cleaned = super().clean()
        if self.requirement is None and cleaned.get("requirement"):
            pk, _, value = cleaned["requirement"].partition(":")
            cleaned["setting"] = self.settings_by_pk[pk]
            cleaned["required_value"] = value
        return cleaned
