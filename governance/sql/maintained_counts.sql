-- Maintained dashboard aggregates (governance.models.rollups): the SQL functions and the
-- statement-level triggers that keep them in step with every write. One clock: no function
-- reads the server's calendar; the day comes from the caller or governance_obligationcountstate.
--
-- The live truth: `manage.py migrate` installs this file after every run (governance.sqldefs,
-- CREATE OR REPLACE), and tests/governance/test_sqldefs.py checks that the database's functions
-- and triggers are exactly these. Change a definition here, never in a migration.

CREATE OR REPLACE FUNCTION governance_recompute_subtree_counts() RETURNS void AS $$
BEGIN
    LOCK TABLE governance_obligationcount, governance_obligationfacetcount, governance_failingsettingcount
        IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM governance_obligationcount WHERE subtree;
    INSERT INTO governance_obligationcount (department_id, subtree, platform_id, policy_version_id, status, overdue, count)
    SELECT scope.department_id, true, c.platform_id, c.policy_version_id, c.status, c.overdue, sum(c.count)::int
    FROM governance_obligationcount AS c

    LEFT JOIN governance_department AS dep ON dep.id = c.department_id
    CROSS JOIN LATERAL (
        SELECT 0
        UNION ALL SELECT a::integer FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id)

    WHERE NOT c.subtree AND c.count <> 0
    GROUP BY 1, 3, 4, 5, 6;
    DELETE FROM governance_obligationfacetcount WHERE subtree;
    INSERT INTO governance_obligationfacetcount (department_id, subtree, platform_id, policy_version_id, status, overdue, country, customer_data, count)
    SELECT scope.department_id, true, c.platform_id, c.policy_version_id, c.status, c.overdue, c.country,
           c.customer_data, sum(c.count)::int
    FROM governance_obligationfacetcount AS c

    LEFT JOIN governance_department AS dep ON dep.id = c.department_id
    CROSS JOIN LATERAL (
        SELECT 0
        UNION ALL SELECT a::integer FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id)

    WHERE NOT c.subtree AND c.count <> 0
    GROUP BY 1, 3, 4, 5, 6, 7, 8;
    DELETE FROM governance_failingsettingcount WHERE subtree;
    INSERT INTO governance_failingsettingcount (department_id, subtree, platform_id, policy_version_id, setting_id, country, customer_data, count)
    SELECT scope.department_id, true, c.platform_id, c.policy_version_id, c.setting_id, c.country,
           c.customer_data, sum(c.count)::int
    FROM governance_failingsettingcount AS c

    LEFT JOIN governance_department AS dep ON dep.id = c.department_id
    CROSS JOIN LATERAL (
        SELECT 0
        UNION ALL SELECT a::integer FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id)

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
    INSERT INTO governance_obligationcount (department_id, subtree, platform_id, policy_version_id, status, overdue, count)
    SELECT coalesce(department_id, 0), false, platform_id, policy_version_id, status,
           status IN ('pending', 'noncompliant') AND due_on < v_day, count(*)::int
    FROM governance_obligation WHERE closed_at IS NULL
    GROUP BY 1, 3, 4, 5, 6;
    DELETE FROM governance_obligationfacetcount WHERE NOT subtree;
    INSERT INTO governance_obligationfacetcount (department_id, subtree, platform_id, policy_version_id, status, overdue, country, customer_data, count)
    SELECT coalesce(o.department_id, 0), false, o.platform_id, o.policy_version_id, o.status,
           o.status IN ('pending', 'noncompliant') AND o.due_on < v_day, coalesce(e.country, ''),
           coalesce(e.handles_customer_data, false), count(*)::int
    FROM governance_obligation AS o LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL
    GROUP BY 1, 3, 4, 5, 6, 7, 8;
    DELETE FROM governance_failingsettingcount WHERE NOT subtree;
    INSERT INTO governance_failingsettingcount (department_id, subtree, platform_id, policy_version_id, setting_id, country, customer_data, count)
    SELECT coalesce(o.department_id, 0), false, o.platform_id, o.policy_version_id, a.setting_id,
           coalesce(e.country, ''), coalesce(e.handles_customer_data, false), count(*)::int
    FROM governance_obligation AS o
    JOIN governance_attestationanswer AS a ON a.attestation_id = o.satisfied_by_id AND NOT a.compliant
    LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL AND o.status = 'noncompliant'
    GROUP BY 1, 3, 4, 5, 6, 7;
    PERFORM governance_recompute_subtree_counts();
    DELETE FROM governance_handlerobligationcount;
    INSERT INTO governance_handlerobligationcount (employee_id, department_id, platform_id, country, open_count, to_do_count)
    SELECT o.employee_id, coalesce(o.department_id, 0), tool.platform_id, e.country, count(*)::int,
           (count(*) FILTER (WHERE o.status IN ('pending', 'noncompliant')))::int
    FROM governance_obligation AS o
    JOIN governance_employee AS e ON e.id = o.employee_id AND e.handles_customer_data
    CROSS JOIN LATERAL (VALUES (0), (o.platform_id::integer)) AS tool (platform_id)
    WHERE o.closed_at IS NULL
    GROUP BY 1, 2, 3, 4;
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

        INSERT INTO governance_obligationcount AS c (department_id, subtree, platform_id, policy_version_id, status, overdue, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.status, d.overdue,
               sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, status, overdue, sum(delta) AS delta
            FROM (
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, o.status,
           o.due_on < v_from AS overdue, -1 AS delta

    FROM governance_obligation AS o
    WHERE o.closed_at IS NULL AND o.status IN ('pending', 'noncompliant')
      AND o.due_on >= least(v_from, v_day) AND o.due_on < greatest(v_from, v_day)

     UNION ALL
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, o.status,
           o.due_on < v_day AS overdue, 1 AS delta

    FROM governance_obligation AS o
    WHERE o.closed_at IS NULL AND o.status IN ('pending', 'noncompliant')
      AND o.due_on >= least(v_from, v_day) AND o.due_on < greatest(v_from, v_day)

    ) AS r GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0
        ) AS d

    LEFT JOIN governance_department AS dep ON dep.id = d.department_id
    CROSS JOIN LATERAL (
        SELECT d.department_id::integer, false
        UNION ALL SELECT 0, true
        UNION ALL SELECT a::integer, true FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id, subtree)

        GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (department_id, subtree, platform_id, policy_version_id, status, overdue) DO UPDATE SET count = c.count + EXCLUDED.count;


        INSERT INTO governance_obligationfacetcount AS c (department_id, subtree, platform_id, policy_version_id, status, overdue, country, customer_data, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.status, d.overdue,
               d.country, d.customer_data, sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, status, overdue, country, customer_data,
                   sum(delta) AS delta
            FROM (
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, o.status,
           o.due_on < v_from AS overdue, coalesce(e.country, '') AS country,
           coalesce(e.handles_customer_data, false) AS customer_data, -1 AS delta

    FROM governance_obligation AS o LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL AND o.status IN ('pending', 'noncompliant')
      AND o.due_on >= least(v_from, v_day) AND o.due_on < greatest(v_from, v_day)

     UNION ALL
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, o.status,
           o.due_on < v_day AS overdue, coalesce(e.country, '') AS country,
           coalesce(e.handles_customer_data, false) AS customer_data, 1 AS delta

    FROM governance_obligation AS o LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL AND o.status IN ('pending', 'noncompliant')
      AND o.due_on >= least(v_from, v_day) AND o.due_on < greatest(v_from, v_day)

    ) AS r GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(delta) <> 0
        ) AS d

    LEFT JOIN governance_department AS dep ON dep.id = d.department_id
    CROSS JOIN LATERAL (
        SELECT d.department_id::integer, false
        UNION ALL SELECT 0, true
        UNION ALL SELECT a::integer, true FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id, subtree)

        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
        ON CONFLICT (department_id, subtree, platform_id, policy_version_id, status, overdue, country, customer_data) DO UPDATE SET count = c.count + EXCLUDED.count;

