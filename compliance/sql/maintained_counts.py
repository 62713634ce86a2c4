"""The maintained dashboard aggregates' SQL (compliance.models.counts): the functions and the
statement-level triggers that keep them in step with every write, written from templates so
that each shape (the scopes a row counts in, the grouped upsert of each aggregate) is written
once. Part of the one home of the hand-written SQL (governance.sqldefs, which installs ``SQL``
after every migrate and checks the database against it).

- governance_obligation (INSERT / UPDATE / DELETE): the changed open rows, grouped, are added to
  ObligationCount, ObligationFacetCount, FailingSettingCount, PersonObligationCount and
  ManagerObligationCount, in key order.
- governance_attestationanswer (INSERT): answers written after the obligation already points at
  their attestation are counted then.
- governance_employee (UPDATE): a person whose country or customer-data flag changes has their
  counts moved; a person whose manager changes has their ManagerObligationCount rows moved.
- governance_department (UPDATE): a department that moves recomputes every subtree row.
- governance_compliancesnapshot (any change): the changed days' totals are recomputed.

No statement trigger joins its transition tables with each other (no statistics: a nested
loop, quadratic); each is read once and grouped (CHANGED_PEOPLE, the department move).

One clock: no function reads the server's calendar; the day comes from the caller (``v_day``)
or from governance_obligationcountstate, which the application sets. Migration 0014 keeps the
definitions as they were on its day; change them here.
"""

from attestations.services.publishing import DEFER_COUNTS, PUBLISH_CLOSED
from compliance.sql.person_counts import (
    DEFERRED_PERSON_ROWS,
    EMPLOYEE_MOVES_PERSON_COUNTS,
    PERSON_ROWS,
    PERSON_UPSERT_ALL,
    REBUILD_PERSON_COUNTS,
)
from compliance.sql.shapes import ACTION, CHANGED_PEOPLE, FACETS_CHANGED, MANAGER_CHANGED, PEOPLE_SIDES

# Every scope an obligation of department ``{alias}.department_id`` counts in: the department's
# own row, and the subtree rows of each department on its path and of the whole organization.
SCOPES = """
    LEFT JOIN governance_department AS dep ON dep.id = {alias}.department_id
    CROSS JOIN LATERAL (
        SELECT {alias}.department_id::integer, false
        UNION ALL SELECT 0, true
        UNION ALL SELECT a::integer, true FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id, subtree)
"""
# The subtree rows a department's own row counts in (whole organization and every department on
# its path); the department 0 of people without one counts in the whole organization only.
CONTAINERS = """
    LEFT JOIN governance_department AS dep ON dep.id = {alias}.department_id
    CROSS JOIN LATERAL (
        SELECT 0
        UNION ALL SELECT a::integer FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id)
"""

COUNT_DIMS = "department_id, subtree, platform_id, policy_version_id, status, overdue"
COUNT_ROWS = """
    SELECT coalesce(department_id, 0) AS department_id, platform_id, policy_version_id, status,
           status IN {action} AND due_on < v_day AS overdue, {sign} AS delta
    FROM {table} WHERE closed_at IS NULL
"""
COUNT_UPSERT = f"""
        INSERT INTO governance_obligationcount AS c ({COUNT_DIMS}, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.status, d.overdue,
               sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, status, overdue, sum(delta) AS delta
            FROM ({{rows}}) AS r GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0
        ) AS d
        {SCOPES.format(alias="d")}
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT ({COUNT_DIMS}) DO UPDATE SET count = c.count + EXCLUDED.count;
"""

FACET_DIMS = f"{COUNT_DIMS}, country, customer_data"
# The open obligations of ``{table}`` with their person's country and customer-data flag.
FACET_ROWS = """
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, o.status,
           o.status IN {action} AND o.due_on < v_day AS overdue, coalesce(e.country, '') AS country,
           coalesce(e.handles_customer_data, false) AS customer_data, {sign} AS delta
    FROM {table} AS o LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL
"""
FACET_UPSERT = f"""
        INSERT INTO governance_obligationfacetcount AS c ({FACET_DIMS}, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.status, d.overdue,
               d.country, d.customer_data, sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, status, overdue, country, customer_data,
                   sum(delta) AS delta
            FROM ({{rows}}) AS r GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(delta) <> 0
        ) AS d
        {SCOPES.format(alias="d")}
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
        ON CONFLICT ({FACET_DIMS}) DO UPDATE SET count = c.count + EXCLUDED.count;
"""

