from django import forms

from governance.validators import control_character_message
from trust.models import TrustSettings


class TrustSettingsForm(forms.ModelForm):
    """The trust page setting; the bounds of the minimum group size are the model's."""

    class Meta:
        model = TrustSettings
        fields = ["enabled", "minimum_group_size", "organization_name", "public_text"]
        labels = {
            "enabled": "Publish the trust page",
            "minimum_group_size": "Minimum group size",
            "organization_name": "Organization name",
            "public_text": "Introduction",
        }
        widgets = {"public_text": forms.Textarea(attrs={"rows": 4})}

    def clean_organization_name(self):
        value = self.cleaned_data["organization_name"].strip()
        if message := control_character_message(value):
            raise forms.ValidationError(message)
        return value

    def clean_public_text(self):
        value = self.cleaned_data["public_text"].strip()
        if message := control_character_message(value, multiline=True):
            raise forms.ValidationError(message)
        return value
