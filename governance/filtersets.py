"""The dashboard's filter form: URL parameters in, ComplianceFilters out.

One form serves the dashboard, the drill-down list and its CSV, so a shared link shows the
same view everywhere. Choices come from rows the dashboard reads anyway (the department tree
and the platform list), so the form adds at most one query (policy versions).
"""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe

from governance.models import Department
from governance.selectors.compliance import NO_DEPARTMENT, ComplianceFilters
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
    department = forms.ChoiceField(
        label="Department", required=False, help_text="Includes sub-departments.", widget=LongSelect
    )
    platform = forms.ChoiceField(label="Tool", required=False)
    policy_version = forms.ChoiceField(label="Policy version", required=False)
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
        self.tree = {row["id"]: row for row in tree}
        self.manager = manager
        self.fields["department"].choices = [
            ("", "All departments"),
            *((str(row["id"]), "\u2003" * row["depth"] + row["name"]) for row in tree),
            (NO_DEPARTMENT, "No department"),
        ]
        self.fields["platform"].choices = [("", "All tools"), *((str(p["id"]), p["name"]) for p in platforms)]
        versions = PolicyVersion.objects.exclude(status=PolicyVersion.Status.DRAFT).select_related("policy")
        self.fields["policy_version"].choices = [
            ("", "All versions"),
            *((str(v.pk), f"{v.policy.name} v{v.number} ({v.get_status_display().lower()})") for v in versions),
        ]
        for name in ("department", "platform", "policy_version"):
            self.fields[name].widget.attrs["class"] = "filter-select"

    def clean_country(self):
        country = self.cleaned_data["country"].strip().upper()
        if country and (len(country) != 2 or not country.isalpha()):
            raise forms.ValidationError("Use a two-letter country code.")
        return country

    def filters(self):
        """The ComplianceFilters this valid form describes (no query: departments come from the tree)."""
        data = self.cleaned_data
        department = None
        if data["department"] and data["department"] != NO_DEPARTMENT:
            row = self.tree[int(data["department"])]
            department = Department(pk=row["id"], name=row["name"], path=row["path"], parent_id=row["parent_id"])
        return ComplianceFilters(
            department=department,
            platform_id=int(data["platform"]) if data["platform"] else None,
            policy_version_id=int(data["policy_version"]) if data["policy_version"] else None,
            country=data["country"],
            customer_data_only=data["customer_data"],
            manager=self.manager,
            department_direct_only=department is not None and data["direct"],
            no_department=data["department"] == NO_DEPARTMENT,
        )
