"""The dashboard's filter form: URL parameters in, ComplianceFilters out.

One form serves the dashboard, the drill-down list and its CSV, so a shared link shows the
same view everywhere. Choices come from rows the dashboard reads anyway (the department tree
and the platform list), so the form adds at most one query (policy versions).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe

from compliance.selectors import NO_DEPARTMENT, ComplianceFilters
from people.models import Department
from policies.models import PolicyVersion


class LongSelect(forms.Select):
    """A <select> of plain (value, label) choices written in Python, not through a template per
    option: for the thousand departments of a large organization that costs more than all the
    dashboard's figures. Same markup as forms.Select."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))
        options = "".join(
            f'<option value="{escape(str(key))}"{" selected" if str(key) in selected else ""}>{escape(str(label))}</option>'
            for key, label in self.choices
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{escape(name)}"{attributes}>{options}</select>')  # noqa: S308 (escaped)


class ComplianceFilterForm(forms.Form):
    """The filters as a form to render; validation is ComplianceFilters.from_params, the one
    parser every surface uses, fed with the rows the dashboard holds (no extra query)."""

    department = forms.CharField(
        label="Department", required=False, help_text="Includes sub-departments.", widget=LongSelect
    )
    platform = forms.CharField(label="Tool", required=False, widget=forms.Select)
    policy_version = forms.CharField(label="Policy version", required=False, widget=forms.Select)
    country = forms.CharField(
        label="Country",
        required=False,
        help_text="Two-letter code, e.g. DE.",
        widget=forms.TextInput(attrs={"size": 3, "autocomplete": "off", "placeholder": "e.g. DE"}),
    )
    customer_data = forms.BooleanField(label="Customer-data handlers only", required=False)
    direct = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, tree, platforms, manager=None):
        super().__init__(data)
        self.manager = manager
        self._filters = None
        self.departments = {
            row["id"]: Department(pk=row["id"], name=row["name"], path=row["path"], parent_id=row["parent_id"])
            for row in tree
        }
        self.fields["department"].widget.choices = [
            ("", "All departments"),
            *((str(row["id"]), "\u2003" * row["depth"] + row["name"]) for row in tree),
            (NO_DEPARTMENT, "No department"),
        ]
        self.platform_ids = {p["id"] for p in platforms}
        self.fields["platform"].widget.choices = [("", "All tools"), *((str(p["id"]), p["name"]) for p in platforms)]
        versions = list(PolicyVersion.objects.exclude(status=PolicyVersion.Status.DRAFT).select_related("policy"))
        self.version_ids = {v.pk for v in versions}
        self.fields["policy_version"].widget.choices = [
            ("", "All versions"),
            *((str(v.pk), f"{v.policy.name} v{v.number} ({v.get_status_display().lower()})") for v in versions),
        ]
        for name in ("department", "platform", "policy_version"):
            self.fields[name].widget.attrs["class"] = "filter-select"

    def clean(self):
        cleaned = super().clean()
        try:
            self._filters = ComplianceFilters.from_params(
                self.data,
                manager=self.manager,
                departments=self.departments,
                platform_ids=self.platform_ids,
                version_ids=self.version_ids,
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        return cleaned

    def filters(self):
        """The ComplianceFilters this valid form describes."""
        return self._filters
