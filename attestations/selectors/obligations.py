"""Reads about obligations and exceptions (one person or a queue). Policy acknowledgments are
read in attestations.selectors.records."""

from django.db.models import Prefetch, QuerySet

from attestations.models import Obligation, PolicyException
from people.models import Employee
from policies.models import PolicyVersion


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
