"""Writes to people: departments, employees and the materialized tree paths.

Reporting paths change incrementally: a write computes the new path of the people it moves
(:func:`resolve_reporting_paths`, from the batch and the managers' stored paths) and their
reports follow by prefix (:func:`follow_moves`): in the request when they are few, else in a
job (people.jobs) committed with the change. Until that job has run, the moved people's
reports keep their old paths (a manager's team view lags behind by the job's run);
:func:`rewrite_subtrees` then brings every report of a moved person in line with that person's
path as stored at that moment, so that it can run twice, late, or after a later move.
Everything that changes reporting paths serializes on one advisory lock
(:func:`lock_reporting_line`). :func:`recompute_reporting_paths` is for bulk loads only.
"""

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Concat, Length, StrIndex, Substr

from governance import audit, db
from people.models import Department, Employee
from people.signals import departments_moved

PATH_BATCH = 2000
COUNT_CHUNK = 200  # prefixes counted per query
REPORTING_LINE_LOCK_KEY = 0x7265706F7274  # "report": every writer of reporting paths takes it


def _rewrite_prefix(queryset: QuerySet, field: str, old_prefix: str, new_prefix: str) -> int:
    """Replace ``old_prefix`` by ``new_prefix`` at the start of ``field`` in one UPDATE."""
    return queryset.filter(**{f"{field}__startswith": old_prefix}).update(
        **{field: Concat(Value(new_prefix), Substr(field, len(old_prefix) + 1, Length(F(field))))}
    )


@transaction.atomic
def move_department(*, department: Department, parent: Department | None, actor: Any = None) -> Department:
    """Give ``department`` a new parent; every sub-department's path follows in one UPDATE, and
    the people of the subtree have their obligations brought in line (``departments_moved``)."""
    if parent is not None and (parent.pk == department.pk or parent.path.startswith(department.path)):
        raise ValidationError({"parent": "A department cannot be moved under itself or its own sub-department."})
    old_path = department.path
    department.parent = parent
    new_path = (parent.path if parent else "/") + f"{department.pk}/"
    Department.objects.filter(pk=department.pk).update(parent=parent)
    _rewrite_prefix(Department.objects.all(), "path", old_path, new_path)
    department.path = new_path
    audit.record(
        actor=actor,
        action="department.moved",
        obj=department,
        before={"path": old_path},
        after={"path": new_path},
    )
    if new_path != old_path:
        departments_moved.send(sender=Department, department_ids=[department.pk], actor=actor)
    return department


# --- Reporting paths -----------------------------------------------------------------------


def lock_reporting_line() -> None:
    """Serialize the writers of reporting paths (HR writes that set managers, the admin's
    manager change, the rewrite job) for the rest of the transaction, so that each reads the
    paths the previous one left (PostgreSQL; SQLite serializes writers by itself)."""
    db.advisory_xact_lock(REPORTING_LINE_LOCK_KEY)


def path_ids(path: str) -> list[int]:
    """The ids of a reporting path ("/1/5/" -> [1, 5]), top first."""
    return [int(part) for part in path.strip("/").split("/") if part]


def pending_rewrites() -> set[int]:
    """The moved people whose reports still wait for a rewrite job (one query)."""
    from governance.models import Job
    from people import jobs

    moved: set[int] = set()
    for params in Job.objects.filter(kind=jobs.REWRITE, status__in=Job.ACTIVE).values_list("params", flat=True):
        moved.update(params.get("employee_ids", []))
    return moved


def current_paths(stored: Mapping[int, str]) -> dict[int, str]:
    """The reporting paths of these people as they are (pk -> stored path in, pk -> path out):
    the stored paths, except under a moved person whose reports wait for their job, where the
    part above that person is taken from the person's own path (two queries when such jobs
    exist, none otherwise). The part below the nearest such person is always right."""
    moved = pending_rewrites()
    if not moved:
        return dict(stored)
    moved_paths = dict(Employee.objects.filter(pk__in=moved).values_list("pk", "reporting_path"))
    settled: dict[int, str] = {}

    def current(path: str, seen: frozenset[int] = frozenset()) -> str:
        ids = path_ids(path)
        for depth in range(len(ids) - 1, -1, -1):
            pk = ids[depth]
            if pk in moved_paths and pk not in seen:
                if pk not in settled:
                    settled[pk] = current(moved_paths[pk], seen | {pk})
                return settled[pk] + "".join(f"{i}/" for i in ids[depth:])
        return path

    return {pk: current(path) for pk, path in stored.items()}


