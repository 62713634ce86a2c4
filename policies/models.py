"""Policies: the organization's AI acceptable-use policy as numbered, immutable versions."""

import markdown
import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils.safestring import mark_safe

from platforms.models import Tier

# What the policy body may contain after Markdown rendering; everything else is stripped.
BODY_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
BODY_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}


def render_markdown(text):
    """Markdown to HTML that is safe to show: rendered, then sanitized by an allow-list."""
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"], output_format="html")
    return mark_safe(  # noqa: S308 - sanitized by nh3 on the line above's output
        nh3.clean(html, tags=BODY_TAGS, attributes=BODY_ATTRIBUTES, url_schemes={"http", "https", "mailto"})
    )


def normalize_text(text):
    """The policy text with one kind of line ending (a browser's form posts CRLF), so that
    saving the text unchanged is not a change. The database query that compares texts
    (attestations.selectors.records) does the same with REPLACE."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def default_reminder_offsets():
    # Days relative to the due date: a week before, the day before, on the day, 3 and 7 days after.
    return [-7, -1, 0, 3, 7]


class ImmutableVersionError(ValidationError):
    """Raised when something tries to change a published or retired policy version."""


class Policy(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=64, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "policies"
        ordering = ["name"]

    def __str__(self):
        return self.name


class PolicyVersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PolicyVersion.Status.PUBLISHED)

    def update(self, **kwargs):
        # Only the publish/retire transitions may touch a version that is no longer a draft,
        # and a retired version never comes back.
        not_draft = self.exclude(status=PolicyVersion.Status.DRAFT)
        if set(kwargs) - PolicyVersion.TRANSITION_FIELDS and not_draft.exists():
            raise ImmutableVersionError("A published or retired policy version cannot be changed.")
        if "status" in kwargs and kwargs["status"] != PolicyVersion.Status.RETIRED and not_draft.exists():
            raise ImmutableVersionError("A published or retired policy version can only be retired.")
        return super().update(**kwargs)

    def delete(self):
        if self.exclude(status=PolicyVersion.Status.DRAFT).exists():
            raise ImmutableVersionError("A published or retired policy version cannot be deleted.")
        return super().delete()


class PolicyVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    TRANSITION_FIELDS = {"status", "published_at", "published_by", "published_by_id", "retired_at"}

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    title = models.CharField(max_length=200)
    body_markdown = models.TextField(help_text="The policy text employees acknowledge (Markdown).")
    effective_on = models.DateField()
    attestation_interval_days = models.PositiveIntegerField(default=90)
    grace_period_days = models.PositiveIntegerField(default=14)
    reminder_offsets = models.JSONField(
        default=default_reminder_offsets,
        help_text="Days relative to the due date on which reminders go out (negative: before).",
    )
    escalation_after_days = models.PositiveIntegerField(
        default=14, help_text="Days overdue after which the manager is told."
    )
    usage_signals = models.BooleanField(
        default=False,
        help_text="The browser extension reports which catalog tools the people this version covers open "
        "(tool and day only). Say so in the policy text.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_version_number_unique"),
            models.UniqueConstraint(
                fields=["policy"], condition=Q(status="published"), name="one_published_version_per_policy"
            ),
            models.CheckConstraint(condition=Q(attestation_interval_days__gte=1), name="interval_at_least_one_day"),
        ]

    def __str__(self):
        return f"{self.policy.name} v{self.number}"

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT

    def body_html(self):
        """The body rendered from Markdown and sanitized (no scripts, no inline handlers)."""
        return render_markdown(self.body_markdown)

    def save(self, *args, **kwargs):
        if self.pk and not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored and stored != self.Status.DRAFT:
                changed = set(kwargs.get("update_fields") or ()) or None
                if changed is None or changed - self.TRANSITION_FIELDS:
                    raise ImmutableVersionError("A published or retired policy version cannot be changed.")
                if stored == self.Status.RETIRED or self.status == self.Status.DRAFT:
                    raise ImmutableVersionError("A published or retired policy version can only be retired.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not self.is_draft:
            raise ImmutableVersionError("A published or retired policy version cannot be deleted.")
        return super().delete(*args, **kwargs)


class DraftOnlyQuerySet(models.QuerySet):
    """Rules and required settings may change only while their version is a draft."""

    version_lookup = "version__status"

    def _refuse_unless_draft(self):
        if self.exclude(**{self.version_lookup: PolicyVersion.Status.DRAFT}).exists():
            raise ImmutableVersionError("Rules of a published or retired policy version cannot be changed.")

    def update(self, **kwargs):
        self._refuse_unless_draft()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_unless_draft()
        return super().delete()


class RequiredSettingQuerySet(DraftOnlyQuerySet):
    version_lookup = "rule__version__status"


class ToolRule(models.Model):
    class Stance(models.TextChoices):
        APPROVED = "approved", "Approved"
        RESTRICTED = "restricted", "Restricted"
        PROHIBITED = "prohibited", "Prohibited"

    class DataClass(models.TextChoices):
        PUBLIC = "public", "Public"
        INTERNAL = "internal", "Internal"
        CONFIDENTIAL = "confidential", "Confidential"
        CUSTOMER = "customer", "Customer data"
        REGULATED = "regulated", "Regulated"

    class OnOpen(models.TextChoices):
        """What the browser extension does when a person opens a prohibited tool's site."""

        NONE = "none", "Nothing (the panel only)"
        WARN = "warn", "Warn (a full warning page; the person may continue anyway)"
        BLOCK = "block", "Block (a full warning page; no continuing)"

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="rules")
    platform = models.ForeignKey("platforms.Platform", on_delete=models.PROTECT, related_name="rules")
    stance = models.CharField(max_length=16, choices=Stance.choices)
    # Scope: everyone when no department, no country and not handlers-only.
    departments = models.ManyToManyField("people.Department", blank=True, related_name="rules")
    countries = models.JSONField(default=list, blank=True, help_text="ISO country codes; empty: all countries.")
    customer_data_handlers_only = models.BooleanField(default=False)
    allowed_tiers = models.JSONField(default=list, blank=True, help_text="Allowed account tiers; empty: any.")
    data_classes = models.JSONField(default=list, blank=True, help_text="Data classes that may go in.")
    no_settings_needed = models.BooleanField(
        default=False, help_text="Explicitly nothing to configure (e.g. an enterprise tier that never trains)."
    )
    notes = models.TextField(blank=True)
    # Prohibited rules only (the services refuse it on others); not in the fingerprint: it
    # changes what the browser shows, not what anyone attests.
    on_open = models.CharField(
        max_length=8,
        choices=OnOpen.choices,
        default=OnOpen.NONE,
        help_text="Prohibited tools: what the browser extension shows when the tool's site is opened.",
    )
    # Hash of everything an attestation under this rule depends on; equal fingerprints
    # across versions mean an obligation carries over untouched. Set when published.
    fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    # Set when published: the earlier published rule whose terms (fingerprint) this one repeats
    # unchanged from the version before, or empty when its terms are new. Obligations point at
    # the rule that first set the terms, so republishing unchanged terms rewrites no obligation.
    terms_rule = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    objects = DraftOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["version", "platform__name"]
        constraints = [
            models.UniqueConstraint(fields=["version", "platform"], name="one_rule_per_platform_per_version"),
            models.CheckConstraint(
                condition=models.Q(on_open="none") | models.Q(stance="prohibited", on_open__in=["warn", "block"]),
                name="on_open_only_for_prohibited_rules",
            ),
        ]

    def __str__(self):
        return f"{self.platform} ({self.get_stance_display()})"

    @property
    def creates_obligations(self):
        return self.stance != self.Stance.PROHIBITED

    @property
    def tier_labels(self) -> list[str]:
        """The allowed account tiers as people read them ("Consumer paid", not "consumer_paid")."""
        labels = dict(Tier.choices)
        return [str(labels.get(code, code)) for code in self.allowed_tiers or ()]

    @property
    def data_class_labels(self) -> list[str]:
        labels = dict(self.DataClass.choices)
        return [str(labels.get(code, code)) for code in self.data_classes or ()]

    @property
    def on_open_text(self) -> str:
        """What the browser extension does when the tool's site is opened, in a few words ("" for nothing)."""
        return {
            self.OnOpen.WARN: "Warning page when opened; people may continue",
            self.OnOpen.BLOCK: "Blocked when opened: warning page, no continuing",
        }.get(self.on_open, "")

    @property
    def obligation_rule_id(self):
        """The rule id that this rule's obligations carry: the one that first set its terms."""
        return self.terms_rule_id or self.pk

    def save(self, *args, **kwargs):
        if self.version_id and not PolicyVersion.objects.filter(pk=self.version_id, status="draft").exists():
            raise ImmutableVersionError("Rules of a published or retired policy version cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not self.version.is_draft:
            raise ImmutableVersionError("Rules of a published or retired policy version cannot be changed.")
        return super().delete(*args, **kwargs)


class RequiredSetting(models.Model):
    rule = models.ForeignKey(ToolRule, on_delete=models.CASCADE, related_name="required_settings")
    setting = models.ForeignKey("platforms.PlatformSetting", on_delete=models.PROTECT, related_name="requirements")
    required_value = models.CharField(max_length=64)

    objects = RequiredSettingQuerySet.as_manager()

    class Meta:
        ordering = ["rule", "setting__key"]
        constraints = [models.UniqueConstraint(fields=["rule", "setting"], name="setting_required_once_per_rule")]

    def __str__(self):
        return f"{self.setting} = {self.required_value}"

    def clean(self):
        if self.setting_id and self.required_value not in (self.setting.values or []):
            raise ValidationError({"required_value": f"Must be one of: {', '.join(self.setting.values)}."})

    def save(self, *args, **kwargs):
        if not self.required_value and self.setting_id:
            self.required_value = self.setting.safe_value
        if not PolicyVersion.objects.filter(rules=self.rule_id, status="draft").exists():
            raise ImmutableVersionError("Rules of a published or retired policy version cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not self.rule.version.is_draft:
            raise ImmutableVersionError("Rules of a published or retired policy version cannot be changed.")
        return super().delete(*args, **kwargs)


@receiver(m2m_changed, sender=ToolRule.departments.through)
def refuse_scope_change_outside_draft(sender, instance, action, reverse, pk_set, **kwargs):
    """The department scope of a published or retired rule is as immutable as the rule."""
    if not action.startswith("pre_"):
        return
    if not reverse:
        if instance.version_id and not PolicyVersion.objects.filter(pk=instance.version_id, status="draft").exists():
            raise ImmutableVersionError("Rules of a published or retired policy version cannot be changed.")
        return
    # From the department's side: any rule touched must belong to a draft.
    rules = ToolRule.objects.filter(departments=instance) if pk_set is None else ToolRule.objects.filter(pk__in=pk_set)
    if rules.exclude(version__status="draft").exists():
        raise ImmutableVersionError("Rules of a published or retired policy version cannot be changed.")