END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';

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

        INSERT INTO governance_obligationcount AS c (department_id, subtree, platform_id, policy_version_id, status, overdue, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.status, d.overdue,
               sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, status, overdue, sum(delta) AS delta
            FROM (
    SELECT coalesce(department_id, 0) AS department_id, platform_id, policy_version_id, status,
           status IN ('pending', 'noncompliant') AND due_on < v_day AS overdue, 1 AS delta
    FROM new_rows WHERE closed_at IS NULL
) AS r GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0
        ) AS d

    LEFT JOIN governance_department AS dep ON dep.id = d.department_id
    CROSS JOIN LATERAL (
        SELECT d.department_id::integer, false
        UNION ALL SELECT 0, true
        UNION ALL SELECT a::integer, true FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id, subtree)

        GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (department_id, subtree, platform_id, policy_version_id, status, overdue) DO UPDATE SET count = c.count + EXCLUDED.count;

    ELSIF TG_OP = 'DELETE' THEN

        INSERT INTO governance_obligationcount AS c (department_id, subtree, platform_id, policy_version_id, status, overdue, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.status, d.overdue,
               sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, status, overdue, sum(delta) AS delta
            FROM (
    SELECT coalesce(department_id, 0) AS department_id, platform_id, policy_version_id, status,
           status IN ('pending', 'noncompliant') AND due_on < v_day AS overdue, -1 AS delta
    FROM old_rows WHERE closed_at IS NULL
) AS r GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0
        ) AS d

    LEFT JOIN governance_department AS dep ON dep.id = d.department_id
    CROSS JOIN LATERAL (
        SELECT d.department_id::integer, false
        UNION ALL SELECT 0, true
        UNION ALL SELECT a::integer, true FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id, subtree)

        GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (department_id, subtree, platform_id, policy_version_id, status, overdue) DO UPDATE SET count = c.count + EXCLUDED.count;

    ELSE

        INSERT INTO governance_obligationcount AS c (department_id, subtree, platform_id, policy_version_id, status, overdue, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.status, d.overdue,
               sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, status, overdue, sum(delta) AS delta
            FROM (
    SELECT coalesce(department_id, 0) AS department_id, platform_id, policy_version_id, status,
           status IN ('pending', 'noncompliant') AND due_on < v_day AS overdue, -1 AS delta
    FROM old_rows WHERE closed_at IS NULL
 UNION ALL
    SELECT coalesce(department_id, 0) AS department_id, platform_id, policy_version_id, status,
           status IN ('pending', 'noncompliant') AND due_on < v_day AS overdue, 1 AS delta
    FROM new_rows WHERE closed_at IS NULL
) AS r GROUP BY 1, 2, 3, 4, 5 HAVING sum(delta) <> 0
        ) AS d

    LEFT JOIN governance_department AS dep ON dep.id = d.department_id
    CROSS JOIN LATERAL (
        SELECT d.department_id::integer, false
        UNION ALL SELECT 0, true
        UNION ALL SELECT a::integer, true FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id, subtree)

        GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (department_id, subtree, platform_id, policy_version_id, status, overdue) DO UPDATE SET count = c.count + EXCLUDED.count;

    END IF;


    IF TG_OP = 'INSERT' THEN

        INSERT INTO governance_obligationfacetcount AS c (department_id, subtree, platform_id, policy_version_id, status, overdue, country, customer_data, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.status, d.overdue,
               d.country, d.customer_data, sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, status, overdue, country, customer_data,
                   sum(delta) AS delta
            FROM (
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, o.status,
           o.status IN ('pending', 'noncompliant') AND o.due_on < v_day AS overdue, coalesce(e.country, '') AS country,
           coalesce(e.handles_customer_data, false) AS customer_data, 1 AS delta
    FROM new_rows AS o LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL
) AS r GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(delta) <> 0
        ) AS d

    LEFT JOIN governance_department AS dep ON dep.id = d.department_id
    CROSS JOIN LATERAL (
        SELECT d.department_id::integer, false
        UNION ALL SELECT 0, true
        UNION ALL SELECT a::integer, true FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id, subtree)

        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
        ON CONFLICT (department_id, subtree, platform_id, policy_version_id, status, overdue, country, customer_data) DO UPDATE SET count = c.count + EXCLUDED.count;

    ELSIF TG_OP = 'DELETE' THEN

        INSERT INTO governance_obligationfacetcount AS c (department_id, subtree, platform_id, policy_version_id, status, overdue, country, customer_data, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.status, d.overdue,
               d.country, d.customer_data, sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, status, overdue, country, customer_data,
                   sum(delta) AS delta
            FROM (
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, o.status,
           o.status IN ('pending', 'noncompliant') AND o.due_on < v_day AS overdue, coalesce(e.country, '') AS country,
           coalesce(e.handles_customer_data, false) AS customer_data, -1 AS delta
    FROM old_rows AS o LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL
) AS r GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(delta) <> 0
        ) AS d

    LEFT JOIN governance_department AS dep ON dep.id = d.department_id
    CROSS JOIN LATERAL (
        SELECT d.department_id::integer, false
        UNION ALL SELECT 0, true
        UNION ALL SELECT a::integer, true FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id, subtree)

        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
        ON CONFLICT (department_id, subtree, platform_id, policy_version_id, status, overdue, country, customer_data) DO UPDATE SET count = c.count + EXCLUDED.count;

    ELSE

        INSERT INTO governance_obligationfacetcount AS c (department_id, subtree, platform_id, policy_version_id, status, overdue, country, customer_data, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.status, d.overdue,
               d.country, d.customer_data, sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, status, overdue, country, customer_data,
                   sum(delta) AS delta
            FROM (
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, o.status,
           o.status IN ('pending', 'noncompliant') AND o.due_on < v_day AS overdue, coalesce(e.country, '') AS country,
           coalesce(e.handles_customer_data, false) AS customer_data, -1 AS delta
    FROM old_rows AS o LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL
 UNION ALL
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, o.status,
           o.status IN ('pending', 'noncompliant') AND o.due_on < v_day AS overdue, coalesce(e.country, '') AS country,
           coalesce(e.handles_customer_data, false) AS customer_data, 1 AS delta
    FROM new_rows AS o LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL
) AS r GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(delta) <> 0
        ) AS d

    LEFT JOIN governance_department AS dep ON dep.id = d.department_id
    CROSS JOIN LATERAL (
        SELECT d.department_id::integer, false
        UNION ALL SELECT 0, true
        UNION ALL SELECT a::integer, true FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id, subtree)

        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
        ON CONFLICT (department_id, subtree, platform_id, policy_version_id, status, overdue, country, customer_data) DO UPDATE SET count = c.count + EXCLUDED.count;

    END IF;


    IF TG_OP = 'INSERT' THEN

        INSERT INTO governance_failingsettingcount AS c (department_id, subtree, platform_id, policy_version_id, setting_id, country, customer_data, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.setting_id,
               d.country, d.customer_data, sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, setting_id, country, customer_data,
                   sum(delta) AS delta
            FROM (
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, a.setting_id,
           coalesce(e.country, '') AS country, coalesce(e.handles_customer_data, false) AS customer_data,
           1 AS delta
    FROM new_rows AS o
    JOIN governance_attestationanswer AS a ON a.attestation_id = o.satisfied_by_id AND NOT a.compliant
    LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL AND o.status = 'noncompliant'
) AS r GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(delta) <> 0
        ) AS d

    LEFT JOIN governance_department AS dep ON dep.id = d.department_id
    CROSS JOIN LATERAL (
        SELECT d.department_id::integer, false
        UNION ALL SELECT 0, true
        UNION ALL SELECT a::integer, true FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id, subtree)

        GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (department_id, subtree, platform_id, policy_version_id, setting_id, country, customer_data) DO UPDATE SET count = c.count + EXCLUDED.count;

    ELSIF TG_OP = 'DELETE' THEN

        INSERT INTO governance_failingsettingcount AS c (department_id, subtree, platform_id, policy_version_id, setting_id, country, customer_data, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.setting_id,
               d.country, d.customer_data, sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, setting_id, country, customer_data,
                   sum(delta) AS delta
            FROM (
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, a.setting_id,
           coalesce(e.country, '') AS country, coalesce(e.handles_customer_data, false) AS customer_data,
           -1 AS delta
    FROM old_rows AS o
    JOIN governance_attestationanswer AS a ON a.attestation_id = o.satisfied_by_id AND NOT a.compliant
    LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL AND o.status = 'noncompliant'
) AS r GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(delta) <> 0
        ) AS d

    LEFT JOIN governance_department AS dep ON dep.id = d.department_id
    CROSS JOIN LATERAL (
        SELECT d.department_id::integer, false
        UNION ALL SELECT 0, true
        UNION ALL SELECT a::integer, true FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id, subtree)

        GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (department_id, subtree, platform_id, policy_version_id, setting_id, country, customer_data) DO UPDATE SET count = c.count + EXCLUDED.count;

    ELSE

        INSERT INTO governance_failingsettingcount AS c (department_id, subtree, platform_id, policy_version_id, setting_id, country, customer_data, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.setting_id,
               d.country, d.customer_data, sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, setting_id, country, customer_data,
                   sum(delta) AS delta
            FROM (
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, a.setting_id,
           coalesce(e.country, '') AS country, coalesce(e.handles_customer_data, false) AS customer_data,
           -1 AS delta
    FROM old_rows AS o
    JOIN governance_attestationanswer AS a ON a.attestation_id = o.satisfied_by_id AND NOT a.compliant
    LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL AND o.status = 'noncompliant'
 UNION ALL
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, a.setting_id,
           coalesce(e.country, '') AS country, coalesce(e.handles_customer_data, false) AS customer_data,
           1 AS delta
    FROM new_rows AS o
    JOIN governance_attestationanswer AS a ON a.attestation_id = o.satisfied_by_id AND NOT a.compliant
    LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE o.closed_at IS NULL AND o.status = 'noncompliant'
) AS r GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(delta) <> 0
        ) AS d

    LEFT JOIN governance_department AS dep ON dep.id = d.department_id
    CROSS JOIN LATERAL (
        SELECT d.department_id::integer, false
        UNION ALL SELECT 0, true
        UNION ALL SELECT a::integer, true FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id, subtree)

        GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (department_id, subtree, platform_id, policy_version_id, setting_id, country, customer_data) DO UPDATE SET count = c.count + EXCLUDED.count;

    END IF;


    IF TG_OP = 'INSERT' THEN

        INSERT INTO governance_handlerobligationcount AS c (employee_id, department_id, platform_id, country, open_count, to_do_count)
        SELECT d.employee_id, d.department_id, tool.platform_id, d.country, sum(d.open_delta)::int,
               sum(d.to_do_delta)::int
        FROM (
            SELECT employee_id, department_id, platform_id, coalesce(country, '') AS country,
                   sum(open_delta) AS open_delta, sum(to_do_delta) AS to_do_delta
            FROM (
    SELECT o.employee_id, coalesce(o.department_id, 0) AS department_id, o.platform_id, e.country,
           1 AS open_delta, CASE WHEN o.status IN ('pending', 'noncompliant') THEN 1 ELSE 0 END AS to_do_delta
    FROM new_rows AS o JOIN governance_employee AS e ON e.id = o.employee_id AND e.handles_customer_data
    WHERE o.closed_at IS NULL
) AS r GROUP BY 1, 2, 3, 4 HAVING sum(open_delta) <> 0 OR sum(to_do_delta) <> 0
        ) AS d
        CROSS JOIN LATERAL (VALUES (0), (d.platform_id::integer)) AS tool (platform_id)
        GROUP BY 1, 2, 3, 4 HAVING sum(d.open_delta) <> 0 OR sum(d.to_do_delta) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (employee_id, department_id, platform_id) DO UPDATE
        SET open_count = c.open_count + EXCLUDED.open_count, to_do_count = c.to_do_count + EXCLUDED.to_do_count;

    ELSIF TG_OP = 'DELETE' THEN

        INSERT INTO governance_handlerobligationcount AS c (employee_id, department_id, platform_id, country, open_count, to_do_count)
        SELECT d.employee_id, d.department_id, tool.platform_id, d.country, sum(d.open_delta)::int,
               sum(d.to_do_delta)::int
        FROM (
            SELECT employee_id, department_id, platform_id, coalesce(country, '') AS country,
                   sum(open_delta) AS open_delta, sum(to_do_delta) AS to_do_delta
            FROM (
    SELECT o.employee_id, coalesce(o.department_id, 0) AS department_id, o.platform_id, e.country,
           -1 AS open_delta, CASE WHEN o.status IN ('pending', 'noncompliant') THEN -1 ELSE 0 END AS to_do_delta
    FROM old_rows AS o JOIN governance_employee AS e ON e.id = o.employee_id AND e.handles_customer_data
    WHERE o.closed_at IS NULL
) AS r GROUP BY 1, 2, 3, 4 HAVING sum(open_delta) <> 0 OR sum(to_do_delta) <> 0
        ) AS d
        CROSS JOIN LATERAL (VALUES (0), (d.platform_id::integer)) AS tool (platform_id)
        GROUP BY 1, 2, 3, 4 HAVING sum(d.open_delta) <> 0 OR sum(d.to_do_delta) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (employee_id, department_id, platform_id) DO UPDATE
        SET open_count = c.open_count + EXCLUDED.open_count, to_do_count = c.to_do_count + EXCLUDED.to_do_count;

    ELSE

        INSERT INTO governance_handlerobligationcount AS c (employee_id, department_id, platform_id, country, open_count, to_do_count)
        SELECT d.employee_id, d.department_id, tool.platform_id, d.country, sum(d.open_delta)::int,
               sum(d.to_do_delta)::int
        FROM (
            SELECT employee_id, department_id, platform_id, coalesce(country, '') AS country,
                   sum(open_delta) AS open_delta, sum(to_do_delta) AS to_do_delta
            FROM (
    SELECT o.employee_id, coalesce(o.department_id, 0) AS department_id, o.platform_id, e.country,
           -1 AS open_delta, CASE WHEN o.status IN ('pending', 'noncompliant') THEN -1 ELSE 0 END AS to_do_delta
    FROM old_rows AS o JOIN governance_employee AS e ON e.id = o.employee_id AND e.handles_customer_data
    WHERE o.closed_at IS NULL
 UNION ALL
    SELECT o.employee_id, coalesce(o.department_id, 0) AS department_id, o.platform_id, e.country,
           1 AS open_delta, CASE WHEN o.status IN ('pending', 'noncompliant') THEN 1 ELSE 0 END AS to_do_delta
    FROM new_rows AS o JOIN governance_employee AS e ON e.id = o.employee_id AND e.handles_customer_data
    WHERE o.closed_at IS NULL
) AS r GROUP BY 1, 2, 3, 4 HAVING sum(open_delta) <> 0 OR sum(to_do_delta) <> 0
        ) AS d
        CROSS JOIN LATERAL (VALUES (0), (d.platform_id::integer)) AS tool (platform_id)
        GROUP BY 1, 2, 3, 4 HAVING sum(d.open_delta) <> 0 OR sum(d.to_do_delta) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (employee_id, department_id, platform_id) DO UPDATE
        SET open_count = c.open_count + EXCLUDED.open_count, to_do_count = c.to_do_count + EXCLUDED.to_do_count;

    END IF;

    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';