FAILING_DIMS = "department_id, subtree, platform_id, policy_version_id, setting_id, country, customer_data"
FAILING_ROWS = """
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, a.setting_id,
           coalesce(e.country, '') AS country, coalesce(e.handles_customer_data, false) AS customer_data,
           {sign} AS delta
    FROM {table} AS o
    JOIN governance_attestationanswer AS a ON a.attestation_id = o.satisfied_by_id AND NOT a.compliant
    LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL AND o.status = 'noncompliant'
"""
ANSWER_ROWS = """
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, a.setting_id,
           coalesce(e.country, '') AS country, coalesce(e.handles_customer_data, false) AS customer_data,
           1 AS delta
    FROM new_answers AS a
    JOIN governance_obligation AS o ON o.satisfied_by_id = a.attestation_id
    LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE NOT a.compliant AND o.closed_at IS NULL AND o.status = 'noncompliant'
"""
FAILING_UPSERT = f"""
        INSERT INTO governance_failingsettingcount AS c ({FAILING_DIMS}, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.setting_id,
               d.country, d.customer_data, sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, setting_id, country, customer_data,
                   sum(delta) AS delta
            FROM ({{rows}}) AS r GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(delta) <> 0
        ) AS d
        {SCOPES.format(alias="d")}
        GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT ({FAILING_DIMS}) DO UPDATE SET count = c.count + EXCLUDED.count;
"""

# The same people, once with their old values (to take their counts out) and once with their
# new ones (to put them back in).
MOVED_PEOPLE = f"""
    SELECT c.id, s.country, s.customer_data, s.sign
    FROM ({CHANGED_PEOPLE}) AS c
    CROSS JOIN LATERAL (
        VALUES (c.old_country, c.old_customer_data, -1), (c.new_country, c.new_customer_data, 1)
    ) AS s (country, customer_data, sign)
"""
MOVED_FACET_ROWS = f"""
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, o.status,
           o.status IN {ACTION} AND o.due_on < v_day AS overdue, coalesce(p.country, '') AS country,
           coalesce(p.customer_data, false) AS customer_data, p.sign AS delta
    FROM ({MOVED_PEOPLE}) AS p
    JOIN governance_obligation AS o ON o.employee_id = p.id AND o.closed_at IS NULL
"""
MOVED_FAILING_ROWS = f"""
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, a.setting_id,
           coalesce(p.country, '') AS country, coalesce(p.customer_data, false) AS customer_data, p.sign AS delta
    FROM ({MOVED_PEOPLE}) AS p
    JOIN governance_obligation AS o ON o.employee_id = p.id AND o.closed_at IS NULL AND o.status = 'noncompliant'
    JOIN governance_attestationanswer AS a ON a.attestation_id = o.satisfied_by_id AND NOT a.compliant
"""


