"""PostgreSQL: keep governance_obligationcount in step with governance_obligation.

Statement-level AFTER triggers with transition tables: per statement, the changed open rows
are grouped by (department, tool, version, status, overdue) and the differences added to the
counts in one INSERT ... ON CONFLICT DO UPDATE (rows in key order, so concurrent writers lock
count rows in the same order). Overdue is computed for the counts' day
(governance_obligationcountstate.as_of, read FOR SHARE so the daily rebuild and a write cannot
interleave). TRUNCATE of the obligations empties the counts. The counts of the existing
obligations are built at the end. SQLite: nothing (the selectors use the live aggregate).
"""

from django.db import migrations

DIMS = "department_id, platform_id, policy_version_id, status, overdue"
GROUPED = """
    SELECT coalesce(department_id, 0) AS department_id, platform_id, policy_version_id, status,
           status IN ('pending', 'noncompliant') AND due_on < v_day AS overdue, {sign} AS delta
    FROM {table} WHERE closed_at IS NULL
"""
UPSERT = f"""
        INSERT INTO governance_obligationcount AS c ({DIMS}, count)
        SELECT {DIMS}, sum(delta)::int FROM ({{rows}}) AS d
        GROUP BY {DIMS} HAVING sum(delta) <> 0 ORDER BY {DIMS}
        ON CONFLICT ({DIMS}) DO UPDATE SET count = c.count + EXCLUDED.count;
"""

CREATE_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION governance_obligation_count_apply() RETURNS trigger AS $$
DECLARE
    v_day date;
BEGIN
    SELECT as_of INTO v_day FROM governance_obligationcountstate WHERE id = 1 FOR SHARE;
    IF v_day IS NULL THEN
        -- No day set by the application: nothing is dated, so nothing is maintained; the next
        -- roll finds no state and rebuilds everything (governance.services.rollups).
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        {UPSERT.format(rows=GROUPED.format(sign=1, table="new_rows"))}
    ELSIF TG_OP = 'DELETE' THEN
        {UPSERT.format(rows=GROUPED.format(sign=-1, table="old_rows"))}
    ELSE
        {UPSERT.format(rows=GROUPED.format(sign=-1, table="old_rows") + " UNION ALL " + GROUPED.format(sign=1, table="new_rows"))}
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION governance_obligation_count_truncate() RETURNS trigger AS $$
BEGIN
    DELETE FROM governance_obligationcount;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

TRIGGERS = {
    "governance_obligation_count_insert": "AFTER INSERT ON governance_obligation "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION governance_obligation_count_apply()",
    "governance_obligation_count_update": "AFTER UPDATE ON governance_obligation "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION governance_obligation_count_apply()",
    "governance_obligation_count_delete": "AFTER DELETE ON governance_obligation "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION governance_obligation_count_apply()",
    "governance_obligation_count_truncate": "AFTER TRUNCATE ON governance_obligation "
    "FOR EACH STATEMENT EXECUTE FUNCTION governance_obligation_count_truncate()",
}


# The counts as this migration's schema has them (later migrations add dimensions and rebuild
# with governance.services.rollups).
REBUILD = [
    """
    INSERT INTO governance_obligationcountstate (id, as_of) VALUES (1, %(day)s)
    ON CONFLICT (id) DO UPDATE SET as_of = EXCLUDED.as_of
    """,
    "DELETE FROM governance_obligationcount",
    f"""
    INSERT INTO governance_obligationcount ({DIMS}, count)
    SELECT coalesce(department_id, 0), platform_id, policy_version_id, status,
           status IN ('pending', 'noncompliant') AND due_on < %(day)s, count(*)::int
    FROM governance_obligation
    WHERE closed_at IS NULL
    GROUP BY 1, 2, 3, 4, 5
    """,
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.utils import timezone

    schema_editor.execute(CREATE_FUNCTIONS)
    for name, definition in TRIGGERS.items():
        schema_editor.execute(f"CREATE TRIGGER {name} {definition}")
    with schema_editor.connection.cursor() as cursor:
        for sql in REBUILD:
            cursor.execute(sql, {"day": timezone.localdate()})


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON governance_obligation")
    schema_editor.execute("DROP FUNCTION IF EXISTS governance_obligation_count_apply()")
    schema_editor.execute("DROP FUNCTION IF EXISTS governance_obligation_count_truncate()")
    schema_editor.execute("DELETE FROM governance_obligationcount")
    schema_editor.execute("DELETE FROM governance_obligationcountstate")


class Migration(migrations.Migration):
    dependencies = [("governance", "0010_obligation_counts")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
