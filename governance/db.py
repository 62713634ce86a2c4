"""Dialect helpers: the one place that tells PostgreSQL from SQLite (the embedded default).

Services and selectors read as one path and call these. PostgreSQL gets the statements that
make the product fast at 100,000 people (advisory locks, ``UPDATE ... FROM unnest()``, sequence
reservations, the aggregates its triggers maintain); SQLite gets the portable equivalent, or
nothing where it needs nothing (it serializes writers by itself and has no triggers of ours).
"""

from collections.abc import Sequence
from typing import Any, cast

from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

Using = str | BaseDatabaseWrapper | None


def _connection(using: Using) -> BaseDatabaseWrapper:
    return connections[using] if isinstance(using, str) else (using or connection)


def connection_for(using: Using = None) -> BaseDatabaseWrapper:
    """The connection for an alias or connection (default: the default database)."""
    return _connection(using)


def cursor(using: Using = None) -> Any:
    """A cursor on that connection (use as a context manager)."""
    return _connection(using).cursor()


def vendor(using: Using = None) -> str:
    """The database's vendor name ("postgresql", "sqlite")."""
    return _connection(using).vendor


def on_postgres(using: Using = None) -> bool:
    """True on PostgreSQL: its triggers keep the maintained aggregates, and the fast paths apply."""
    return vendor(using) == "postgresql"


def advisory_xact_lock(key: int, using: Using = None) -> None:
    """Hold a transaction-scoped advisory lock on ``key`` (PostgreSQL); SQLite serializes
    writers by itself, so nothing there."""
    conn = _connection(using)
    if on_postgres(conn):
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


# PostgreSQL's SQLSTATE for "lock_not_available": a lock waited for longer than lock_timeout.
LOCK_NOT_AVAILABLE = "55P03"


def wait_for_locks_at_most(seconds: float, using: Using = None) -> None:
    """For the rest of this transaction, give up waiting for a lock (a row, the ledger's
    advisory lock) after ``seconds`` (PostgreSQL's lock_timeout): a request then answers at
    once instead of holding a web worker while a long job holds the rows. SQLite: nothing."""
    conn = _connection(using)
    if on_postgres(conn):
        with conn.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(seconds * 1000)}ms"])


def is_lock_timeout(error: BaseException) -> bool:
    """Whether ``error`` (a database error) is a lock given up by :func:`wait_for_locks_at_most`."""
    cause = error.__cause__ or error
    return getattr(cause, "sqlstate", None) == LOCK_NOT_AVAILABLE


def check_constraints_immediately(using: Using = None) -> None:
    """Check deferred foreign keys per statement instead of queueing millions of checks for
    COMMIT (PostgreSQL; SQLite checks them per statement already)."""
    conn = _connection(using)
    if on_postgres(conn):
        with conn.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def can_take_snapshot(using: Using = None) -> bool:
    """True when a consistent read snapshot (REPEATABLE READ) can be opened here: PostgreSQL,
    outside a transaction."""
    conn = _connection(using)
    return on_postgres(conn) and not conn.in_atomic_block


def snapshot_this_transaction(using: Using = None) -> bool:
    """Make the transaction that ``atomic()`` just opened a consistent snapshot (REPEATABLE READ)
    on PostgreSQL, so that everything it reads describes one moment. Only possible before its
    first statement (the transaction is not begun yet); True when it is done, False where it
    cannot be (SQLite, a transaction already under way, as in a test's)."""
    conn = _connection(using)
    if not on_postgres(conn) or not conn.in_atomic_block or conn.connection is None:
        return False
    from psycopg.pq import TransactionStatus

    if conn.connection.info.transaction_status != TransactionStatus.IDLE:
        return False
    with conn.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    return True


def reserve_ids(model: type[Model], count: int, using: Using = None) -> list[int] | None:
    """``count`` new primary keys from ``model``'s sequence (PostgreSQL), or None where ids come
    only from inserts."""
    conn = _connection(using)
    if not count or not on_postgres(conn):
        return None
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def write_column(
    model: type[Model], field: str, values_by_id: dict[int, str], *, batch_size: int = 1000, using: Using = None
) -> None:
    """Set the text column ``field`` to ``values_by_id[pk]`` for each pk: one
    ``UPDATE ... FROM unnest()`` on PostgreSQL (a CASE per row would be quadratic), batched
    ``bulk_update`` elsewhere."""
    if not values_by_id:
        return
    conn = _connection(using)
    if on_postgres(conn):
        table = model._meta.db_table
        column = cast(Field, model._meta.get_field(field)).column
        with conn.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{table}" AS t SET "{column}" = v.value '
                "FROM unnest(%s::bigint[], %s::text[]) AS v(id, value) WHERE t.id = v.id",
                [list(values_by_id), list(values_by_id.values())],
            )
        return
    model._default_manager.bulk_update(
        [model(id=pk, **{field: value}) for pk, value in values_by_id.items()], [field], batch_size=batch_size
    )


def update_rows(
    model: type[Model], objects: Sequence[Model], fields: Sequence[str], *, batch_size: int = 1000, using: Using = None
) -> int:
    """Write ``fields`` of many rows: one ``UPDATE ... FROM (VALUES ...)`` per batch on
    PostgreSQL (Django's bulk_update builds a CASE per field and row, slow at thousands of
    rows); Django's bulk_update elsewhere. Returns the number of rows given."""
    conn = _connection(using)
    if not on_postgres(conn):
        return model._default_manager.bulk_update(objects, fields, batch_size=batch_size)
    meta = model._meta
    columns = [cast(Field, meta.get_field(name)) for name in fields]
    pk = cast(Field, meta.pk)
    casts = [f"%s::{pk.db_type(conn)}"] + [f"%s::{f.db_type(conn)}" for f in columns]
    assignments = ", ".join(f'"{f.column}" = v."{f.column}"' for f in columns)
    names = ", ".join(f'"{c}"' for c in [pk.column, *(f.column for f in columns)])
    with conn.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            chunk = objects[start : start + batch_size]
            params = []
            for obj in chunk:
                params.append(obj.pk)
                params.extend(f.get_db_prep_save(getattr(obj, f.attname), conn) for f in columns)
            values = ", ".join(f"({', '.join(casts)})" for _ in chunk)
            cursor.execute(
                f'UPDATE "{meta.db_table}" AS t SET {assignments} FROM (VALUES {values}) AS v({names}) '
                f'WHERE t."{pk.column}" = v."{pk.column}"',
                params,
            )
    return len(objects)