CREATE OR REPLACE FUNCTION governance_obligation_count_truncate() RETURNS trigger AS $$
BEGIN
    DELETE FROM governance_obligationcount;
    DELETE FROM governance_obligationfacetcount;
    DELETE FROM governance_failingsettingcount;
    DELETE FROM governance_handlerobligationcount;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';

CREATE OR REPLACE FUNCTION governance_failing_answer_apply() RETURNS trigger AS $$
BEGIN

        INSERT INTO governance_failingsettingcount AS c (department_id, subtree, platform_id, policy_version_id, setting_id, country, customer_data, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.setting_id,
               d.country, d.customer_data, sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, setting_id, country, customer_data,
                   sum(delta) AS delta
            FROM (
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, a.setting_id,
           coalesce(e.country, '') AS country, coalesce(e.handles_customer_data, false) AS customer_data,
           1 AS delta
    FROM new_answers AS a
    JOIN governance_obligation AS o ON o.satisfied_by_id = a.attestation_id
    LEFT JOIN governance_employee AS e ON e.id = o.employee_id
    WHERE NOT a.compliant AND o.closed_at IS NULL AND o.status = 'noncompliant'
) AS r GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(delta) <> 0
        ) AS d

    LEFT JOIN governance_department AS dep ON dep.id = d.department_id
    CROSS JOIN LATERAL (
        SELECT d.department_id::integer, false
        UNION ALL SELECT 0, true
        UNION ALL SELECT a::integer, true FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id, subtree)

        GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (department_id, subtree, platform_id, policy_version_id, setting_id, country, customer_data) DO UPDATE SET count = c.count + EXCLUDED.count;

    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';

