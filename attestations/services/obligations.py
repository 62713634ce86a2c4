"""Materializing obligations from published policy versions and keeping them in line.

Everything here is set-based: one INSERT ... SELECT or one UPDATE per rule (and per chunk of
employee ids where a caller names employees), never a query per employee. The same SQL
builders serve publishing (policies.services), re-scoping after HR changes, the catalog's
setting revisions and the daily expiry job, so that "who is in scope of a rule" is written once.

Obligations point at the rule that first set their terms (``obligation_terms``): a published
rule that repeats the previous version's terms unchanged hands its obligations on as they are.

A rule's scope is the conjunction of its dimensions: departments (each including its
sub-departments, via the materialized ``Department.path``), countries, customer-data handlers
only. An empty dimension does not restrict. Only employees who are not terminated are in scope.
"""

import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from attestations.models import Obligation, ObligationStatus, PolicyException
from attestations.selectors.obligations import reopened_by_revision, rules_requiring
from governance import audit
from people.models import Department, Employee
from platforms.models import PlatformSetting
from policies.models import ToolRule

ID_CHUNK = 1000

OBLIGATION = Obligation._meta.db_table
EMPLOYEE = Employee._meta.db_table
EXCEPTION = PolicyException._meta.db_table


def _tables() -> dict[str, str]:
    from policies.models import ToolRule

    return {
        "obligation": OBLIGATION,
        "employee": EMPLOYEE,
        "department": Department._meta.db_table,
        "exception": EXCEPTION,
        "rule": ToolRule._meta.db_table,
    }


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def scope_sql(rule: ToolRule, *, alias: str = "e") -> tuple[str, list[Any]]:
    """SQL condition (and params) for "employee ``alias`` is in the scope of ``rule``".

    Uses ``rule.departments.all()``, so prefetch departments when looping over rules.
    """
    t = _tables()
    clauses = [f"{alias}.status <> %s"]
    params: list[Any] = [Employee.Status.TERMINATED]
    department_ids = sorted(d.pk for d in rule.departments.all())
    if department_ids:
        clauses.append(
            f"{alias}.department_id IN (SELECT sub.id FROM {t['department']} sub "
            f"JOIN {t['department']} anc ON sub.path LIKE anc.path || '%%' "
            f"WHERE anc.id IN ({_placeholders(department_ids)}))"
        )
        params += department_ids
    if rule.countries:
        countries = sorted(rule.countries)
        clauses.append(f"{alias}.country IN ({_placeholders(countries)})")
        params += countries
    if rule.customer_data_handlers_only:
        clauses.append(f"{alias}.handles_customer_data = %s")
        params.append(True)
    return " AND ".join(clauses), params


