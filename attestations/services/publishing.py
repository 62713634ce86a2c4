"""Publishing and retiring policy versions: the obligation writes that make a version law.

Publishing materializes obligations set-based (attestations.services.obligations): its query
count depends on the number of rules, never on the number of employees.
"""

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from attestations.models import Obligation
from attestations.services.obligations import materialize_rule, obligation_terms, rescope_rule
from governance import audit, db
from policies.models import Policy, PolicyVersion, ToolRule
from policies.selectors import first_due_on, rule_fingerprint, scope_key
from policies.services import publish_problems

# (done, total, what it is doing): a job's progress (governance.jobs.Progress) or nothing.
Progress = Callable[..., None]

# The maintained counts wait for the end of a publish (compliance.sql.maintained_counts says
# how they are applied): the transaction-local setting that tells the obligation triggers so,
# and the temporary table in which the publish keeps what it closed meanwhile.
DEFER_COUNTS = "governance.defer_publish_counts"
PUBLISH_CLOSED = "governance_publish_closed"


class _CountsAtTheEnd:
    """The superseded closes and the new rules' obligations of one publish, with the maintained
    counts left to :meth:`apply`, set-based at the end (PostgreSQL; SQLite keeps no counts).

    Statement by statement, the triggers would aggregate each rule's closed and opened rows and
    upsert their count rows one by one (over a hundred thousand facet rows per rule at 100,000
    people), and hold the people's all-tools count rows from the first rule to the commit. At
    the end, the count rows of each closed (tool, terms version) are deleted whole, since every
    open obligation under those terms closed, and the new rules' rows are counted once.
    """

    def __init__(self) -> None:
        self.on = db.on_postgres()
        self.new_rules: list[int] = []
        if self.on:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"CREATE TEMP TABLE IF NOT EXISTS {PUBLISH_CLOSED} (employee_id bigint, department_id bigint, "
                    "platform_id bigint, policy_version_id bigint, status varchar(16)) ON COMMIT DROP"
                )
                cursor.execute(f"DELETE FROM {PUBLISH_CLOSED}")

    @contextmanager
    def _deferred(self) -> Iterator[None]:
        if not self.on:
            yield
            return
        # Transaction-local: a statement that fails takes the setting back with its savepoint
        # (PostgreSQL undoes a rolled-back subtransaction's settings), so no cleanup on error.
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [DEFER_COUNTS])
            yield
            cursor.execute("SELECT set_config(%s, '', true)", [DEFER_COUNTS])

    def close_superseded(self, rule_ids: list[int], *, now: datetime.datetime) -> int:
        """Close every open obligation under ``rule_ids`` (whole rules: the end counts rely on
        it); the number closed."""
        reason = Obligation.CloseReason.SUPERSEDED
        if not self.on:
            return Obligation.objects.open().filter(rule_id__in=rule_ids).update(closed_at=now, close_reason=reason)
        table = Obligation._meta.db_table
        with self._deferred(), connection.cursor() as cursor:
            cursor.execute(
                f"WITH closed AS (UPDATE {table} SET closed_at = %s, close_reason = %s "
                "WHERE closed_at IS NULL AND rule_id = ANY (%s) "
                "RETURNING employee_id, department_id, platform_id, policy_version_id, status) "
                f"INSERT INTO {PUBLISH_CLOSED} SELECT * FROM closed",
                [now, reason, list(rule_ids)],
            )
            return cursor.rowcount

    def materialize(self, rule: ToolRule, **options: Any) -> int:
        with self._deferred():
            created = materialize_rule(rule=rule, **options)
        self.new_rules.append(obligation_terms(rule)[0])
        return created

    def apply(self) -> None:
        if self.on:
            with connection.cursor() as cursor:
                cursor.execute("SELECT governance_apply_deferred_publish_counts(%s::bigint[])", [self.new_rules])


