"""Materializing obligations from published policy versions and keeping them in line.

Everything here is set-based: one INSERT ... SELECT or one UPDATE per rule (and per chunk of
employee ids where a caller names employees), never a query per employee. The same SQL
builders serve publishing (policies.services), re-scoping after HR changes, the catalog's
setting revisions and the daily expiry job, so that "who is in scope of a rule" is written once.

A rule's scope is the conjunction of its dimensions: departments (each including its
sub-departments, via the materialized ``Department.path``), countries, customer-data handlers
only. An empty dimension does not restrict. Only employees who are not terminated are in scope.
"""

import datetime

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.dispatch import receiver
from django.utils import timezone

from governance.models import AuditEvent, Employee, Obligation, ObligationStatus, PolicyException
from platforms.signals import setting_revised

ID_CHUNK = 1000

OBLIGATION = Obligation._meta.db_table
EMPLOYEE = Employee._meta.db_table
EXCEPTION = PolicyException._meta.db_table
# Obligations a setting revision re-opens: the ones somebody attested under the old meaning.
REOPEN_ON_REVISION = (ObligationStatus.COMPLIANT, ObligationStatus.NONCOMPLIANT, ObligationStatus.NOT_USED)


def _tables():
    from policies.models import ToolRule

    return {
        "obligation": OBLIGATION,
        "employee": EMPLOYEE,
        "department": Employee._meta.get_field("department").related_model._meta.db_table,
        "exception": EXCEPTION,
        "rule": ToolRule._meta.db_table,
    }


def _placeholders(values):
    return ", ".join(["%s"] * len(values))


def scope_sql(rule, *, alias="e"):
    """SQL condition (and params) for "employee ``alias`` is in the scope of ``rule``".

    Uses ``rule.departments.all()``, so prefetch departments when looping over rules.
    """
    t = _tables()
    clauses = [f"{alias}.status <> %s"]
    params = [Employee.Status.TERMINATED]
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


