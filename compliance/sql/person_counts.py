"""The per-person counts' SQL (compliance.models.counts: PersonObligationCount and, counted
again from it, PeopleCount), rendered into compliance/sql/maintained_counts.py's functions.

PersonObligationCount holds each person's open and to-do obligations over all tools (and per
tool for customer-data handlers). PeopleCount counts those rows per (department, tool, country,
customer-data flag): how many people have an open obligation and how many have something to
do, so that "people fully compliant" reads a few rows per department. Every write of a person
row keeps, in ``was_open`` and ``was_to_do``, whether the row counted before the statement
(an upsert's SET reads the row as it was), and returns the row: the statement then moves the
PeopleCount rows of the rows whose state changed, without joining anything to anything.
"""

from attestations.services.publishing import PUBLISH_CLOSED
from compliance.sql.shapes import ACTION, CHANGED_PEOPLE

PERSON_DIMS = "employee_id, department_id, platform_id"
PEOPLE_DIMS = "platform_id, department_id, country, customer_data"
# The open obligations of ``{table}`` with their person's country and customer-data flag.
PERSON_ROWS = """
    SELECT o.employee_id, coalesce(o.department_id, 0) AS department_id, o.platform_id, e.country,
           e.handles_customer_data AS customer_data, {sign} AS open_delta,
           CASE WHEN o.status IN {action} THEN {sign} ELSE 0 END AS to_do_delta
    FROM {table} AS o JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL
"""
# New customer-data handlers of an employee UPDATE: their open obligations (per-tool rows).
NEW_HANDLER_ROWS = f"""
    SELECT o.employee_id, coalesce(o.department_id, 0) AS department_id, o.platform_id, n.new_country AS country,
           true AS customer_data, 1 AS open_delta, CASE WHEN o.status IN {ACTION} THEN 1 ELSE 0 END AS to_do_delta
    FROM ({CHANGED_PEOPLE}) AS n
    JOIN governance_obligation AS o ON o.employee_id = n.id AND o.closed_at IS NULL
    WHERE n.new_customer_data AND NOT n.old_customer_data
"""
# The rows an obligation counts in: its person's over all tools (0) and, for a handler, per tool.
ALL_TOOLS_AND_HANDLERS_PER_TOOL = "SELECT 0 UNION ALL SELECT d.platform_id::integer WHERE d.customer_data"
PER_TOOL = "SELECT d.platform_id::integer"

# PeopleCount moved by ``{{changes}}``: rows with PEOPLE_DIMS' columns, people and to_do
# (signed changes).
PEOPLE_UPSERT = f"""
    INSERT INTO compliance_peoplecount AS p ({PEOPLE_DIMS}, people, to_do)
    SELECT {PEOPLE_DIMS}, sum(people)::int, sum(to_do)::int
    FROM ({{changes}}) AS m
    GROUP BY 1, 2, 3, 4 HAVING sum(people) <> 0 OR sum(to_do) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT ({PEOPLE_DIMS}) DO UPDATE SET people = p.people + EXCLUDED.people, to_do = p.to_do + EXCLUDED.to_do
"""
# What a written person row changes in PeopleCount (``w``: the rows RETURNING gave).
WRITTEN_CHANGES = """
    SELECT department_id, platform_id, country, customer_data,
           (open_count > 0)::int - was_open::int AS people, (to_do_count > 0)::int - was_to_do::int AS to_do
    FROM written
"""
RETURNED = (
    "c.department_id, c.platform_id, c.country, c.customer_data, c.open_count, c.to_do_count, c.was_open, c.was_to_do"
)
PERSON_UPSERT = f"""
        WITH written AS (
            INSERT INTO compliance_personobligationcount AS c
                ({PERSON_DIMS}, country, customer_data, open_count, to_do_count, was_open, was_to_do)
            SELECT d.employee_id, d.department_id, tool.platform_id, d.country, d.customer_data,
                   sum(d.open_delta)::int, sum(d.to_do_delta)::int, false, false
            FROM (
                SELECT employee_id, department_id, platform_id, coalesce(country, '') AS country,
                       coalesce(customer_data, false) AS customer_data, sum(open_delta) AS open_delta,
                       sum(to_do_delta) AS to_do_delta
                FROM ({{rows}}) AS r GROUP BY 1, 2, 3, 4, 5 HAVING sum(open_delta) <> 0 OR sum(to_do_delta) <> 0
            ) AS d
            CROSS JOIN LATERAL ({{tools}}) AS tool (platform_id)
            GROUP BY 1, 2, 3, 4, 5 HAVING sum(d.open_delta) <> 0 OR sum(d.to_do_delta) <> 0 ORDER BY 1, 2, 3
            ON CONFLICT ({PERSON_DIMS}) DO UPDATE
            SET open_count = c.open_count + EXCLUDED.open_count, to_do_count = c.to_do_count + EXCLUDED.to_do_count,
                was_open = c.open_count > 0, was_to_do = c.to_do_count > 0
            RETURNING {RETURNED}
        )
        {PEOPLE_UPSERT.format(changes=WRITTEN_CHANGES)};
"""
PERSON_UPSERT_ALL = PERSON_UPSERT.format(rows="{rows}", tools=ALL_TOOLS_AND_HANDLERS_PER_TOOL)

