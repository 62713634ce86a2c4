"""The figures of the public trust page, its JSON and its signed statement: one function,
:func:`trust_figures`, whose answer is exactly what the three show.

Every figure is read from the selectors of the officers' dashboard (compliance.selectors), so the
trust page says what the dashboard says for the same day: everyone with every tool done
(``people_coverage``: the "People fully compliant" card) and the share of open obligations
satisfied per tool (``overview``: the "By tool" bars), and the customer-data handlers with every
tool done, overall and per tool (``customer_data_coverage``: the "Customer-data handlers fully
compliant" card, unfiltered and filtered by the tool). Those read the maintained counts, so the page's work does not grow with
the organization: a handful of queries, plus one per tool the policies name.

Privacy: no person is named, and a group of fewer people than the setting's minimum shows
"fewer than N people" (no count, no share). Obligations are counted per person and rule, so for
everyone's per-tool figures (counted in obligations) a tool's people are at least its open
obligations divided by the number of policies with a rule for it (exact when one policy names
the tool): a tool is shown only when that lower bound reaches the minimum.
"""

import datetime
import math
from typing import Any

from attestations.models import LedgerCheckpoint
from compliance import selectors as compliance
from compliance.selectors import ComplianceFilters
from policies.models import PolicyVersion, ToolRule
from trust.models import TrustSettings

STANCES = (ToolRule.Stance.APPROVED, ToolRule.Stance.RESTRICTED, ToolRule.Stance.PROHIBITED)


def _published_versions() -> list[PolicyVersion]:
    return list(PolicyVersion.objects.published().select_related("policy").order_by("policy__name", "number"))


def _published_rules() -> list[ToolRule]:
    return list(
        ToolRule.objects.filter(version__status=PolicyVersion.Status.PUBLISHED)
        .select_related("platform", "version__policy")
        .order_by("platform__name", "version__policy__name")
    )


def latest_checkpoint() -> LedgerCheckpoint | None:
    """The newest signed checkpoint of the ledger (the one the figures are stated against)."""
    return LedgerCheckpoint.objects.order_by("-count").first()


def _checkpoint(checkpoint: LedgerCheckpoint | None) -> dict[str, Any] | None:
    if checkpoint is None:
        return None
    return {
        "count": checkpoint.count,
        "head_hash": checkpoint.head_hash,
        "kid": checkpoint.kid,
        "created_at": checkpoint.created_at.isoformat(),
    }


def _group(*, people_at_least: int, total: int, satisfied: int, share: float | None, minimum: int) -> dict[str, Any]:
    """A group's figures, or only "fewer than ``minimum`` people" when it is smaller."""
    if people_at_least < minimum or share is None:
        return {"shown": False, "fewer_than": minimum}
    return {"shown": True, "total": total, "satisfied": satisfied, "share": share}


def _tools(rules: list[ToolRule]) -> tuple[dict[str, list[dict[str, str]]], dict[int, set[int]], list[Any]]:
    """The tools by stance; per tool that opens obligations, the policies with a rule for it;
    and those tools by name."""
    tools: dict[str, list[dict[str, str]]] = {stance.value: [] for stance in STANCES}
    policies_naming: dict[int, set[int]] = {}
    attested: dict[int, Any] = {}
    for rule in rules:
        tools[rule.stance].append({"tool": rule.platform.name, "policy": rule.version.policy.name})
        if rule.creates_obligations:
            policies_naming.setdefault(rule.platform_id, set()).add(rule.version.policy_id)
            attested[rule.platform_id] = rule.platform
    return tools, policies_naming, sorted(attested.values(), key=lambda p: (p.name.lower(), p.pk))


def _per_tool(
    platforms: list[Any], *, by_tool: dict[int, Any], people_on: dict[int, int], minimum: int, today: datetime.date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per tool: everyone's figures (the dashboard's "By tool") and the handlers' (its handlers
    card filtered by the tool)."""
    everyone, handlers = [], []
    for platform in platforms:
        figures = by_tool.get(platform.pk)
        everyone.append(
            {
                "tool": platform.name,
                **_group(
                    people_at_least=people_on.get(platform.pk, 0),
                    total=figures.total if figures else 0,
                    satisfied=figures.satisfied if figures else 0,
                    share=figures.rate if figures else None,
                    minimum=minimum,
                ),
            }
        )
        coverage = compliance.customer_data_coverage(ComplianceFilters(platform_id=platform.pk), today=today)
        handlers.append(
            {
                "tool": platform.name,
                **_group(
                    people_at_least=coverage["handlers"],
                    total=coverage["handlers"],
                    satisfied=coverage["fully_compliant"],
                    share=coverage["rate"],
                    minimum=minimum,
                ),
            }
        )
    return everyone, handlers


def trust_figures(*, settings: TrustSettings, today: datetime.date) -> dict[str, Any]:
    """Everything the trust page shows for ``today``, as JSON-ready values (the statement signs
    exactly this). Tools are those the published policy versions name; per-tool figures for
    the tools whose rules open obligations (approved and restricted)."""
    minimum = settings.minimum_group_size
    versions = _published_versions()
    tools, policies_naming, platforms = _tools(_published_rules())

    everyone = compliance.overview(ComplianceFilters(), today=today, tree=[])
    by_tool = {figures.extra["id"]: figures for figures in everyone.platforms}
    people_on: dict[int, int] = {
        platform_id: math.ceil(figures.total / max(len(policies_naming.get(platform_id, ())), 1))
        for platform_id, figures in by_tool.items()
    }
    people = compliance.people_coverage(ComplianceFilters(), today=today)
    handlers = compliance.customer_data_coverage(ComplianceFilters(), today=today)
    everyone_per_tool, handlers_per_tool = _per_tool(
        platforms, by_tool=by_tool, people_on=people_on, minimum=minimum, today=today
    )

    return {
        "organization": settings.organization_name,
        "as_of": today.isoformat(),
        "minimum_group_size": minimum,
        "policy_versions": [
            {
                "policy": version.policy.name,
                "version": version.number,
                "title": version.title,
                "effective_on": version.effective_on.isoformat(),
            }
            for version in versions
        ],
        "tools": tools,
        "everyone": {
            "counted_in": "people with every open obligation satisfied",
            "per_tool_counted_in": "open obligations satisfied (one per person and tool)",
            "all_tools": _group(
                people_at_least=people["people"],
                total=people["people"],
                satisfied=people["fully_compliant"],
                share=people["rate"],
                minimum=minimum,
            ),
            "per_tool": everyone_per_tool,
        },
        "customer_data_handlers": {
            "counted_in": "people with every open obligation satisfied",
            "all_tools": _group(
                people_at_least=handlers["handlers"],
                total=handlers["handlers"],
                satisfied=handlers["fully_compliant"],
                share=handlers["rate"],
                minimum=minimum,
            ),
            "per_tool": handlers_per_tool,
        },
        "checkpoint": _checkpoint(latest_checkpoint()),
    }