# ManagerObligationCount: the open obligations of each manager's direct reports (manager 0:
# people without a manager), per department, tool, policy version, status and overdue; a
# team's figures sum the rows of its managers. Reporting paths are not a dimension, so that a
# change of manager moves the counts of the people whose manager changed, not of the subtree.
MANAGER_DIMS = "manager_id, department_id, platform_id, policy_version_id, status, overdue"
MANAGER_ROWS = """
    SELECT coalesce(e.manager_id, 0) AS manager_id, coalesce(o.department_id, 0) AS department_id, o.platform_id,
           o.policy_version_id, o.status, o.status IN {action} AND o.due_on < v_day AS overdue, {sign} AS delta
    FROM {table} AS o LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL
"""
# People whose manager an employee UPDATE changed: their open obligations, taken out of the old
# manager's rows and put into the new one's.
MOVED_MANAGER_ROWS = f"""
    SELECT coalesce(s.manager_id, 0) AS manager_id, coalesce(o.department_id, 0) AS department_id, o.platform_id,
           o.policy_version_id, o.status, o.status IN {ACTION} AND o.due_on < v_day AS overdue, s.sign AS delta
    FROM ({PEOPLE_SIDES}) AS m
    CROSS JOIN LATERAL (VALUES (m.old_manager_id, -1), (m.new_manager_id, 1)) AS s (manager_id, sign)
    JOIN governance_obligation AS o ON o.employee_id = m.id AND o.closed_at IS NULL
    WHERE {MANAGER_CHANGED}
"""
MANAGER_UPSERT = f"""
        INSERT INTO compliance_managerobligationcount AS c ({MANAGER_DIMS}, count)
        SELECT manager_id, department_id, platform_id, policy_version_id, status, overdue, sum(delta)::int
        FROM ({{rows}}) AS r
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT ({MANAGER_DIMS}) DO UPDATE SET count = c.count + EXCLUDED.count;
"""

# Open obligations whose overdue flag differs between the counts' day (v_from) and a new day
# (v_day): pending or non-compliant, due between the two. Taken out with the old flag, put
# back with the new one.
ROLLED = """
    FROM governance_obligation AS o {join}
    WHERE o.closed_at IS NULL AND o.status IN {action}
      AND o.due_on >= least(v_from, v_day) AND o.due_on < greatest(v_from, v_day)
"""
ROLLED_COUNT_ROWS = " UNION ALL ".join(
    f"""
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, o.status,
           o.due_on < {day} AS overdue, {sign} AS delta
    {ROLLED.format(join="", action=ACTION)}
    """
    for day, sign in (("v_from", -1), ("v_day", 1))
)
ROLLED_FACET_ROWS = " UNION ALL ".join(
    f"""
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, o.status,
           o.due_on < {day} AS overdue, coalesce(e.country, '') AS country,
           coalesce(e.handles_customer_data, false) AS customer_data, {sign} AS delta
    {ROLLED.format(join="LEFT JOIN governance_employee AS e ON e.id = o.employee_id", action=ACTION)}
    """
    for day, sign in (("v_from", -1), ("v_day", 1))
)

ROLLED_MANAGER_ROWS = " UNION ALL ".join(
    f"""
    SELECT coalesce(e.manager_id, 0) AS manager_id, coalesce(o.department_id, 0) AS department_id, o.platform_id,
           o.policy_version_id, o.status, o.due_on < {day} AS overdue, {sign} AS delta
    {ROLLED.format(join="LEFT JOIN governance_employee AS e ON e.id = o.employee_id", action=ACTION)}
    """
    for day, sign in (("v_from", -1), ("v_day", 1))
)


# The aggregates kept per policy version (the terms' version: ObligationCount,
# ObligationFacetCount, FailingSettingCount, ManagerObligationCount), and the statement that
# deletes their rows of the (tool, terms version) pairs a publish closed.
VERSIONED_COUNTS = (
    "governance_obligationcount",
    "governance_obligationfacetcount",
    "governance_failingsettingcount",
    "compliance_managerobligationcount",
)
ENDED_TERMS_DELETE = f"""
    DELETE FROM {{table}} AS c
    USING (SELECT DISTINCT platform_id, policy_version_id FROM {PUBLISH_CLOSED}) AS ended
    WHERE c.platform_id = ended.platform_id AND c.policy_version_id = ended.policy_version_id;
"""
ENDED_TERMS_DELETED = "".join(ENDED_TERMS_DELETE.format(table=table) for table in VERSIONED_COUNTS)
# The new rules' obligations, counted once into the same aggregates but FailingSettingCount:
# they open pending or excepted, satisfied by no attestation (materialize_rule), so none has a
# failing answer (a scan of every new row for nothing: 11 s at 2.4 M rows).
NEW_RULES_COUNTED = "".join(
    "WITH new_rows AS (SELECT * FROM governance_obligation WHERE rule_id = ANY (v_new_rules)) "
    + upsert.format(rows=rows.format(sign=1, table="new_rows", action=ACTION))
    for rows, upsert in (
        (COUNT_ROWS, COUNT_UPSERT),
        (FACET_ROWS, FACET_UPSERT),
        (MANAGER_ROWS, MANAGER_UPSERT),
    )
)