CREATE OR REPLACE FUNCTION governance_employee_count_facets() RETURNS trigger AS $$
DECLARE
    v_day date;
BEGIN
    IF NOT EXISTS (
    SELECT o.id, o.country, o.handles_customer_data AS customer_data, -1 AS sign
    FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
    WHERE o.country IS DISTINCT FROM n.country OR o.handles_customer_data IS DISTINCT FROM n.handles_customer_data
    UNION ALL
    SELECT n.id, n.country, n.handles_customer_data, 1
    FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
    WHERE o.country IS DISTINCT FROM n.country OR o.handles_customer_data IS DISTINCT FROM n.handles_customer_data
) THEN
        RETURN NULL;
    END IF;
    SELECT as_of INTO v_day FROM governance_obligationcountstate WHERE id = 1 FOR SHARE;
    IF v_day IS NULL THEN
        -- No day set by the application: nothing is dated, so nothing is maintained; the next
        -- roll finds no state and rebuilds everything (governance.services.rollups).
        RETURN NULL;
    END IF;
    DELETE FROM governance_handlerobligationcount AS c
    USING old_rows AS o JOIN new_rows AS n ON n.id = o.id
    WHERE c.employee_id = n.id AND o.handles_customer_data AND NOT n.handles_customer_data;
    UPDATE governance_handlerobligationcount AS c SET country = n.country
    FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
    WHERE c.employee_id = n.id AND o.country IS DISTINCT FROM n.country;

        INSERT INTO governance_handlerobligationcount AS c (employee_id, department_id, platform_id, country, open_count, to_do_count)
        SELECT d.employee_id, d.department_id, tool.platform_id, d.country, sum(d.open_delta)::int,
               sum(d.to_do_delta)::int
        FROM (
            SELECT employee_id, department_id, platform_id, coalesce(country, '') AS country,
                   sum(open_delta) AS open_delta, sum(to_do_delta) AS to_do_delta
            FROM (
    SELECT o.employee_id, coalesce(o.department_id, 0) AS department_id, o.platform_id, n.country,
           1 AS open_delta, CASE WHEN o.status IN ('pending', 'noncompliant') THEN 1 ELSE 0 END AS to_do_delta
    FROM old_rows AS p JOIN new_rows AS n ON n.id = p.id AND n.handles_customer_data AND NOT p.handles_customer_data
    JOIN governance_obligation AS o ON o.employee_id = n.id AND o.closed_at IS NULL
) AS r GROUP BY 1, 2, 3, 4 HAVING sum(open_delta) <> 0 OR sum(to_do_delta) <> 0
        ) AS d
        CROSS JOIN LATERAL (VALUES (0), (d.platform_id::integer)) AS tool (platform_id)
        GROUP BY 1, 2, 3, 4 HAVING sum(d.open_delta) <> 0 OR sum(d.to_do_delta) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (employee_id, department_id, platform_id) DO UPDATE
        SET open_count = c.open_count + EXCLUDED.open_count, to_do_count = c.to_do_count + EXCLUDED.to_do_count;


        INSERT INTO governance_obligationfacetcount AS c (department_id, subtree, platform_id, policy_version_id, status, overdue, country, customer_data, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.status, d.overdue,
               d.country, d.customer_data, sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, status, overdue, country, customer_data,
                   sum(delta) AS delta
            FROM (
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, o.status,
           o.status IN ('pending', 'noncompliant') AND o.due_on < v_day AS overdue, coalesce(p.country, '') AS country,
           coalesce(p.customer_data, false) AS customer_data, p.sign AS delta
    FROM (
    SELECT o.id, o.country, o.handles_customer_data AS customer_data, -1 AS sign
    FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
    WHERE o.country IS DISTINCT FROM n.country OR o.handles_customer_data IS DISTINCT FROM n.handles_customer_data
    UNION ALL
    SELECT n.id, n.country, n.handles_customer_data, 1
    FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
    WHERE o.country IS DISTINCT FROM n.country OR o.handles_customer_data IS DISTINCT FROM n.handles_customer_data
) AS p
    JOIN governance_obligation AS o ON o.employee_id = p.id AND o.closed_at IS NULL
) AS r GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(delta) <> 0
        ) AS d

    LEFT JOIN governance_department AS dep ON dep.id = d.department_id
    CROSS JOIN LATERAL (
        SELECT d.department_id::integer, false
        UNION ALL SELECT 0, true
        UNION ALL SELECT a::integer, true FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id, subtree)

        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
        ON CONFLICT (department_id, subtree, platform_id, policy_version_id, status, overdue, country, customer_data) DO UPDATE SET count = c.count + EXCLUDED.count;


        INSERT INTO governance_failingsettingcount AS c (department_id, subtree, platform_id, policy_version_id, setting_id, country, customer_data, count)
        SELECT scope.department_id, scope.subtree, d.platform_id, d.policy_version_id, d.setting_id,
               d.country, d.customer_data, sum(d.delta)::int
        FROM (
            SELECT department_id, platform_id, policy_version_id, setting_id, country, customer_data,
                   sum(delta) AS delta
            FROM (
    SELECT coalesce(o.department_id, 0) AS department_id, o.platform_id, o.policy_version_id, a.setting_id,
           coalesce(p.country, '') AS country, coalesce(p.customer_data, false) AS customer_data, p.sign AS delta
    FROM (
    SELECT o.id, o.country, o.handles_customer_data AS customer_data, -1 AS sign
    FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
    WHERE o.country IS DISTINCT FROM n.country OR o.handles_customer_data IS DISTINCT FROM n.handles_customer_data
    UNION ALL
    SELECT n.id, n.country, n.handles_customer_data, 1
    FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
    WHERE o.country IS DISTINCT FROM n.country OR o.handles_customer_data IS DISTINCT FROM n.handles_customer_data
) AS p
    JOIN governance_obligation AS o ON o.employee_id = p.id AND o.closed_at IS NULL AND o.status = 'noncompliant'
    JOIN governance_attestationanswer AS a ON a.attestation_id = o.satisfied_by_id AND NOT a.compliant
) AS r GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(delta) <> 0
        ) AS d

    LEFT JOIN governance_department AS dep ON dep.id = d.department_id
    CROSS JOIN LATERAL (
        SELECT d.department_id::integer, false
        UNION ALL SELECT 0, true
        UNION ALL SELECT a::integer, true FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id, subtree)

        GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (department_id, subtree, platform_id, policy_version_id, setting_id, country, customer_data) DO UPDATE SET count = c.count + EXCLUDED.count;

    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET work_mem = '64MB';

