"""Reads about obligations and exceptions (one person or a queue). Policy acknowledgments are
read in attestations.selectors.records."""

from django.db.models import Count, Prefetch, Q, QuerySet

from attestations.models import Obligation, ObligationStatus, PolicyException
from people.models import Employee
from platforms.impact import RevisionImpact
from platforms.models import PlatformSetting
from policies.models import PolicyVersion

# Obligations a setting revision re-opens: the ones somebody attested under the old meaning.
REOPEN_ON_REVISION = (ObligationStatus.COMPLIANT, ObligationStatus.NONCOMPLIANT, ObligationStatus.NOT_USED)


def rules_requiring(setting: PlatformSetting) -> dict[int, list[int]]:
    """The rules whose obligations follow a published rule that requires ``setting``, as
    {grace period in days: [terms rule ids]}: the obligations point at the terms rule. One query."""
    from policies.models import RequiredSetting

    requirements = RequiredSetting.objects.filter(
        setting=setting, rule__version__status=PolicyVersion.Status.PUBLISHED
    ).values_list("rule_id", "rule__terms_rule_id", "rule__version__grace_period_days")
    by_grace: dict[int, list[int]] = {}
    for rule_id, terms_rule_id, grace in requirements:
        by_grace.setdefault(grace, []).append(terms_rule_id or rule_id)
    return by_grace


def reopened_by_revision(rule_ids: list[int]) -> QuerySet[Obligation]:
    """The open obligations under ``rule_ids`` that a meaningful revision re-opens: the answered ones
    (pending ones have nothing to re-do yet; excepted ones are excused from the rule)."""
    return Obligation.objects.open().filter(rule_id__in=rule_ids, status__in=REOPEN_ON_REVISION)


def revision_impact(setting: PlatformSetting) -> RevisionImpact:
    """What a meaningful revision of ``setting`` would re-open now: exactly the obligations
    services.obligations.reopen_for_setting re-opens, their people and how many are compliant.
    Registered with platforms.impact so the catalog's edit pages can ask. Two queries."""
    rule_ids = [rule_id for ids in rules_requiring(setting).values() for rule_id in ids]
    if not rule_ids:
        return RevisionImpact()
    figures = reopened_by_revision(rule_ids).aggregate(
        obligations=Count("id"),
        people=Count("employee_id", distinct=True),
        compliant=Count("id", filter=Q(status=ObligationStatus.COMPLIANT)),
    )
    return RevisionImpact(**figures)


def _with_requirements(queryset: QuerySet[Obligation]) -> QuerySet[Obligation]:
    from policies.models import RequiredSetting

    return queryset.select_related("platform", "rule", "policy_version__policy").prefetch_related(
        Prefetch("rule__required_settings", queryset=RequiredSetting.objects.select_related("setting"))
    )


def obligations_for(*, employee: Employee, include_closed: bool = False) -> QuerySet[Obligation]:
    """An employee's obligations (open ones unless ``include_closed``), each with its platform,
    rule, policy version and required settings loaded: a fixed number of queries."""
    queryset = Obligation.objects.filter(employee=employee)
    if not include_closed:
        queryset = queryset.open()
    return _with_requirements(queryset).order_by("due_on", "platform__name")


def version_in_force(obligation: Obligation) -> PolicyVersion | None:
    """The published version of the obligation's policy, which governs it while it is open.

    ``obligation.policy_version`` is the version whose terms it follows: an earlier one when the
    terms carried over unchanged (see ToolRule.terms_rule). None once the policy is retired.
    """
    from policies.models import PolicyVersion

    return (
        PolicyVersion.objects.published()
        .select_related("policy")
        .filter(policy_id=obligation.policy_version.policy_id)
        .first()
    )


def version_phrase(rule_version: PolicyVersion, in_force: PolicyVersion | None) -> str:
    """How every page and the signed statement name the version behind an obligation: "v2"
    when its rule is the version in force's own, "rule from v1, in force under v2" when the
    rule's terms carried over unchanged from an earlier version."""
    if in_force is None or in_force.pk == rule_version.pk:
        return f"v{rule_version.number}"
    return f"rule from v{rule_version.number}, in force under v{in_force.number}"


def exceptions_for_review(*, status: str | None = PolicyException.Status.REQUESTED) -> QuerySet[PolicyException]:
    """Exception requests for the officers' queue, oldest request first when still open."""
    queryset = PolicyException.objects.select_related(
        "employee__department", "rule__platform", "rule__version__policy", "decided_by", "obligation"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("requested_at" if status == PolicyException.Status.REQUESTED else "-requested_at")
