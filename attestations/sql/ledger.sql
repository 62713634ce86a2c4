-- The attestation ledger and its checkpoints are append-only: UPDATE, DELETE and TRUNCATE are refused.
--
-- The live truth: `manage.py migrate` installs this file after every run (governance.sqldefs,
-- CREATE OR REPLACE), and tests/governance/test_sqldefs.py checks that the database's functions
-- and triggers are exactly these. Change a definition here, never in a migration.

CREATE OR REPLACE FUNCTION governance_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'The attestation ledger is append-only: ' || TG_OP || ' on ' || TG_TABLE_NAME || ' is refused',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION governance_ledger_no_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('governance.allow_ledger_truncate', true), '') = 'on'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'The attestation ledger is append-only: TRUNCATE on ' || TG_TABLE_NAME || ' is refused',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER governance_attestation_append_only BEFORE DELETE OR UPDATE ON governance_attestation FOR EACH ROW EXECUTE FUNCTION governance_ledger_append_only();
CREATE OR REPLACE TRIGGER governance_attestationanswer_append_only BEFORE DELETE OR UPDATE ON governance_attestationanswer FOR EACH ROW EXECUTE FUNCTION governance_ledger_append_only();
CREATE OR REPLACE TRIGGER governance_attestation_no_truncate BEFORE TRUNCATE ON governance_attestation FOR EACH STATEMENT EXECUTE FUNCTION governance_ledger_no_truncate();
CREATE OR REPLACE TRIGGER governance_attestationanswer_no_truncate BEFORE TRUNCATE ON governance_attestationanswer FOR EACH STATEMENT EXECUTE FUNCTION governance_ledger_no_truncate();
CREATE OR REPLACE TRIGGER governance_ledgercheckpoint_append_only BEFORE DELETE OR UPDATE ON attestations_ledgercheckpoint FOR EACH ROW EXECUTE FUNCTION governance_ledger_append_only();
CREATE OR REPLACE TRIGGER governance_ledgercheckpoint_no_truncate BEFORE TRUNCATE ON attestations_ledgercheckpoint FOR EACH STATEMENT EXECUTE FUNCTION governance_ledger_no_truncate();

-- A record's personal data (format 2) sits outside its hashed content; the one change allowed
-- is its erasure: salt and fields emptied, the time of erasure set, once.
CREATE OR REPLACE FUNCTION governance_personal_data_erase_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL
       AND NEW.attestation_id = OLD.attestation_id AND NEW.salt = '' AND NEW.signature = ''
       AND NEW.ip_address IS NULL AND NEW.user_agent = '' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'A ledger record''s personal data can only be erased: ' || TG_OP || ' on ' || TG_TABLE_NAME || ' is refused',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER governance_personaldata_erase_only BEFORE DELETE OR UPDATE ON attestations_attestationpersonaldata FOR EACH ROW EXECUTE FUNCTION governance_personal_data_erase_only();
CREATE OR REPLACE TRIGGER governance_personaldata_no_truncate BEFORE TRUNCATE ON attestations_attestationpersonaldata FOR EACH STATEMENT EXECUTE FUNCTION governance_ledger_no_truncate();
