"""Display labels for the catalog's stored codes (tiers, what a setting protects, citations)."""

import datetime

from django import template

from platforms.citations import KIND_LABELS, as_citation
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


def _day(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


@register.filter
def citations(sources):
    """Stored sources as citations to print: dates as dates, kinds in words, never a file name."""
    shown = []
    for source in sources or ():
        citation = as_citation(source)
        citation["published_on"] = _day(citation["published"])
        citation["checked_on"] = _day(citation["checked"])
        citation["kind_label"] = KIND_LABELS.get(citation["kind"], citation["kind"])
        shown.append(citation)
    return shown