def _execute(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def materialize_rule(*, rule, opened_at, due_on, today, carry_from_rule_id=None, employee_ids=None):
    """Insert one obligation per in-scope employee for ``rule`` in a single INSERT ... SELECT.

    With ``carry_from_rule_id`` (the previous version's rule with the same fingerprint), an
    employee's open obligation under that rule hands over its status, due date, validity
    and the attestation that satisfied it. Everybody else opens pending, due ``due_on``,
    unless they hold an approved, unexpired exception for the platform: then excepted until
    it expires. Employees who already have an obligation for this rule are skipped.
    Returns the number of rows written.
    """
    t = _tables()
    scope, scope_params = scope_sql(rule)
    params = [rule.version_id, rule.pk, rule.platform_id]
    if carry_from_rule_id is not None:
        prev_join = (
            f"LEFT JOIN {t['obligation']} prev ON prev.employee_id = e.id AND prev.rule_id = %s "
            "AND prev.closed_at IS NULL"
        )
        prev_params = [carry_from_rule_id]
        status = "COALESCE(prev.status, CASE WHEN exc.expires_on IS NULL THEN %s ELSE %s END)"
        due = "CASE WHEN prev.id IS NOT NULL THEN prev.due_on ELSE COALESCE(exc.expires_on, %s) END"
        valid = "CASE WHEN prev.id IS NOT NULL THEN prev.valid_until ELSE exc.expires_on END"
        satisfied, attested = "prev.satisfied_by_id", "prev.last_attested_at"
    else:
        prev_join, prev_params = "", []
        status = "CASE WHEN exc.expires_on IS NULL THEN %s ELSE %s END"
        due = "COALESCE(exc.expires_on, %s)"
        valid = "exc.expires_on"
        satisfied, attested = "NULL", "NULL"
    params += [ObligationStatus.PENDING, ObligationStatus.EXCEPTED, due_on, opened_at]
    only = ""
    only_params = []
    if employee_ids is not None:
        only = f"AND e.id IN ({_placeholders(employee_ids)}) "
        only += (
            f"AND NOT EXISTS (SELECT 1 FROM {t['obligation']} mine WHERE mine.employee_id = e.id AND mine.rule_id = %s)"
        )
        only_params = [*employee_ids, rule.pk]
    sql = (
        f"INSERT INTO {t['obligation']} (employee_id, policy_version_id, rule_id, platform_id, department_id, "
        "status, due_on, valid_until, satisfied_by_id, last_attested_at, opened_at, closed_at, close_reason) "
        f"SELECT e.id, %s, %s, %s, e.department_id, {status}, {due}, {valid}, {satisfied}, {attested}, %s, NULL, '' "
        f"FROM {t['employee']} e {prev_join} "
        f"LEFT JOIN (SELECT x.employee_id, MAX(x.expires_on) AS expires_on FROM {t['exception']} x "
        f"JOIN {t['rule']} xr ON xr.id = x.rule_id WHERE x.status = %s AND x.expires_on >= %s "
        "AND xr.platform_id = %s GROUP BY x.employee_id) exc ON exc.employee_id = e.id "
        f"WHERE {scope} {only}"
    )
    exception_params = [PolicyException.Status.APPROVED, today, rule.platform_id]
    return _execute(sql, params + prev_params + exception_params + scope_params + only_params)


def _chunks(ids, size=ID_CHUNK):
    ids = sorted(set(ids))
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _published_rules():
    from policies.models import PolicyVersion, ToolRule

    return list(
        ToolRule.objects.filter(version__status=PolicyVersion.Status.PUBLISHED)
        .exclude(stance=ToolRule.Stance.PROHIBITED)
        .select_related("version")
        .prefetch_related("departments")
    )


@transaction.atomic
def rescope_employees(*, employee_ids, actor=None, today=None):
    """Bring the given employees' open obligations in line with the published policy versions:
    create the missing ones (new hire, moved into scope), close the ones out of scope
    (department or country move) and close all of a terminated employee's (kept for history).
    An obligation closed earlier re-opens (pending) when its employee comes back into scope.
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
    t = _tables()
    for chunk in _chunks(ids):
        counts["closed"] += (
            Obligation.objects.open()
            .filter(employee_id__in=chunk, employee__status=Employee.Status.TERMINATED)
            .update(closed_at=now, close_reason=Obligation.CloseReason.TERMINATED)
        )
        # The department is denormalized onto obligations for figures; follow moves.
        Obligation.objects.open().filter(employee_id__in=chunk).update(
            department_id=Subquery(Employee.objects.filter(pk=OuterRef("employee_id")).values("department_id")[:1])
        )
        id_list = _placeholders(chunk)
        for rule in rules:
            scope, scope_params = scope_sql(rule)
            in_scope = f"SELECT e.id FROM {t['employee']} e WHERE e.id IN ({id_list}) AND {scope}"
            counts["closed"] += _execute(
                f"UPDATE {t['obligation']} SET closed_at = %s, close_reason = %s "
                f"WHERE rule_id = %s AND closed_at IS NULL AND employee_id IN ({id_list}) "
                f"AND employee_id NOT IN ({in_scope})",
                [now, Obligation.CloseReason.OUT_OF_SCOPE, rule.pk, *chunk, *chunk, *scope_params],
            )
            due_on = today + datetime.timedelta(days=rule.version.grace_period_days)
            counts["reopened"] += _execute(
                f"UPDATE {t['obligation']} SET closed_at = NULL, close_reason = '', status = %s, due_on = %s, "
                "valid_until = NULL, opened_at = %s "
                "WHERE rule_id = %s AND closed_at IS NOT NULL AND close_reason IN (%s, %s) "
                f"AND employee_id IN ({in_scope})",
                [
                    ObligationStatus.PENDING,
                    due_on,
                    now,
                    rule.pk,
                    Obligation.CloseReason.OUT_OF_SCOPE,
                    Obligation.CloseReason.TERMINATED,
                    *chunk,
                    *scope_params,
                ],
            )
            counts["created"] += materialize_rule(
                rule=rule, opened_at=now, due_on=due_on, today=today, employee_ids=chunk
            )
    if any(counts.values()):
        AuditEvent.objects.create(
            actor=actor,
            actor_label="" if actor else "rescope",
            action="obligations.rescoped",
            object_type="employees",
            object_id=str(ids[0]) if len(ids) == 1 else f"{len(ids)} employees",
            after=counts,
        )
    return counts


@transaction.atomic
def reopen_for_setting(*, setting, actor=None, today=None):
    """Re-open (pending, due today + the version's grace period) exactly the open obligations
    whose published rule requires ``setting`` and that somebody already answered.

    Pending obligations keep their due date and excepted ones stay excepted: the first have
    nothing to re-do yet, the second are excused from the rule. Returns the number re-opened.
    """
    from policies.models import PolicyVersion, RequiredSetting

    today = today or timezone.localdate()
    requirements = RequiredSetting.objects.filter(
        setting=setting, rule__version__status=PolicyVersion.Status.PUBLISHED
    ).values_list("rule_id", "rule__version__grace_period_days")
    by_grace = {}
    for rule_id, grace in requirements:
        by_grace.setdefault(grace, []).append(rule_id)
    reopened = 0
    for grace, rule_ids in by_grace.items():
        reopened += (
            Obligation.objects.open()
            .filter(rule_id__in=rule_ids, status__in=REOPEN_ON_REVISION)
            .update(
                status=ObligationStatus.PENDING,
                due_on=today + datetime.timedelta(days=grace),
                valid_until=None,
            )
        )
    AuditEvent.objects.create(
        actor=actor,
        actor_label="" if actor else "catalog",
        action="obligations.reopened_for_setting",
        object_type="platform_setting",
        object_id=str(setting.pk),
        after={"revision": setting.revision, "reopened": reopened},
    )
    return reopened


@receiver(setting_revised, dispatch_uid="governance.obligations.reopen_on_setting_revision")
def reopen_on_setting_revision(sender, setting, old_revision, new_revision, actor=None, **kwargs):
    if new_revision > old_revision:
        reopen_for_setting(setting=setting, actor=actor)


@transaction.atomic
def expire_obligations(*, today=None):
    """Set obligations whose attestation validity ran out (valid_until < today) back to pending,
    due on the day the validity ended. Set-based and safe to run twice a day."""
    today = today or timezone.localdate()
    from django.db.models import F

    return (
        Obligation.objects.open()
        .filter(status__in=(ObligationStatus.COMPLIANT, ObligationStatus.NOT_USED), valid_until__lt=today)
        .update(status=ObligationStatus.PENDING, due_on=F("valid_until"))
    )


def run_daily_obligation_maintenance(*, today=None):
    """The daily job (schedule it once a day; re-running is harmless): expired attestations and
    expired exceptions go back to pending. Returns counts for the job log."""
    from governance.services.exceptions import expire_exceptions

    today = today or timezone.localdate()
    return {
        "expired_attestations": expire_obligations(today=today),
        "expired_exceptions": expire_exceptions(today=today),
    }