@dataclass(frozen=True)
class Placement:
    """Where a node of a batch hangs: under ``base`` (a node of the batch, or None: the top)
    followed by ``tail``, ids of people outside the batch (the last one its manager)."""

    base: Any  # a node of the batch (hashable), or None
    tail: tuple[int, ...] = ()


def place_under(manager_pk: int | None, manager_path: str | None, batch_node_of: Mapping[int, Hashable]) -> Placement:
    """Placement of someone whose manager is ``manager_pk`` (stored path ``manager_path``),
    a person outside the batch: under the nearest of the manager's stored ancestors that is in
    the batch (``batch_node_of``: pk -> node), since the batch may move that one."""
    if manager_pk is None:
        return Placement(None)
    ids = [*path_ids(manager_path or "/"), manager_pk]
    for depth in range(len(ids) - 2, -1, -1):
        if ids[depth] in batch_node_of:
            return Placement(batch_node_of[ids[depth]], tuple(ids[depth + 1 :]))
    return Placement(None, tuple(ids))


def resolve_reporting_paths(placements: Mapping[Any, Placement], pk_of: Callable[[Any], int]) -> dict[Any, str]:
    """The reporting path of every node of a batch, chains inside the batch included. Raises
    ValidationError naming a node on a cycle. Iterative: chains can be long."""
    paths: dict[Any, str] = {}
    for start in placements:
        chain: list[Any] = []
        on_chain: set[Any] = set()
        node: Any = start
        while node is not None and node not in paths:
            if node in on_chain:
                raise ValidationError(f"This manager would make the reporting line a cycle (at {node}).")
            on_chain.add(node)
            chain.append(node)
            node = placements[node].base
        for item in reversed(chain):
            placement = placements[item]
            base = f"{paths[placement.base]}{pk_of(placement.base)}/" if placement.base is not None else "/"
            paths[item] = base + "".join(f"{pk}/" for pk in placement.tail)
    return paths


@dataclass(frozen=True)
class Move:
    """An existing person whose reporting path changed: their reports' paths follow."""

    employee_id: int
    old_prefix: str  # their subtree prefix before (what their reports' paths start with)
    new_prefix: str


def count_reports(moves: Sequence[Move]) -> dict[int, int]:
    """employee id -> how many stored paths start with that person's old subtree prefix;
    one indexed query per COUNT_CHUNK moves."""
    counts: dict[int, int] = {}
    for start in range(0, len(moves), COUNT_CHUNK):
        chunk = moves[start : start + COUNT_CHUNK]
        where = Q()
        for move in chunk:
            where |= Q(reporting_path__startswith=move.old_prefix)
        figures = Employee.objects.filter(where).aggregate(
            **{
                f"m{move.employee_id}": Count("pk", filter=Q(reporting_path__startswith=move.old_prefix))
                for move in chunk
            }
        )
        counts.update({move.employee_id: figures[f"m{move.employee_id}"] or 0 for move in chunk})
    return counts


def follow_moves(moves: Sequence[Move], *, actor: Any = None) -> Any:
    """Bring the reports of the moved people in line: in one UPDATE when they are at most
    people.jobs.REWRITE_IN_REQUEST, else in a job committed with the change (returned).
    The caller holds :func:`lock_reporting_line` and has written the moved people's paths."""
    from people import jobs

    moves = [move for move in moves if move.old_prefix != move.new_prefix]
    if not moves:
        return None
    counts = count_reports(moves)
    moves = [move for move in moves if counts[move.employee_id]]
    total = sum(counts[move.employee_id] for move in moves)
    if not moves:
        return None
    if total > jobs.REWRITE_IN_REQUEST:
        job, _ = jobs.start_rewrite(employee_ids=[move.employee_id for move in moves], reports=total, actor=actor)
        return job
    _rewrite_reports(moves)
    return None


def _rewrite_reports(moves: Sequence[Move]) -> int:
    """One UPDATE: each report takes the new prefix of its nearest moved manager (the longest
    old prefix its path starts with)."""
    ordered = sorted(moves, key=lambda move: len(move.old_prefix), reverse=True)
    where = Q()
    for move in ordered:
        where |= Q(reporting_path__startswith=move.old_prefix)
    return Employee.objects.filter(where).update(
        reporting_path=Case(
            *(
                When(
                    reporting_path__startswith=move.old_prefix,
                    then=Concat(
                        Value(move.new_prefix),
                        Substr("reporting_path", len(move.old_prefix) + 1, Length(F("reporting_path"))),
                    ),
                )
                for move in ordered
            ),
            default=F("reporting_path"),
        )
    )


