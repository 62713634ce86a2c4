"""What publishing a policy version would do to obligations (the publish page's preview)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count

from attestations.models import Obligation
from attestations.services.obligations import scope_sql
from people.models import Department, Employee
from policies.models import PolicyVersion, ToolRule
from policies.selectors import rule_fingerprint, rules_queryset, scope_key


@dataclass
class AffectedRow:
    department: Any  # the Department (or its id while counting), or None for no department
    people: int = 0
    obligations: int = 0
    carried: int = 0
    superseded: int = 0

    @property
    def opened(self) -> int:
        return self.obligations - self.carried


@dataclass
class RuleImpact:
    rule: ToolRule
    change: str  # "new", "changed", "unchanged"
    obligations: int = 0
    carried: int = 0

    @property
    def opened(self) -> int:
        return self.obligations - self.carried


@dataclass
class AffectedPreview:
    version: PolicyVersion
    previous: PolicyVersion | None
    rows: list
    rules: list
    total: AffectedRow


def _query(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def preview_affected(version: PolicyVersion) -> AffectedPreview:
    """What publishing ``version`` would do, by department: people in scope of at least one
    rule, obligations it would write, how many carry their status over from the published
    version (unchanged rules) and how many open as pending, and how many of the published
    version's open obligations would close (terms changed or removed, or out of a changed
    scope). Aggregated in the database: one query per rule (two for a rule whose scope changed)
    plus three, whatever the number of employees."""

    rules = list(rules_queryset().filter(version=version))
    previous = (
        PolicyVersion.objects.filter(policy_id=version.policy_id, status=PolicyVersion.Status.PUBLISHED)
        .exclude(pk=version.pk)
        .first()
    )
    previous_rules = {r.platform_id: r for r in rules_queryset().filter(version=previous)} if previous else {}
    employee_table = Employee._meta.db_table
    obligation_table = Obligation._meta.db_table
    rows: dict[int | None, AffectedRow] = {}

    def row(department_id: int | None) -> AffectedRow:
        return rows.setdefault(department_id, AffectedRow(department=department_id))

    impacts = []
    creating = [r for r in rules if r.creates_obligations]
    ended = {before.obligation_rule_id for before in previous_rules.values()}
    for rule in rules:
        before = previous_rules.get(rule.platform_id)
        change = _change(rule, before)
        impact = RuleImpact(rule=rule, change=change)
        impacts.append(impact)
        if not rule.creates_obligations:
            continue
        scope, params = scope_sql(rule)
        if change == "unchanged":
            assert before is not None  # an unchanged rule has a predecessor
            ended.discard(before.obligation_rule_id)
            leaving: list[tuple[Any, ...]] = []  # with an unchanged scope nobody leaves: no query
            if scope_key(before) != scope_key(rule):
                leaving = _query(
                    f"SELECT o.department_id, COUNT(*) FROM {obligation_table} o WHERE o.rule_id = %s AND "
                    f"o.closed_at IS NULL AND o.employee_id NOT IN (SELECT e.id FROM {employee_table} e WHERE {scope}) "
                    "GROUP BY o.department_id",
                    [before.obligation_rule_id, *params],
                )
            for department_id, n in leaving:
                row(department_id).superseded += n
            join = (
                f"LEFT JOIN {obligation_table} prev ON prev.employee_id = e.id AND prev.rule_id = %s "
                "AND prev.closed_at IS NULL"
            )
            carried = "COUNT(prev.id)"
            params = [before.obligation_rule_id, *params]
        else:
            join, carried = "", "0"
        for department_id, n, kept in _query(
            f"SELECT e.department_id, COUNT(*), {carried} FROM {employee_table} e {join} "
            f"WHERE {scope} GROUP BY e.department_id",
            params,
        ):
            target = row(department_id)
            target.obligations += n
            target.carried += kept
            impact.obligations += n
            impact.carried += kept
    for department_id, n in _people_in_scope(creating):
        row(department_id).people = n
    if ended:
        for item in Obligation.objects.open().filter(rule_id__in=ended).values("department_id").annotate(n=Count("id")):
            row(item["department_id"]).superseded += item["n"]
    ordered, total = _by_department(rows)
    return AffectedPreview(version=version, previous=previous, rows=ordered, rules=impacts, total=total)


def _change(rule: ToolRule, before: ToolRule | None) -> str:
    """How a rule compares with the published version's rule for its tool."""
    if before is None:
        return "new"
    same = rule_fingerprint(before, before.required_settings.all()) == rule_fingerprint(
        rule, rule.required_settings.all()
    )
    return "unchanged" if same else "changed"


def _people_in_scope(creating: list[ToolRule]) -> list[tuple[Any, ...]]:
    """(department id, people in scope of at least one of the rules), one query."""
    if not creating:
        return []
    scopes, params = [], []
    for rule in creating:
        sql, rule_params = scope_sql(rule)
        scopes.append(f"({sql})")
        params += rule_params
    return _query(
        f"SELECT e.department_id, COUNT(*) FROM {Employee._meta.db_table} e WHERE {' OR '.join(scopes)} "
        "GROUP BY e.department_id",
        params,
    )


def _by_department(rows: dict[int | None, AffectedRow]) -> tuple[list[AffectedRow], AffectedRow]:
    """The rows in the department tree's order, with their departments, and their total."""
    departments = Department.objects.in_bulk([pk for pk in rows if pk is not None])
    ordered = []
    total = AffectedRow(department=None)
    for department_id, item in rows.items():
        item.department = departments.get(department_id)
        for name in ("people", "obligations", "carried", "superseded"):
            setattr(total, name, getattr(total, name) + getattr(item, name))
        ordered.append(item)
    ordered.sort(key=lambda r: r.department.path if r.department else "~")
    return ordered, total