CREATE OR REPLACE FUNCTION governance_department_moved() RETURNS trigger AS $$
BEGIN
    -- A new department gets its path in a second UPDATE (from ''): nothing counts there yet.
    IF EXISTS (SELECT 1 FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id WHERE o.path <> '' AND o.path <> n.path)
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
    INSERT INTO governance_compliancesnapshottotal (day, department_id, platform_id, total, compliant, not_used, excepted, pending, noncompliant, overdue)
    SELECT s.day, scope.department_id, tool.platform_id, sum(s.total), sum(s.compliant), sum(s.not_used), sum(s.excepted), sum(s.pending), sum(s.noncompliant), sum(s.overdue)
    FROM governance_compliancesnapshot AS s

    LEFT JOIN governance_department AS dep ON dep.id = s.department_id
    CROSS JOIN LATERAL (
        SELECT 0
        UNION ALL SELECT a::integer FROM unnest(string_to_array(trim(BOTH '/' FROM dep.path), '/')) AS a
    ) AS scope (department_id)

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

CREATE OR REPLACE TRIGGER governance_obligation_count_insert AFTER INSERT ON governance_obligation REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION governance_obligation_count_apply();
CREATE OR REPLACE TRIGGER governance_obligation_count_update AFTER UPDATE ON governance_obligation REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION governance_obligation_count_apply();
CREATE OR REPLACE TRIGGER governance_obligation_count_delete AFTER DELETE ON governance_obligation REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION governance_obligation_count_apply();
CREATE OR REPLACE TRIGGER governance_obligation_count_truncate AFTER TRUNCATE ON governance_obligation FOR EACH STATEMENT EXECUTE FUNCTION governance_obligation_count_truncate();
CREATE OR REPLACE TRIGGER governance_failing_answer_insert AFTER INSERT ON governance_attestationanswer REFERENCING NEW TABLE AS new_answers FOR EACH STATEMENT EXECUTE FUNCTION governance_failing_answer_apply();
CREATE OR REPLACE TRIGGER governance_employee_count_facets AFTER UPDATE ON governance_employee REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION governance_employee_count_facets();
CREATE OR REPLACE TRIGGER governance_department_moved AFTER UPDATE ON governance_department REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION governance_department_moved();
CREATE OR REPLACE TRIGGER governance_snapshot_total_insert AFTER INSERT ON governance_compliancesnapshot REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION governance_snapshot_total_apply();
CREATE OR REPLACE TRIGGER governance_snapshot_total_update AFTER UPDATE ON governance_compliancesnapshot REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION governance_snapshot_total_apply();
CREATE OR REPLACE TRIGGER governance_snapshot_total_delete AFTER DELETE ON governance_compliancesnapshot REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION governance_snapshot_total_apply();
CREATE OR REPLACE TRIGGER governance_snapshot_total_truncate AFTER TRUNCATE ON governance_compliancesnapshot FOR EACH STATEMENT EXECUTE FUNCTION governance_snapshot_total_truncate();
