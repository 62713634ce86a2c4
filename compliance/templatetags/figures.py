"""Figures as people read them, for templates: ``{% load figures %}``."""

from django import template

from compliance.selectors.figures import share as _share

register = template.Library()


@register.simple_tag
def share(part, whole, rate, of):
    """``{% share satisfied total rate "obligations" %}``: see compliance.selectors.figures.share."""
    return _share(part or 0, whole or 0, rate, of=of)