def _execute(sql: str, params: Sequence[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def obligation_terms(rule: ToolRule) -> tuple[int, int]:
    """(rule id, policy version id) that the obligations under ``rule`` carry: those of the rule
    that first set its terms (see ToolRule.terms_rule). Select ``terms_rule`` when looping."""
    if rule.terms_rule is not None:
        return rule.terms_rule.pk, rule.terms_rule.version_id
    return rule.pk, rule.version_id


def _active_exceptions(t: dict[str, str]) -> str:
    """Per employee, the latest expiry of their approved, unexpired exceptions for a platform
    (params: status, today, platform id)."""
    return (
        f"SELECT x.employee_id, MAX(x.expires_on) AS expires_on FROM {t['exception']} x "
        f"JOIN {t['rule']} xr ON xr.id = x.rule_id WHERE x.status = %s AND x.expires_on >= %s "
        "AND xr.platform_id = %s GROUP BY x.employee_id"
    )


def materialize_rule(
    *,
    rule: ToolRule,
    opened_at: datetime.datetime,
    due_on: datetime.date,
    today: datetime.date,
    employee_ids: Sequence[int] | None = None,
    missing_only: bool = False,
) -> int:
    """Insert one obligation per in-scope employee for ``rule`` in a single INSERT ... SELECT.

    Each opens pending, due ``due_on``, unless the employee holds an approved, unexpired
    exception for the platform: then excepted until it expires. With ``employee_ids`` (or
    ``missing_only``) employees who already have an obligation under the rule's terms are
    skipped. Returns the number of rows written.
    """
    t = _tables()
    rule_id, version_id = obligation_terms(rule)
    scope, scope_params = scope_sql(rule)
    only, only_params = "", []
    if employee_ids is not None:
        only = f"AND e.id IN ({_placeholders(employee_ids)}) "
        only_params = list(employee_ids)
    if employee_ids is not None or missing_only:
        only += (
            f"AND NOT EXISTS (SELECT 1 FROM {t['obligation']} mine WHERE mine.employee_id = e.id AND mine.rule_id = %s)"
        )
        only_params.append(rule_id)
    sql = (
        f"INSERT INTO {t['obligation']} (employee_id, policy_version_id, rule_id, platform_id, department_id, "
        "status, due_on, valid_until, satisfied_by_id, last_attested_at, opened_at, closed_at, close_reason) "
        "SELECT e.id, %s, %s, %s, e.department_id, CASE WHEN exc.expires_on IS NULL THEN %s ELSE %s END, "
        "COALESCE(exc.expires_on, %s), exc.expires_on, NULL, NULL, %s, NULL, '' "
        f"FROM {t['employee']} e LEFT JOIN ({_active_exceptions(t)}) exc ON exc.employee_id = e.id "
        f"WHERE {scope} {only}"
    )
    params = [version_id, rule_id, rule.platform_id, ObligationStatus.PENDING, ObligationStatus.EXCEPTED, due_on]
    params += [opened_at, PolicyException.Status.APPROVED, today, rule.platform_id]
    return _execute(sql, params + scope_params + only_params)


def rescope_rule(
    *,
    rule: ToolRule,
    now: datetime.datetime,
    today: datetime.date,
    due_on: datetime.date,
    employee_ids: Sequence[int] | None = None,
) -> dict[str, int]:
    """Bring the obligations under ``rule``'s terms in line with its scope, for the given
    employees (everyone when None): close the open ones of people out of scope, re-open the
    closed ones (out of scope or terminated earlier) of people back in scope, pending or
    excepted while an approved exception runs, and create the missing ones. Three statements.
    """
    t = _tables()
    rule_id, _ = obligation_terms(rule)
    scope, scope_params = scope_sql(rule)
    among, among_params = "", []
    if employee_ids is not None:
        among = f"AND e.id IN ({_placeholders(employee_ids)})"
        among_params = list(employee_ids)
    in_scope = f"SELECT e.id FROM {t['employee']} e WHERE {scope} {among}"
    closed = _execute(
        f"UPDATE {t['obligation']} SET closed_at = %s, close_reason = %s "
        f"WHERE rule_id = %s AND closed_at IS NULL {among.replace('e.id', 'employee_id')} "
        f"AND employee_id NOT IN ({in_scope})",
        [now, Obligation.CloseReason.OUT_OF_SCOPE, rule_id, *among_params, *scope_params, *among_params],
    )
    reopened = _execute(
        f"UPDATE {t['obligation']} SET closed_at = NULL, close_reason = '', opened_at = %s, "
        "status = CASE WHEN back.expires_on IS NULL THEN %s ELSE %s END, "
        "due_on = COALESCE(back.expires_on, %s), valid_until = back.expires_on "
        f"FROM (SELECT e.id, exc.expires_on FROM {t['employee']} e "
        f"LEFT JOIN ({_active_exceptions(t)}) exc ON exc.employee_id = e.id WHERE {scope} {among}) back "
        f"WHERE {t['obligation']}.employee_id = back.id AND {t['obligation']}.rule_id = %s "
        f"AND {t['obligation']}.closed_at IS NOT NULL AND {t['obligation']}.close_reason IN (%s, %s)",
        [
            now,
            ObligationStatus.PENDING,
            ObligationStatus.EXCEPTED,
            due_on,
            PolicyException.Status.APPROVED,
            today,
            rule.platform_id,
            *scope_params,
            *among_params,
            rule_id,
            Obligation.CloseReason.OUT_OF_SCOPE,
            Obligation.CloseReason.TERMINATED,
        ],
    )
    created = materialize_rule(
        rule=rule, opened_at=now, due_on=due_on, today=today, employee_ids=employee_ids, missing_only=True
    )
    return {"created": created, "closed": closed, "reopened": reopened}


def _chunks(ids: Sequence[int], size: int = ID_CHUNK) -> Iterator[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _published_rules() -> list[ToolRule]:
    from policies.models import PolicyVersion, ToolRule

    return list(
        ToolRule.objects.filter(version__status=PolicyVersion.Status.PUBLISHED)
        .exclude(stance=ToolRule.Stance.PROHIBITED)
        .select_related("version", "terms_rule")
        .prefetch_related("departments")
    )


@transaction.atomic
def rescope_employees(
    *,
    employee_ids: Iterable[int],
    actor: Any = None,
    today: datetime.date | None = None,
    progress: Callable[..., None] | None = None,
) -> dict[str, int]:
    """Bring the given employees' open obligations in line with the published policy versions:
    create the missing ones (new hire, moved into scope), close the ones out of scope
    (department or country move) and close all of a terminated employee's (kept for history).
    An obligation closed earlier re-opens when its employee comes back into scope.
    Set-based: a bounded number of queries per rule and per chunk of 1,000 employees,
    whatever the number of employees. Returns {"created": n, "closed": n, "reopened": n}.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    counts = {"created": 0, "closed": 0, "reopened": 0}
    ids = [int(pk) for pk in employee_ids]
    if not ids:
        return counts
    rules = _published_rules()
    for done, chunk in enumerate(_chunks(ids)):
        if progress:
            progress(done * ID_CHUNK, len(ids), f"{done * ID_CHUNK} of {len(ids)} people")
        counts["closed"] += (
            Obligation.objects.open()
            .filter(employee_id__in=chunk, employee__status=Employee.Status.TERMINATED)
            .update(closed_at=now, close_reason=Obligation.CloseReason.TERMINATED)
        )
        # The department is denormalized onto obligations for figures; follow moves.
        Obligation.objects.open().filter(employee_id__in=chunk).update(
            department_id=Subquery(Employee.objects.filter(pk=OuterRef("employee_id")).values("department_id")[:1])
        )
        for rule in rules:
            due_on = today + datetime.timedelta(days=rule.version.grace_period_days)
            for key, n in rescope_rule(rule=rule, now=now, today=today, due_on=due_on, employee_ids=chunk).items():
                counts[key] += n
    if any(counts.values()):
        audit.record(
            actor=actor,
            actor_label="" if actor else "rescope",
            action="obligations.rescoped",
            obj=audit.Subject("employees", str(ids[0]) if len(ids) == 1 else f"{len(ids)} employees"),
            after=counts,
        )
    return counts


@transaction.atomic
def reopen_for_setting(*, setting: PlatformSetting, actor: Any = None, today: datetime.date | None = None) -> int:
    """Re-open (pending, due today + the version's grace period) exactly the open obligations
    whose published rule requires ``setting`` and that somebody already answered.

    Pending obligations keep their due date and excepted ones stay excepted: the first have
    nothing to re-do yet, the second are excused from the rule. Returns the number re-opened.
    """
    today = today or timezone.localdate()
    reopened = 0
    for grace, rule_ids in rules_requiring(setting).items():
        reopened += reopened_by_revision(rule_ids).update(
            status=ObligationStatus.PENDING,
            due_on=today + datetime.timedelta(days=grace),
            valid_until=None,
        )
    audit.record(
        actor=actor,
        actor_label="" if actor else "catalog",
        action="obligations.reopened_for_setting",
        obj=setting,
        after={"revision": setting.revision, "reopened": reopened},
    )
    return reopened


@transaction.atomic
def expire_obligations(*, today: datetime.date | None = None) -> int:
    """Set obligations whose attestation validity ran out (valid_until < today) back to pending,
    due on the day the validity ended. Set-based and safe to run twice a day."""
    today = today or timezone.localdate()
    from django.db.models import F

    return (
        Obligation.objects.open()
        .filter(status__in=(ObligationStatus.COMPLIANT, ObligationStatus.NOT_USED), valid_until__lt=today)
        .update(status=ObligationStatus.PENDING, due_on=F("valid_until"))
    )


def run_daily_obligation_maintenance(*, today: datetime.date | None = None) -> dict[str, int]:
    """The daily job (schedule it once a day; re-running is harmless): expired attestations and
    expired exceptions go back to pending. Returns counts for the job log."""
    from attestations.services.exceptions import expire_exceptions

    today = today or timezone.localdate()
    return {
        "expired_attestations": expire_obligations(today=today),
        "expired_exceptions": expire_exceptions(today=today),
    }
