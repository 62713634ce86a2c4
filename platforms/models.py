"""The catalog: AI tools and social platforms, and the privacy controls that decide whether
what people type or post is used for training."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

# Fields whose change may alter what a person must check: a change to any is recorded as a
# SettingRevision, meaningful (bumps the revision) or, when the editor says so, wording only.
MEANINGFUL_SETTING_FIELDS = ("label", "navigation_steps", "values", "safe_value")

# What describes a platform or a setting (besides its key, freshness and bookkeeping): the
# catalog file's content, what the loader compares, what the API and the admin show.
PLATFORM_CONTENT_FIELDS = (
    "name",
    "vendor",
    "category",
    "description",
    "website",
    "privacy_url",
    "consumer_trains_by_default",
    "business_trains_by_default",
    "retention_notes",
    "regional_notes",
    "no_opt_out",
    "no_opt_out_outside",
    "no_opt_out_note",
    "sources",
    "sources_disagree",
    "unsourced",
)
SETTING_CONTENT_FIELDS = (
    "label",
    "navigation_steps",
    "control_type",
    "values",
    "safe_value",
    "protects",
    "applies_to_tiers",
    "deep_link",
    "settings_url_patterns",
    "probe",
    "probe_verified_on",
    "notes",
    "sources",
    "sources_disagree",
    "unsourced",
)
# A change to the probe (how the extension reads the control) raises ``probe_revision`` and is
# recorded as a SettingRevision, but keeps attestations (platforms.probes.PROBE_FIELDS).


class Category(models.TextChoices):
    CHATBOT = "chatbot", "Chatbot"
    SOCIAL = "social", "Social platform"
    PRODUCTIVITY = "productivity", "Productivity"
    DEVELOPER = "developer", "Developer tool"
    CREATIVE = "creative", "Creative tool"
    WEBSITE_BUILDER = "website_builder", "Website builder"


class Tier(models.TextChoices):
    FREE = "free", "Free"
    CONSUMER_PAID = "consumer_paid", "Consumer paid"
    TEAM = "team", "Team / business"
    ENTERPRISE = "enterprise", "Enterprise"
    EDUCATION = "education", "Education"
    API = "api", "API"


class Protects(models.TextChoices):
    TRAINING = "training", "Model training"
    RETENTION = "retention", "Retention"
    HUMAN_REVIEW = "human_review", "Human review"
    ADS = "ads", "Ads personalization"
    PUBLIC_VISIBILITY = "public_visibility", "Public visibility"
    THIRD_PARTY_SHARING = "third_party_sharing", "Sharing with third parties"
    SCRAPING = "scraping", "Scraping by AI crawlers"
    PERSONALIZATION = "personalization", "Personalization"


class ControlType(models.TextChoices):
    TOGGLE = "toggle", "Toggle"
    CHECKBOX = "checkbox", "Checkbox"
    CHOICE = "choice", "Choice"
    ACCOUNT_VISIBILITY = "account_visibility", "Account visibility"
    ACTION = "action", "Action (form or request)"
    # A behaviour at the moment of use, not a switch (e.g. "do not rate replies"): the employee
    # confirms they follow it; values are "followed" / "not followed", the safe one "followed".
    PRACTICE = "practice", "Practice (confirmed by the employee)"


# A practice's only values, and the one that protects: the catalog loader insists on them.
PRACTICE_VALUES = ["followed", "not followed"]
PRACTICE_SAFE_VALUE = "followed"


class CatalogEntry(models.Model):
    """What platforms and settings share: provenance and freshness."""

    sources = models.JSONField(
        default=list,
        blank=True,
        help_text="Citations: publisher, title, published date, address, kind and the date each was checked "
        "(platforms/citations.py).",
    )
    sources_disagree = models.TextField(
        blank=True, help_text="Where the sources contradict each other (or the catalog), and what the catalog chose."
    )
    unsourced = models.TextField(blank=True, help_text="Details of this entry that no cited source states.")
    last_verified_on = models.DateField(null=True, blank=True)
    verified = models.BooleanField(
        default=True, help_text="False for facts from secondary sources until an admin confirms them."
    )
    is_builtin = models.BooleanField(default=False, help_text="Shipped with the product (load_catalog).")
    catalog_snapshot = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="The catalog-file entry as last loaded; fields the file has not changed keep admins' edits.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_stale(self):
        if self.last_verified_on is None:
            return True
        limit = timezone.localdate() - timedelta(days=settings.CATALOG_STALE_AFTER_DAYS)
        return self.last_verified_on < limit


class Platform(CatalogEntry):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    vendor = models.CharField(max_length=120, blank=True)
    category = models.CharField(max_length=32, choices=Category.choices)
    description = models.TextField(blank=True)
    website = models.URLField(blank=True)
    privacy_url = models.URLField(blank=True, help_text="Deep link to the privacy settings, where one exists.")
    consumer_trains_by_default = models.BooleanField(
        null=True, blank=True, help_text="Consumer accounts are used for training unless changed (empty: not stated)."
    )
    business_trains_by_default = models.BooleanField(null=True, blank=True)
    retention_notes = models.TextField(blank=True)
    regional_notes = models.TextField(blank=True)
    no_opt_out = models.BooleanField(default=False, help_text="The platform offers no switch at all.")
    no_opt_out_outside = models.CharField(
        max_length=64, blank=True, help_text="Region outside which no switch exists (e.g. EU)."
    )
    no_opt_out_note = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class PlatformSetting(CatalogEntry):
    """One privacy control of a platform. ``revision`` goes up whenever its meaning changes."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="settings")
    key = models.SlugField(max_length=64)
    label = models.CharField(max_length=300, help_text="The exact text in the platform's UI.")
    navigation_steps = models.JSONField(default=list, help_text="Ordered steps to reach the control.")
    control_type = models.CharField(max_length=32, choices=ControlType.choices, default=ControlType.TOGGLE)
    values = models.JSONField(default=list, help_text='Possible values, e.g. ["on", "off"].')
    safe_value = models.CharField(max_length=64, help_text="The value that opts out / protects the person.")
    protects = models.JSONField(default=list, help_text="What it protects: training, retention, ...")
    applies_to_tiers = models.JSONField(default=list, help_text="Account tiers this control exists on.")
    deep_link = models.URLField(blank=True)
    notes = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=1, editable=False)
    # Where the control lives on the tool's own site, and how the extension reads it
    # (platforms/probes.py says the format; both are data, never code).
    settings_url_patterns = models.JSONField(
        default=list, blank=True, help_text="https addresses on the tool's own hosts where the control is shown."
    )
    probe = models.JSONField(
        default=dict, blank=True, help_text="How the extension finds the control and reads its state ({} for none)."
    )
    probe_verified_on = models.DateField(
        null=True, blank=True, help_text="The day the probe was checked against the live page (empty: unverified)."
    )
    probe_revision = models.PositiveIntegerField(
        default=0, editable=False, help_text="Raised by every change of the probe (0: never had one)."
    )

    class Meta:
        ordering = ["platform__name", "key"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "key"], name="setting_key_unique_per_platform"),
            models.CheckConstraint(condition=models.Q(revision__gte=1), name="setting_revision_positive"),
        ]

    def __str__(self):
        return f"{self.platform.name}: {self.label}"

    @property
    def is_practice(self):
        return self.control_type == ControlType.PRACTICE

    @property
    def probe_verified(self) -> bool:
        return bool(self.probe) and self.probe_verified_on is not None

    @property
    def settings_url(self):
        return self.deep_link or self.platform.privacy_url or self.platform.website