def _changes(template, upsert, **extra):
    """The IF TG_OP ... branches applying ``template``'s rows (signed) through ``upsert``."""
    old = template.format(sign=-1, table="old_rows", action=ACTION, **extra)
    new = template.format(sign=1, table="new_rows", action=ACTION, **extra)
    return f"""
    IF TG_OP = 'INSERT' THEN
        {upsert.format(rows=new)}
    ELSIF TG_OP = 'DELETE' THEN
        {upsert.format(rows=old)}
    ELSE
        {upsert.format(rows=old + " UNION ALL " + new)}
    END IF;
    """


SNAPSHOT_FIGURES = ("total", "compliant", "not_used", "excepted", "pending", "noncompliant", "overdue")
SNAPSHOT_COLUMNS = ", ".join(SNAPSHOT_FIGURES)
SNAPSHOT_SUMS = ", ".join(f"sum(s.{name})" for name in SNAPSHOT_FIGURES)

CREATE_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION governance_recompute_subtree_counts() RETURNS void AS $$
BEGIN
    LOCK TABLE governance_obligationcount, governance_obligationfacetcount, governance_failingsettingcount
        IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM governance_obligationcount WHERE subtree;
    INSERT INTO governance_obligationcount ({COUNT_DIMS}, count)
    SELECT scope.department_id, true, c.platform_id, c.policy_version_id, c.status, c.overdue, sum(c.count)::int
    FROM governance_obligationcount AS c
    {CONTAINERS.format(alias="c")}
    WHERE NOT c.subtree AND c.count <> 0
    GROUP BY 1, 3, 4, 5, 6;
    DELETE FROM governance_obligationfacetcount WHERE subtree;
    INSERT INTO governance_obligationfacetcount ({FACET_DIMS}, count)
    SELECT scope.department_id, true, c.platform_id, c.policy_version_id, c.status, c.overdue, c.country,
           c.customer_data, sum(c.count)::int
    FROM governance_obligationfacetcount AS c
    {CONTAINERS.format(alias="c")}
    WHERE NOT c.subtree AND c.count <> 0
    GROUP BY 1, 3, 4, 5, 6, 7, 8;
    DELETE FROM governance_failingsettingcount WHERE subtree;
    INSERT INTO governance_failingsettingcount ({FAILING_DIMS}, count)
    SELECT scope.department_id, true, c.platform_id, c.policy_version_id, c.setting_id, c.country,
           c.customer_data, sum(c.count)::int
    FROM governance_failingsettingcount AS c
    {CONTAINERS.format(alias="c")}
    WHERE NOT c.subtree AND c.count <> 0
    GROUP BY 1, 3, 4, 5, 6, 7;
END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';

