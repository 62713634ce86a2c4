"""Admin forms for the catalog pages. They only parse input; the services decide and write."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join

from platforms.catalog_schema import RESERVED_SLUGS
from platforms.citations import citation_from_line, citation_to_line
from platforms.models import Category, ControlType, Platform, PlatformSetting, Protects, RevisionKind, Tier
from platforms.services import validate_setting_values

TRISTATE = (("", "Not stated"), ("true", "Yes"), ("false", "No"))


class SuggestedInput(forms.TextInput):
    """A text input that offers known values (an HTML datalist) and still takes any text; the
    form's validation decides."""

    def __init__(self, *args, suggestions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.suggestions = list(suggestions)

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or 'id_' + name}-values"
        attrs["list"] = list_id
        options = format_html_join("", '<option value="{}"></option>', ((v,) for v in self.suggestions))
        return super().render(name, value, attrs, renderer) + format_html(
            '<datalist id="{}">{}</datalist>', list_id, options
        )


class LinesField(forms.CharField):
    """A list of strings, one per line (navigation steps)."""

    widget = forms.Textarea(attrs={"rows": 5})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class CitationsField(forms.CharField):
    """Citations, one per line: a URL, a document's name, or Publisher | Title | date | URL.

    An admin's citation keeps what it had (its kind, its checked date) when its line is unchanged."""

    widget = forms.Textarea(attrs={"rows": 5})
    default_help_text = (
        "One source per line: a URL, or Publisher | Title | published date (YYYY-MM-DD or -) | URL (or -)."
    )

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", self.default_help_text)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(citation_to_line(item) for item in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [citation_from_line(line.strip()) for line in text.splitlines() if line.strip()]


def keep_known_citations(new, old):
    """Lines the admin left as they were keep the stored citation (kind, checked date, note)."""
    by_line = {citation_to_line(item): item for item in old or ()}
    return [by_line.get(citation_to_line(item), item) for item in new]


class CommaListField(forms.CharField):
    """A short list of lowercase values, separated by commas."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [item.strip().lower() for item in text.split(",") if item.strip()]


def _tristate(value):
    return {"true": True, "false": False}.get(value)


class PlatformForm(forms.Form):
    slug = forms.SlugField(max_length=64, help_text="Lowercase, used in links: e.g. acme-chat.")
    name = forms.CharField(max_length=120)
    vendor = forms.CharField(max_length=120, required=False)
    category = forms.ChoiceField(choices=Category.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    website = forms.URLField(required=False, assume_scheme="https")
    privacy_url = forms.URLField(
        required=False, assume_scheme="https", label="Privacy settings link", help_text="Deep link, where one exists."
    )
    consumer_trains_by_default = forms.TypedChoiceField(
        choices=TRISTATE, coerce=_tristate, empty_value=None, required=False, label="Consumer accounts train by default"
    )
    business_trains_by_default = forms.TypedChoiceField(
        choices=TRISTATE, coerce=_tristate, empty_value=None, required=False, label="Business tiers train by default"
    )
    retention_notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    regional_notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    no_opt_out = forms.BooleanField(required=False, label="No opt-out available anywhere")
    no_opt_out_outside = forms.CharField(
        max_length=64, required=False, label="No opt-out outside", help_text="Region, e.g. EU. Leave empty if none."
    )
    no_opt_out_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="What to do instead",
        help_text="Required when there is no opt-out.",
    )
    sources = CitationsField()
    sources_disagree = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Where the sources disagree",
        help_text="Say what each source says and what the catalog chose.",
    )
    unsourced = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Not in any source",
        help_text="Details of this entry that no source states.",
    )

    def __init__(self, *args, instance=None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", {name: getattr(instance, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)
        if instance is not None:
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = "The slug cannot change: links and policies use it."

    def clean_sources(self):
        return keep_known_citations(self.cleaned_data["sources"], self.instance.sources if self.instance else [])

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if self.instance is None:
            if slug in RESERVED_SLUGS:
                raise ValidationError(f"'{slug}' is reserved for a catalog page.")
            if Platform.objects.filter(slug=slug).exists():
                raise ValidationError("A platform with this slug already exists.")
        return slug

    def clean(self):
        data = super().clean()
        if (data.get("no_opt_out") or data.get("no_opt_out_outside")) and not data.get("no_opt_out_note"):
            self.add_error("no_opt_out_note", "Say what people should do when there is no opt-out.")
        return data


class SettingForm(forms.Form):
    key = forms.SlugField(max_length=64, help_text="Lowercase, used in links: e.g. improve-model.")
    label = forms.CharField(max_length=300, help_text="The exact text in the platform's UI.")
    navigation_steps = LinesField(help_text="One step per line, in order.")
    control_type = forms.ChoiceField(choices=ControlType.choices)
    values = CommaListField(help_text="Possible values, comma-separated, e.g. on, off.")
    safe_value = forms.CharField(max_length=64, help_text="The value that opts out.")
    protects = forms.MultipleChoiceField(choices=Protects.choices, widget=forms.CheckboxSelectMultiple)
    applies_to_tiers = forms.MultipleChoiceField(
        choices=Tier.choices, widget=forms.CheckboxSelectMultiple, label="Applies to tiers"
    )
    deep_link = forms.URLField(required=False, assume_scheme="https", help_text="Opens the setting directly.")
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="What matters when using the tool; shown on the attest form.",
    )
    sources = CitationsField()
    sources_disagree = PlatformForm.base_fields["sources_disagree"]
    unsourced = PlatformForm.base_fields["unsourced"]
    # The confirmation step of an edit that changes what the setting says (the view asks for it;
    # the service refuses such an edit without it). Neither choice is preselected.
    revision_kind = forms.ChoiceField(
        choices=RevisionKind.choices,
        widget=forms.RadioSelect,
        required=False,
        label="What does this change mean for people who attested?",
    )
    confirming = forms.BooleanField(required=False, widget=forms.HiddenInput)

    CONFIRM_FIELDS = ("revision_kind", "confirming")

    def __init__(self, *args, platform, instance=None, **kwargs):
        self.platform = platform
        self.instance = instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {name: getattr(instance, name) for name in self.base_fields if name not in self.CONFIRM_FIELDS},
            )
        super().__init__(*args, **kwargs)
        if instance is not None:
            self.fields["key"].disabled = True
            self.fields["key"].help_text = "The key cannot change: policies use it."
            self.fields["safe_value"].widget = SuggestedInput(suggestions=instance.values)
            self.fields[
                "safe_value"
            ].help_text = f"The value that opts out: one of the values above ({', '.join(instance.values)})."
        else:
            for name in self.CONFIRM_FIELDS:
                del self.fields[name]

    def content_fields(self):
        """The bound fields of the setting itself (the confirmation step renders its own)."""
        return [self[name] for name in self.fields if name not in self.CONFIRM_FIELDS]

    def changes(self):
        """The cleaned values of the setting's fields (not the key, not the confirmation)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "key" and k not in self.CONFIRM_FIELDS}

    def clean_sources(self):
        return keep_known_citations(self.cleaned_data["sources"], self.instance.sources if self.instance else [])

    def clean_key(self):
        key = self.cleaned_data["key"]
        if self.instance is None and PlatformSetting.objects.filter(platform=self.platform, key=key).exists():
            raise ValidationError("This platform already has a setting with this key.")
        return key

    def clean_safe_value(self):
        return self.cleaned_data["safe_value"].strip().lower()

    def clean(self):
        data = super().clean()
        if "values" in data and "safe_value" in data:
            try:
                validate_setting_values(values=data["values"], safe_value=data["safe_value"])
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    self.add_error(name, messages)
        return data