def publish_policy_version(
    *, version: PolicyVersion, actor: Any, today: datetime.date | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Publish a draft: fingerprint its rules, bring obligations in line, retire the previous
    version, all in one transaction.

    The policy row is locked first, so two concurrent publishes serialize and the second
    finds the version published already and is refused. A rule whose terms are unchanged from
    the previous version's rule for the platform (same fingerprint) carries that rule's terms
    (``terms_rule``): its obligations stay as they are, status, due date, validity and
    satisfying attestation included, and are not rewritten; only a changed scope adds, closes
    or re-opens the people concerned. The previous version's other obligations (rule changed,
    removed or prohibited) close as superseded, and changed and new rules materialize
    obligations pending, due on the later of the effective date and ``today``, plus the grace
    period (``first_due_on``; one INSERT ... SELECT per rule, the date a parameter). The cost is therefore proportional to what changed. Returns a dict of counts.
    """
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            return _publish(version=version, actor=actor, today=today, progress=progress or _silent)
    except IntegrityError as error:  # the database's own guards (unique published version, triggers)
        raise ValidationError(f"Version {version.number} could not be published: {error}") from error


def _open_obligations(
    rules: list[ToolRule],
    previous_rules: dict[int, ToolRule],
    deferred: _CountsAtTheEnd,
    *,
    now: datetime.datetime,
    today: datetime.date,
    due_on: datetime.date,
    progress: Progress,
) -> tuple[int, int]:
    """Materialize the changed and new rules' obligations and rescope the carried rules whose
    scope changed; (opened, closed as out of scope). One rule after the other, with progress."""
    created = rescoped = 0
    for done, rule in enumerate(rules):
        if not rule.creates_obligations:
            continue
        progress(done, len(rules), f"Opening obligations for {rule.platform.name} (rule {done + 1} of {len(rules)})")
        if rule.terms_rule_id is None:
            created += deferred.materialize(rule, opened_at=now, due_on=due_on, today=today)
            continue
        before = previous_rules[rule.platform_id]
        if scope_key(before) != scope_key(rule):
            moved = rescope_rule(rule=rule, now=now, today=today, due_on=due_on)
            created += moved["created"] + moved["reopened"]
            rescoped += moved["closed"]
    return created, rescoped


def _silent(done: float, total: float = 100, step: str = "") -> None:
    """No one watches."""


def _publish(*, version: PolicyVersion, actor: Any, today: datetime.date, progress: Progress) -> dict[str, Any]:
    Policy.objects.select_for_update().get(pk=version.policy_id)
    db.check_constraints_immediately()
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    rules = list(version.rules.select_related("platform").prefetch_related("departments", "required_settings"))
    version._prefetched_objects_cache = {"rules": rules}  # type: ignore[attr-defined]  # Django's prefetch cache
    problems = publish_problems(version)
    if problems:
        raise ValidationError(problems)
    previous = (
        PolicyVersion.objects.filter(policy_id=version.policy_id, status=PolicyVersion.Status.PUBLISHED)
        .exclude(pk=version.pk)
        .first()
    )
    previous_rules = (
        {r.platform_id: r for r in previous.rules.select_related("terms_rule").prefetch_related("departments")}
        if previous
        else {}
    )
    carried = {}
    for rule in rules:
        rule.fingerprint = rule_fingerprint(rule, rule.required_settings.all())
        before = previous_rules.get(rule.platform_id)
        rule.terms_rule = None
        if rule.creates_obligations and before is not None and before.fingerprint == rule.fingerprint:
            rule.terms_rule = before.terms_rule or before
            carried[before.pk] = rule
    ToolRule.objects.bulk_update(rules, ["fingerprint", "terms_rule"])

    now = timezone.now()
    due_on = first_due_on(version, today=today)
    deferred = _CountsAtTheEnd()
    ended = [before.obligation_rule_id for before in previous_rules.values() if before.pk not in carried]
    superseded = deferred.close_superseded(ended, now=now) if ended else 0
    created, rescoped = _open_obligations(
        rules, previous_rules, deferred, now=now, today=today, due_on=due_on, progress=progress
    )
    deferred.apply()
    if previous is not None:
        PolicyVersion.objects.filter(pk=previous.pk).update(status=PolicyVersion.Status.RETIRED, retired_at=now)
    PolicyVersion.objects.filter(pk=version.pk).update(
        status=PolicyVersion.Status.PUBLISHED, published_at=now, published_by=actor
    )
    counts: dict[str, Any] = {
        "obligations_created": created,
        "obligations_superseded": superseded,
        "obligations_out_of_scope": rescoped,
        "rules": len(rules),
        "rules_carried_over": len(carried),
        "retired_version": previous.number if previous else None,
    }
    audit.record(
        actor=actor,
        action="policy_version.published",
        obj=version,
        before={"status": "draft"},
        after={"status": "published", "number": version.number, **counts},
    )
    if previous is not None:
        audit.record(
            actor=actor,
            action="policy_version.retired",
            obj=previous,
            before={"status": "published"},
            after={"status": "retired", "superseded_by": version.number},
        )
    return counts


@transaction.atomic
def retire_policy_version(*, version: PolicyVersion, actor: Any) -> int:
    """Retire a published version without a successor: its open obligations close (kept)."""
    Policy.objects.select_for_update().get(pk=version.policy_id)
    version = PolicyVersion.objects.get(pk=version.pk)
    if version.status != PolicyVersion.Status.PUBLISHED:
        raise ValidationError(f"Only a published version can be retired; version {version.number} is {version.status}.")
    now = timezone.now()
    closed = (
        Obligation.objects.open()
        .filter(rule_id__in=[rule.obligation_rule_id for rule in version.rules.all()])
        .update(closed_at=now, close_reason=Obligation.CloseReason.RETIRED)
    )
    PolicyVersion.objects.filter(pk=version.pk).update(status=PolicyVersion.Status.RETIRED, retired_at=now)
    audit.record(
        actor=actor,
        action="policy_version.retired",
        obj=version,
        before={"status": "published"},
        after={"status": "retired", "obligations_closed": closed},
    )
    return closed