CREATE OR REPLACE FUNCTION governance_rebuild_obligation_counts(v_day date) RETURNS void AS $$
BEGIN
    -- The state row first: the triggers read it FOR SHARE, so a write in flight either commits
    -- before the rebuild counts (and is in its snapshot) or waits for the rebuild to commit and
    -- then applies its change, with the new day, on top of the rebuilt counts.
    INSERT INTO governance_obligationcountstate (id, as_of) VALUES (1, v_day)
    ON CONFLICT (id) DO UPDATE SET as_of = EXCLUDED.as_of;
    DELETE FROM governance_obligationcount WHERE NOT subtree;
    INSERT INTO governance_obligationcount ({COUNT_DIMS}, count)
    SELECT coalesce(department_id, 0), false, platform_id, policy_version_id, status,
           status IN {ACTION} AND due_on < v_day, count(*)::int
    FROM governance_obligation WHERE closed_at IS NULL
    GROUP BY 1, 3, 4, 5, 6;
    DELETE FROM governance_obligationfacetcount WHERE NOT subtree;
    INSERT INTO governance_obligationfacetcount ({FACET_DIMS}, count)
    SELECT coalesce(o.department_id, 0), false, o.platform_id, o.policy_version_id, o.status,
           o.status IN {ACTION} AND o.due_on < v_day, coalesce(e.country, ''),
           coalesce(e.handles_customer_data, false), count(*)::int
    FROM governance_obligation AS o LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL
    GROUP BY 1, 3, 4, 5, 6, 7, 8;
    DELETE FROM governance_failingsettingcount WHERE NOT subtree;
    INSERT INTO governance_failingsettingcount ({FAILING_DIMS}, count)
    SELECT coalesce(o.department_id, 0), false, o.platform_id, o.policy_version_id, a.setting_id,
           coalesce(e.country, ''), coalesce(e.handles_customer_data, false), count(*)::int
    FROM governance_obligation AS o
    JOIN governance_attestationanswer AS a ON a.attestation_id = o.satisfied_by_id AND NOT a.compliant
    LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL AND o.status = 'noncompliant'
    GROUP BY 1, 3, 4, 5, 6, 7;
    PERFORM governance_recompute_subtree_counts();
{REBUILD_PERSON_COUNTS}
    DELETE FROM compliance_managerobligationcount;
    INSERT INTO compliance_managerobligationcount ({MANAGER_DIMS}, count)
    SELECT coalesce(e.manager_id, 0), coalesce(o.department_id, 0), o.platform_id, o.policy_version_id, o.status,
           o.status IN {ACTION} AND o.due_on < v_day, count(*)::int
    FROM governance_obligation AS o LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL
    GROUP BY 1, 2, 3, 4, 5, 6;
END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';

CREATE OR REPLACE FUNCTION governance_roll_obligation_counts(v_day date) RETURNS void AS $$
DECLARE
    v_from date;
BEGIN
    -- The state row first, as in the rebuild (the triggers read it FOR SHARE).
    SELECT as_of INTO v_from FROM governance_obligationcountstate WHERE id = 1 FOR UPDATE;
    IF v_from IS NULL THEN
        PERFORM governance_rebuild_obligation_counts(v_day);
        RETURN;
    END IF;
    IF v_from = v_day THEN
        RETURN;
    END IF;
    UPDATE governance_obligationcountstate SET as_of = v_day WHERE id = 1;
    {COUNT_UPSERT.format(rows=ROLLED_COUNT_ROWS)}
    {FACET_UPSERT.format(rows=ROLLED_FACET_ROWS)}
    {MANAGER_UPSERT.format(rows=ROLLED_MANAGER_ROWS)}
END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';

CREATE OR REPLACE FUNCTION governance_obligation_count_apply() RETURNS trigger AS $$
DECLARE
    v_day date;
BEGIN
    SELECT as_of INTO v_day FROM governance_obligationcountstate WHERE id = 1 FOR SHARE;
    IF v_day IS NULL THEN
        -- No day set by the application: nothing is dated, so nothing is maintained; the next
        -- roll finds no state and rebuilds everything (compliance.services.rollups).
        RETURN NULL;
    END IF;
    IF coalesce(current_setting('{DEFER_COUNTS}', true), '') = 'on' THEN
        -- A publish's superseded closes and new rules: counted at its end (below).
        RETURN NULL;
    END IF;
    {_changes(COUNT_ROWS, COUNT_UPSERT)}
    {_changes(FACET_ROWS, FACET_UPSERT)}
    {_changes(FAILING_ROWS, FAILING_UPSERT)}
    {_changes(PERSON_ROWS, PERSON_UPSERT_ALL)}
    {_changes(MANAGER_ROWS, MANAGER_UPSERT)}
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';

