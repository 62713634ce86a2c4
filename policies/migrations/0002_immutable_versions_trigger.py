"""PostgreSQL triggers that make published and retired policy versions immutable in the database.

The models refuse such changes already; the triggers also stop raw SQL, bulk tools and other
applications. A version that is no longer a draft may only go from published to retired
(status and retired_at); its rules, their required settings and their department scope may
not change at all. Drafts are unrestricted. SQLite has no such triggers (the model guards hold).
"""

from django.db import migrations

FORWARD = r"""
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

CREATE TRIGGER policies_version_immutable
    BEFORE UPDATE OR DELETE ON policies_policyversion
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

CREATE TRIGGER policies_rule_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON policies_toolrule
    FOR EACH ROW EXECUTE FUNCTION policies_refuse_rule_change();
CREATE TRIGGER policies_required_setting_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON policies_requiredsetting
    FOR EACH ROW EXECUTE FUNCTION policies_refuse_rule_change();
CREATE TRIGGER policies_rule_departments_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON policies_toolrule_departments
    FOR EACH ROW EXECUTE FUNCTION policies_refuse_rule_change();
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS policies_rule_departments_immutable ON policies_toolrule_departments;
DROP TRIGGER IF EXISTS policies_required_setting_immutable ON policies_requiredsetting;
DROP TRIGGER IF EXISTS policies_rule_immutable ON policies_toolrule;
DROP FUNCTION IF EXISTS policies_refuse_rule_change();
DROP TRIGGER IF EXISTS policies_version_immutable ON policies_policyversion;
DROP FUNCTION IF EXISTS policies_refuse_version_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(REVERSE)


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse)]
