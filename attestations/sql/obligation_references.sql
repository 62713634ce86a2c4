-- An obligation's employee and rule, checked per statement instead of by a foreign key.
--
-- A foreign key checks each inserted row on its own: one lookup and one row lock of the
-- employee and of the rule per obligation. A publish writes millions of obligations, and those
-- checks were a third of its inserts (bench/publish.py, every rule changed: 128 s against 89 s).
-- Here each INSERT statement checks its new rows at once and locks what they reference FOR KEY
-- SHARE, as a foreign key does: a concurrent DELETE of a referenced row waits for the writer's
-- commit, then finds the obligations (below) and is refused; a row deleted first is missing
-- here, and the INSERT is refused. What a foreign key refuses is refused, with its error code
-- (foreign_key_violation):
--   - an obligation whose employee or rule does not exist;
--   - an UPDATE that moves an obligation to another employee or rule (nothing does: an
--     obligation is one person's duty under one rule's terms);
--   - deleting an employee or a rule that an obligation references, changing its id, and
--     truncating the rules while obligations are left.
-- Referenced rows are read as READ COMMITTED does (the application's level): a DELETE run in
-- a REPEATABLE READ transaction that started before the obligations' commit does not see them
-- (PostgreSQL's own foreign keys take a second snapshot for that; the application deletes
-- neither employees nor rules with obligations, and Django's PROTECT refuses it first).
--
-- The live truth: `manage.py migrate` installs this file after every run (governance.sqldefs).

CREATE OR REPLACE FUNCTION governance_obligation_references_check() RETURNS trigger AS $$
DECLARE
    v_ref record;
    v_ids bigint[];
    v_locked bigint;
    v_missing bigint;
BEGIN
    -- EXECUTE plans each lock with the real number of ids (a transition table has no statistics,
    -- so a planned query would look 100,000 people up one by one through the primary key: 0.6 s
    -- a statement, against 0.1 s for a scan of the table; one person still goes by the key).
    FOR v_ref IN
        SELECT * FROM (VALUES ('employee_id', 'governance_employee', 'employee'), ('rule_id', 'policies_toolrule', 'rule'))
            AS refs (column_name, table_name, noun)
    LOOP
        EXECUTE format('SELECT array_agg(DISTINCT %I) FROM new_rows', v_ref.column_name) INTO v_ids;
        IF v_ids IS NULL THEN
            RETURN NULL;
        END IF;
        EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %I WHERE id = ANY ($1) FOR KEY SHARE) AS locked', v_ref.table_name)
            INTO v_locked USING v_ids;
        IF v_locked < cardinality(v_ids) THEN
            EXECUTE format(
                'SELECT min(w.id) FROM unnest($1) AS w (id) WHERE NOT EXISTS (SELECT 1 FROM %I AS r WHERE r.id = w.id)',
                v_ref.table_name
            ) INTO v_missing USING v_ids;
            RAISE EXCEPTION 'an obligation references % %, which does not exist', v_ref.noun, v_missing
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER governance_obligation_references
    AFTER INSERT ON governance_obligation REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION governance_obligation_references_check();

CREATE OR REPLACE FUNCTION governance_obligation_keys_fixed() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'obligation % belongs to employee % under rule %; it cannot move to another',
        OLD.id, OLD.employee_id, OLD.rule_id
        USING ERRCODE = 'foreign_key_violation';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER governance_obligation_keys_fixed
    BEFORE UPDATE ON governance_obligation
    FOR EACH ROW WHEN (((old.employee_id <> new.employee_id) OR (old.rule_id <> new.rule_id)))
    EXECUTE FUNCTION governance_obligation_keys_fixed();

CREATE OR REPLACE FUNCTION governance_obligation_referenced_delete() RETURNS trigger AS $$
DECLARE
    v_referenced bigint;
BEGIN
    IF TG_TABLE_NAME = 'governance_employee' THEN
        SELECT o.employee_id INTO v_referenced FROM governance_obligation AS o
        WHERE o.employee_id IN (SELECT id FROM old_rows) LIMIT 1;
    ELSE
        SELECT o.rule_id INTO v_referenced FROM governance_obligation AS o
        WHERE o.rule_id IN (SELECT id FROM old_rows) LIMIT 1;
    END IF;
    IF v_referenced IS NOT NULL THEN
        RAISE EXCEPTION '% % is referenced by obligations; it cannot be deleted', TG_TABLE_NAME, v_referenced
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER governance_employee_obligations_delete
    AFTER DELETE ON governance_employee REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION governance_obligation_referenced_delete();

CREATE OR REPLACE TRIGGER governance_toolrule_obligations_delete
    AFTER DELETE ON policies_toolrule REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION governance_obligation_referenced_delete();

CREATE OR REPLACE FUNCTION governance_obligation_referenced_renumber() RETURNS trigger AS $$
DECLARE
    v_referenced boolean;
BEGIN
    IF TG_TABLE_NAME = 'governance_employee' THEN
        v_referenced := EXISTS (SELECT 1 FROM governance_obligation AS o WHERE o.employee_id = OLD.id);
    ELSE
        v_referenced := EXISTS (SELECT 1 FROM governance_obligation AS o WHERE o.rule_id = OLD.id);
    END IF;
    IF v_referenced THEN
        RAISE EXCEPTION '% % is referenced by obligations; its id cannot change', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER governance_employee_obligations_renumber
    BEFORE UPDATE ON governance_employee
    FOR EACH ROW WHEN ((old.id <> new.id))
    EXECUTE FUNCTION governance_obligation_referenced_renumber();

CREATE OR REPLACE TRIGGER governance_toolrule_obligations_renumber
    BEFORE UPDATE ON policies_toolrule
    FOR EACH ROW WHEN ((old.id <> new.id))
    EXECUTE FUNCTION governance_obligation_referenced_renumber();

-- TRUNCATE fires no DELETE trigger. After the statement, so that a TRUNCATE that empties the
-- obligations too (a list of tables: a test database's flush) passes. Rules only: no TRUNCATE
-- of governance_employee leaves obligations: with CASCADE it reaches them (they reference the
-- ledger, governance_attestation, which references the employees), and without it the ledger's
-- foreign key refuses it.
CREATE OR REPLACE FUNCTION governance_toolrule_referenced_truncate() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM governance_obligation) THEN
        RAISE EXCEPTION 'policies_toolrule is referenced by obligations; it cannot be truncated without them'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER governance_toolrule_obligations_truncate
    AFTER TRUNCATE ON policies_toolrule
    FOR EACH STATEMENT EXECUTE FUNCTION governance_toolrule_referenced_truncate();
