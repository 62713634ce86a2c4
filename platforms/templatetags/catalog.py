"""Display labels for the catalog's stored codes (tiers, what a setting protects)."""

from django import template

from platforms.models import Protects, Tier

register = template.Library()

_TIERS = dict(Tier.choices)
_PROTECTS = dict(Protects.choices)


@register.filter
def tier_labels(codes):
    return [_TIERS.get(code, code) for code in codes or ()]


@register.filter
def protects_labels(codes):
    return [_PROTECTS.get(code, code) for code in codes or ()]