class RevisionKind(models.TextChoices):
    MEANINGFUL = "meaningful", "People must check again"
    COSMETIC = "cosmetic", "Wording only: keep attestations"


class SettingRevision(models.Model):
    """One recorded change to what a setting says (label, steps, values or safe value).

    A meaningful change raises ``PlatformSetting.revision`` to ``revision`` and re-opens the
    attestations made under the old meaning; a cosmetic one (wording only) keeps ``revision``
    as it was, so attestations stay valid. ``reason`` is written when the change is made, in
    words an employee understands ("ChatGPT renamed ..."), so pages explain why a tool is due
    again without re-deriving history. Append-only in practice: services only create rows.
    """

    setting = models.ForeignKey(PlatformSetting, on_delete=models.PROTECT, related_name="revisions")
    revision = models.PositiveIntegerField(help_text="The setting's revision after the change.")
    probe_revision = models.PositiveIntegerField(default=0, help_text="The setting's probe revision after the change.")
    kind = models.CharField(max_length=16, choices=RevisionKind.choices)
    changed_fields = models.JSONField(default=list)
    old_label = models.CharField(max_length=300)
    new_label = models.CharField(max_length=300)
    reason = models.CharField(max_length=1000)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=64, blank=True, help_text="Who made it when no user did (the loader).")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["setting_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["setting", "revision"],
                condition=models.Q(kind="meaningful"),
                name="one_meaningful_revision_per_number",
            ),
            models.CheckConstraint(condition=models.Q(revision__gte=1), name="setting_revision_record_positive"),
        ]
        indexes = [models.Index(fields=["setting", "kind", "created_at"], name="setting_revision_kind_time")]

    def __str__(self):
        return f"{self.setting_id} r{self.revision} ({self.kind})"