# A publish rewrites the obligations of every changed rule in one long transaction. Each
# person has one count row over all their tools (platform 0), which every signature of theirs,
# on any tool, updates: maintained statement by statement, the publish would hold those rows,
# and so everyone's signature, from its first rule to its commit. The publish leaves its counts
# to its end (DEFER_COUNTS); it keeps what it closed (PUBLISH_CLOSED, a temporary table) and
# applies both sides of the person counts in one statement then
# (governance_apply_deferred_publish_counts), so that it holds those rows for that statement
# only (attestations.services.publishing).
DEFERRED_PERSON_ROWS = (
    PERSON_ROWS.format(
        sign=-1,
        action=ACTION,
        table=f"(SELECT employee_id, department_id, platform_id, status, NULL::timestamptz AS closed_at "
        f"FROM {PUBLISH_CLOSED})",
    )
    + " UNION ALL "
    + PERSON_ROWS.format(
        sign=1, action=ACTION, table="(SELECT * FROM governance_obligation WHERE rule_id = ANY (v_new_rules))"
    )
)

# What a moved person row changes in PeopleCount: out under its old values, in under the new.
MOVED_CHANGES = """
    SELECT department_id, platform_id, old_country AS country, old_customer_data AS customer_data,
           -people AS people, -to_do AS to_do FROM moved
    UNION ALL SELECT department_id, platform_id, country, customer_data, people, to_do FROM moved
"""

# An employee UPDATE that changed people's country or customer-data flag: an ex-handler's
# per-tool rows go (counted out), every row of theirs takes the new values (counted out under
# the old ones, in under the new), a new handler gets per-tool rows (counted in).
EMPLOYEE_MOVES_PERSON_COUNTS = f"""
    WITH written AS (
        DELETE FROM compliance_personobligationcount AS c
        USING ({CHANGED_PEOPLE}) AS n
        WHERE c.employee_id = n.id AND c.platform_id <> 0 AND n.old_customer_data AND NOT n.new_customer_data
        RETURNING c.department_id, c.platform_id, c.country, c.customer_data, 0 AS open_count, 0 AS to_do_count,
                  c.open_count > 0 AS was_open, c.to_do_count > 0 AS was_to_do
    )
    {PEOPLE_UPSERT.format(changes=WRITTEN_CHANGES)};
    WITH moved AS (
        UPDATE compliance_personobligationcount AS c
        SET country = coalesce(n.new_country, ''), customer_data = coalesce(n.new_customer_data, false)
        FROM ({CHANGED_PEOPLE}) AS n
        WHERE c.employee_id = n.id
        RETURNING c.department_id, c.platform_id, coalesce(n.old_country, '') AS old_country,
                  coalesce(n.old_customer_data, false) AS old_customer_data, c.country, c.customer_data,
                  (c.open_count > 0)::int AS people, (c.to_do_count > 0)::int AS to_do
    )
    {PEOPLE_UPSERT.format(changes=MOVED_CHANGES)};
    {PERSON_UPSERT.format(rows=NEW_HANDLER_ROWS, tools=PER_TOOL)}
"""

# Both tables from the open obligations (governance_rebuild_obligation_counts).
REBUILD_PERSON_COUNTS = f"""
    DELETE FROM compliance_personobligationcount;
    INSERT INTO compliance_personobligationcount ({PERSON_DIMS}, country, customer_data, open_count, to_do_count)
    SELECT o.employee_id, coalesce(o.department_id, 0), tool.platform_id, e.country, e.handles_customer_data,
           count(*)::int, (count(*) FILTER (WHERE o.status IN {ACTION}))::int
    FROM governance_obligation AS o
    JOIN governance_employee AS e ON e.id = o.employee_id
    CROSS JOIN LATERAL (
        SELECT 0 UNION ALL SELECT o.platform_id::integer WHERE e.handles_customer_data
    ) AS tool (platform_id)
    WHERE o.closed_at IS NULL
    GROUP BY 1, 2, 3, 4, 5;
    DELETE FROM compliance_peoplecount;
    INSERT INTO compliance_peoplecount ({PEOPLE_DIMS}, people, to_do)
    SELECT {PEOPLE_DIMS}, count(*) FILTER (WHERE open_count > 0)::int, count(*) FILTER (WHERE to_do_count > 0)::int
    FROM compliance_personobligationcount
    GROUP BY 1, 2, 3, 4;
"""