CREATE OR REPLACE FUNCTION governance_analyze_obligations() RETURNS void AS $$
BEGIN
    -- As the tables' owner (SECURITY DEFINER): the application's role may not ANALYZE a table
    -- it does not own, and would be skipped with a warning. The name is qualified with the
    -- tables' schema, so that no temporary table of the caller's (searched first) stands in.
    EXECUTE format('ANALYZE %I.governance_obligation', current_schema());
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT;

CREATE OR REPLACE FUNCTION governance_apply_deferred_publish_counts(v_new_rules bigint[]) RETURNS void AS $$
DECLARE
    v_day date;
BEGIN
    -- The counts of a publish, applied at its end (see DEFER_COUNTS): the obligations it closed,
    -- as it kept them in {PUBLISH_CLOSED}, out; the obligations of its new rules in. No day
    -- set: nothing is maintained (as above).
    SELECT as_of INTO v_day FROM governance_obligationcountstate WHERE id = 1 FOR SHARE;
    IF v_day IS NOT NULL THEN
        -- Statistics first, sampled in this transaction (its own new rows count): no histogram
        -- holds the new rules' ids yet, so the planner took their rows (2.4 million when every
        -- rule changed) for one, looked each one's person up through the primary key and
        -- sorted on disk. Not when no rule is new (a publish that carries every rule's terms).
        IF cardinality(v_new_rules) > 0 THEN
            PERFORM governance_analyze_obligations();
        END IF;
        ANALYZE {PUBLISH_CLOSED};
        -- A publish closes every open obligation of the terms it ends, and a version has one
        -- rule per tool: nothing open is left under each (tool, terms version) closed, so their
        -- rows of the aggregates kept per version go whole, without aggregating what closed.
        -- No signature waits for these rows: they count obligations it cannot sign (closed by
        -- the publish, which holds their rows, or not committed yet).
        {ENDED_TERMS_DELETED}
        {NEW_RULES_COUNTED}
        -- Last, the rows every signature writes (a person's over all tools, PeopleCount): held
        -- from here to the commit only, not through the statements above.
        {PERSON_UPSERT_ALL.format(rows=DEFERRED_PERSON_ROWS)}
    END IF;
    DELETE FROM {PUBLISH_CLOSED};
END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';

CREATE OR REPLACE FUNCTION governance_obligation_count_truncate() RETURNS trigger AS $$
BEGIN
    DELETE FROM governance_obligationcount;
    DELETE FROM governance_obligationfacetcount;
    DELETE FROM governance_failingsettingcount;
    DELETE FROM compliance_personobligationcount;
    DELETE FROM compliance_peoplecount;
    DELETE FROM compliance_managerobligationcount;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';

CREATE OR REPLACE FUNCTION governance_failing_answer_apply() RETURNS trigger AS $$
BEGIN
    {FAILING_UPSERT.format(rows=ANSWER_ROWS)}
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';

CREATE OR REPLACE FUNCTION governance_employee_count_facets() RETURNS trigger AS $$
DECLARE
    v_day date;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ({PEOPLE_SIDES}) AS people WHERE {FACETS_CHANGED} OR {MANAGER_CHANGED}) THEN
        RETURN NULL;
    END IF;
    SELECT as_of INTO v_day FROM governance_obligationcountstate WHERE id = 1 FOR SHARE;
    IF v_day IS NULL THEN
        -- No day set by the application: nothing is dated, so nothing is maintained; the next
        -- roll finds no state and rebuilds everything (compliance.services.rollups).
        RETURN NULL;
    END IF;
    {EMPLOYEE_MOVES_PERSON_COUNTS}
    {FACET_UPSERT.format(rows=MOVED_FACET_ROWS)}
    {FAILING_UPSERT.format(rows=MOVED_FAILING_ROWS)}
    {MANAGER_UPSERT.format(rows=MOVED_MANAGER_ROWS)}
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';

CREATE OR REPLACE FUNCTION governance_department_moved() RETURNS trigger AS $$
BEGIN
    -- A new department gets its path in a second UPDATE (from ''): nothing counts there yet.
    -- Old and new paths side by side by grouping both transition tables (never joining them).
    IF EXISTS (
        SELECT 1 FROM (
            SELECT id, max(path) FILTER (WHERE side < 0) AS old_path, max(path) FILTER (WHERE side > 0) AS new_path
            FROM (SELECT id, path, -1 AS side FROM old_rows UNION ALL SELECT id, path, 1 FROM new_rows) AS sides
            GROUP BY id
        ) AS moved
        WHERE old_path <> '' AND old_path <> new_path
    )
    THEN
        PERFORM governance_recompute_subtree_counts();
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';

CREATE OR REPLACE FUNCTION governance_recompute_snapshot_totals(v_days date[]) RETURNS void AS $$
BEGIN
    -- v_days NULL: every day.
    DELETE FROM governance_compliancesnapshottotal WHERE v_days IS NULL OR day = ANY (v_days);
    INSERT INTO governance_compliancesnapshottotal (day, department_id, platform_id, {SNAPSHOT_COLUMNS})
    SELECT s.day, scope.department_id, tool.platform_id, {SNAPSHOT_SUMS}
    FROM governance_compliancesnapshot AS s
    {CONTAINERS.format(alias="s")}
    CROSS JOIN LATERAL (VALUES (0), (s.platform_id::integer)) AS tool (platform_id)
    WHERE v_days IS NULL OR s.day = ANY (v_days)
    GROUP BY 1, 2, 3;
END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';

CREATE OR REPLACE FUNCTION governance_snapshot_total_apply() RETURNS trigger AS $$
DECLARE
    v_days date[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT day) INTO v_days FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT day) INTO v_days FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT day) INTO v_days FROM (SELECT day FROM old_rows UNION SELECT day FROM new_rows) AS d;
    END IF;
    IF v_days IS NOT NULL THEN
        PERFORM governance_recompute_snapshot_totals(v_days);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';

