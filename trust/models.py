"""The organization's trust page setting: one row (pk 1), off until a governance admin switches it on."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

DEFAULT_MINIMUM_GROUP_SIZE = 10
# Below 2 a group of one person would be shown; above, every figure of a mid-sized company hides.
MINIMUM_GROUP_SIZE_BOUNDS = (2, 1000)


class TrustSettings(models.Model):
    """Whether the public trust page (/trust/, /trust.json, /trust/statement.jws) is served, and
    how large a group must be before its figures are shown. A singleton: :meth:`current`."""

    SINGLETON_PK = 1

    enabled = models.BooleanField(default=False, help_text="Serve the public trust page and its statement.")
    minimum_group_size = models.PositiveIntegerField(
        default=DEFAULT_MINIMUM_GROUP_SIZE,
        validators=[MinValueValidator(MINIMUM_GROUP_SIZE_BOUNDS[0]), MaxValueValidator(MINIMUM_GROUP_SIZE_BOUNDS[1])],
        help_text="A group of fewer people shows “fewer than N people” instead of its figures.",
    )
    organization_name = models.CharField(max_length=200, blank=True, help_text="Shown as the page's title.")
    public_text = models.TextField(max_length=2000, blank=True, help_text="A short introduction (plain text).")
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "trust page setting"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="trust_settings_singleton"),
            models.CheckConstraint(
                condition=models.Q(minimum_group_size__gte=MINIMUM_GROUP_SIZE_BOUNDS[0])
                & models.Q(minimum_group_size__lte=MINIMUM_GROUP_SIZE_BOUNDS[1]),
                name="trust_minimum_group_size_bounds",
            ),
        ]

    def __str__(self):
        return f"Trust page ({'on' if self.enabled else 'off'}, groups of {self.minimum_group_size} or more)"

    @classmethod
    def current(cls) -> "TrustSettings":
        """The setting as stored, or the defaults (off) when nobody has saved it; never writes."""
        return cls.objects.filter(pk=cls.SINGLETON_PK).first() or cls(pk=cls.SINGLETON_PK)