def rewrite_subtrees(*, employee_ids: Sequence[int], progress: Callable[..., Any] | None = None) -> int:
    """Make every report of these people hang under the person's path as stored now: a path
    that contains "/<id>/" but does not start with their subtree prefix gets that prefix in
    place of everything up to "/<id>/". Works from the stored paths only, so a second run (or
    a run after a later move of the same person) changes nothing that is right. Takes the
    reporting line's lock; people are taken top first, each reading their path afresh after
    the ones above them were rewritten. Returns the number of paths written."""
    lock_reporting_line()
    written = 0
    remaining = set(employee_ids)
    done = 0
    while remaining:
        stored = dict(Employee.objects.filter(pk__in=remaining).values_list("pk", "reporting_path"))
        if not stored:
            break
        pk = min(stored, key=lambda key: (len(path_ids(stored[key])), key))
        remaining.discard(pk)
        marker = f"/{pk}/"
        prefix = f"{stored[pk]}{pk}/"
        written += (
            Employee.objects.filter(reporting_path__contains=marker)
            .exclude(reporting_path__startswith=prefix)
            .update(
                reporting_path=Concat(
                    Value(prefix),
                    Substr(
                        "reporting_path",
                        StrIndex("reporting_path", Value(marker)) + len(marker),
                        Length(F("reporting_path")),
                    ),
                )
            )
        )
        remaining &= set(stored)
        done += 1
        if progress is not None:
            progress(done, len(employee_ids), f"Reporting line of {done} of {len(employee_ids)} moved people")
    return written


def would_manage_itself(employee: Employee, manager: Employee) -> bool:
    """Whether ``manager`` is ``employee`` or one of their (indirect) reports."""
    path = current_paths({manager.pk: manager.reporting_path})[manager.pk]
    return manager.pk == employee.pk or employee.pk in path_ids(path)


@transaction.atomic
def set_manager(*, employee: Employee, manager: Employee | None, actor: Any = None) -> Employee:
    """Change an employee's manager; their reports' paths follow (in a job when they are many,
    see :func:`follow_moves`; the job is collected by ``governance.jobs.collect_started``)."""
    lock_reporting_line()
    employee.refresh_from_db(fields=["reporting_path", "manager"])
    old_prefix = employee.subtree_prefix
    new_path = "/"
    if manager is not None:
        manager.refresh_from_db(fields=["reporting_path"])
        if would_manage_itself(employee, manager):
            raise ValidationError({"manager": "This would make the employee their own (indirect) manager."})
        new_path = f"{current_paths({manager.pk: manager.reporting_path})[manager.pk]}{manager.pk}/"
    employee.manager = manager
    employee.reporting_path = new_path
    Employee.objects.filter(pk=employee.pk).update(manager=manager, reporting_path=employee.reporting_path)
    follow_moves([Move(employee.pk, old_prefix, employee.subtree_prefix)], actor=actor)
    return employee


def compute_paths(parent_of: Mapping[int, int | None]) -> dict[int, str]:
    """Paths ("/1/5/") for an id -> parent id mapping; raises ValidationError on a cycle."""
    paths: dict[int, str] = {}

    def path_of(node: int | None) -> dict[int, str]:
        chain = []
        seen = set()
        while node is not None and node not in paths:
            if node in seen:
                raise ValidationError(f"Cycle in the hierarchy at id {node}.")
            seen.add(node)
            chain.append(node)
            node = parent_of.get(node)
        prefix = paths[node] if node is not None else "/"
        for item in reversed(chain):
            prefix = f"{prefix}{item}/"
            paths[item] = prefix
        return paths

    for node in parent_of:
        path_of(node)
    return paths


def recompute_reporting_paths() -> int:
    """Rebuild every employee's ``reporting_path`` after a bulk load; writes only changes.

    Reads two integer columns per employee (a few MB at 100,000 people) and writes the
    changed paths in one statement on PostgreSQL (batches elsewhere), never a query per row.
    """
    rows = list(Employee.objects.values_list("id", "manager_id", "reporting_path"))
    parent_of = {pk: manager for pk, manager, _ in rows}
    paths = compute_paths(parent_of)
    changed = {
        pk: (paths[manager] if manager else "/")
        for pk, manager, current in rows
        if (paths[manager] if manager else "/") != current
    }
    db.write_column(Employee, "reporting_path", changed, batch_size=PATH_BATCH)
    return len(changed)


def recompute_department_paths() -> int:
    """Rebuild every department's ``path`` after a bulk load; writes only changes."""
    rows = list(Department.objects.values_list("id", "parent_id", "path"))
    paths = compute_paths({pk: parent for pk, parent, _ in rows})
    changed = {pk: paths[pk] for pk, _, current in rows if paths[pk] != current}
    db.write_column(Department, "path", changed, batch_size=PATH_BATCH)
    return len(changed)