CREATE OR REPLACE FUNCTION governance_snapshot_total_truncate() RETURNS trigger AS $$
BEGIN
    DELETE FROM governance_compliancesnapshottotal;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';
"""

TRIGGERS = {
    ("governance_failing_answer_insert", "governance_attestationanswer"): "AFTER INSERT ON {table} "
    "REFERENCING NEW TABLE AS new_answers FOR EACH STATEMENT EXECUTE FUNCTION governance_failing_answer_apply()",
    ("governance_employee_count_facets", "governance_employee"): "AFTER UPDATE ON {table} "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION governance_employee_count_facets()",
    ("governance_department_moved", "governance_department"): "AFTER UPDATE ON {table} "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION governance_department_moved()",
    ("governance_snapshot_total_insert", "governance_compliancesnapshot"): "AFTER INSERT ON {table} "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION governance_snapshot_total_apply()",
    ("governance_snapshot_total_update", "governance_compliancesnapshot"): "AFTER UPDATE ON {table} "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION governance_snapshot_total_apply()",
    ("governance_snapshot_total_delete", "governance_compliancesnapshot"): "AFTER DELETE ON {table} "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION governance_snapshot_total_apply()",
    ("governance_snapshot_total_truncate", "governance_compliancesnapshot"): "AFTER TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION governance_snapshot_total_truncate()",
}


# The obligation table's own triggers (installed first by migration 0011).
OBLIGATION_TRIGGERS = {
    ("governance_obligation_count_insert", "governance_obligation"): "AFTER INSERT ON {table} "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION governance_obligation_count_apply()",
    ("governance_obligation_count_update", "governance_obligation"): "AFTER UPDATE ON {table} "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION governance_obligation_count_apply()",
    ("governance_obligation_count_delete", "governance_obligation"): "AFTER DELETE ON {table} "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION governance_obligation_count_apply()",
    ("governance_obligation_count_truncate", "governance_obligation"): "AFTER TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION governance_obligation_count_truncate()",
}


SQL = CREATE_FUNCTIONS + "".join(
    f"CREATE OR REPLACE TRIGGER {name} {definition.format(table=table)};\n"
    for (name, table), definition in {**OBLIGATION_TRIGGERS, **TRIGGERS}.items()
)
