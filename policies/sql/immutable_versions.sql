-- Published policy versions are immutable: their rows, rules, required settings and rule departments.
--
-- The live truth: `manage.py migrate` installs this file after every run (governance.sqldefs,
-- CREATE OR REPLACE), and tests/governance/test_sqldefs.py checks that the database's functions
-- and triggers are exactly these. Change a definition here, never in a migration.

CREATE OR REPLACE FUNCTION policies_refuse_version_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'policy version % is %, it cannot be deleted', OLD.id, OLD.status
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'draft' THEN
        RETURN NEW;
    END IF;
    IF OLD.status = 'published' AND NEW.status = 'retired'
       AND (to_jsonb(NEW) - 'status' - 'retired_at') = (to_jsonb(OLD) - 'status' - 'retired_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'policy version % is %, it cannot be changed', OLD.id, OLD.status
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER policies_version_immutable
    BEFORE DELETE OR UPDATE ON policies_policyversion
    FOR EACH ROW EXECUTE FUNCTION policies_refuse_version_change();

CREATE OR REPLACE FUNCTION policies_refuse_rule_change() RETURNS trigger AS $$
DECLARE
    version_ids bigint[];
    locked_status text;
BEGIN
    IF TG_TABLE_NAME = 'policies_toolrule' THEN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN version_ids := array_append(version_ids, OLD.version_id); END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN version_ids := array_append(version_ids, NEW.version_id); END IF;
    ELSIF TG_TABLE_NAME = 'policies_requiredsetting' THEN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            version_ids := array_append(version_ids, (SELECT version_id FROM policies_toolrule WHERE id = OLD.rule_id));
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            version_ids := array_append(version_ids, (SELECT version_id FROM policies_toolrule WHERE id = NEW.rule_id));
        END IF;
    ELSE
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            version_ids := array_append(version_ids, (SELECT version_id FROM policies_toolrule WHERE id = OLD.toolrule_id));
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            version_ids := array_append(version_ids, (SELECT version_id FROM policies_toolrule WHERE id = NEW.toolrule_id));
        END IF;
    END IF;
    SELECT status INTO locked_status FROM policies_policyversion
        WHERE id = ANY(version_ids) AND status <> 'draft' LIMIT 1;
    IF locked_status IS NOT NULL THEN
        RAISE EXCEPTION 'rules of a % policy version cannot be changed', locked_status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER policies_rule_immutable
    BEFORE INSERT OR DELETE OR UPDATE ON policies_toolrule
    FOR EACH ROW EXECUTE FUNCTION policies_refuse_rule_change();
CREATE OR REPLACE TRIGGER policies_required_setting_immutable
    BEFORE INSERT OR DELETE OR UPDATE ON policies_requiredsetting
    FOR EACH ROW EXECUTE FUNCTION policies_refuse_rule_change();
CREATE OR REPLACE TRIGGER policies_rule_departments_immutable
    BEFORE INSERT OR DELETE OR UPDATE ON policies_toolrule_departments
    FOR EACH ROW EXECUTE FUNCTION policies_refuse_rule_change();
