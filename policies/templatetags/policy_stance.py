"""The policy's stance on a tool, for pages of apps that cannot import policies (the catalog
sits below policies in the layering): ``templates/partials/stance.html`` loads this library
and calls the one selector, policies.selectors.tool_stances / employee_stances."""

from typing import Any

from django import template

from policies import selectors

register = template.Library()


@register.simple_tag
def tool_stances(platform: Any, employee: Any = None) -> list[selectors.ToolStance]:
    """What the published policies say about ``platform`` (for ``employee`` only, if given)."""
    return selectors.tool_stances(platform=platform, employee=employee)


@register.simple_tag
def employee_stances(employee: Any) -> list[selectors.ToolStance]:
    """Every published rule covering ``employee``, prohibited tools first."""
    return selectors.employee_stances(employee=employee) if employee is not None else []
