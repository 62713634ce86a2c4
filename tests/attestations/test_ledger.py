import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections, transaction

from attestations import ledger
from attestations.models import Attestation, AttestationAnswer, LedgerAppendOnlyError
from tests.attestations.builders import publish
from tests.connections import connect_as
from tests.factories import EmployeeFactory, PolicyVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return publish(PolicyVersionFactory())


def append(employee, version, **kwargs):
    kwargs.setdefault("statement", "I have read the policy.")
    return ledger.append_record(kind="acknowledgment", employee=employee, policy_version=version, **kwargs)


def test_first_record_links_to_genesis_and_each_next_to_the_previous(version):
    first = append(EmployeeFactory(), version)
    second = append(EmployeeFactory(), version)
    assert first.prev_hash == ledger.GENESIS_HASH == "0" * 64
    assert second.prev_hash == first.hash
    assert ledger.head_hash() == second.hash


def test_hash_is_sha256_of_the_canonical_content_and_survives_a_round_trip(version):
    record = append(EmployeeFactory(), version, ip_address="2001:0db8:0000::0001", user_agent="Firefox")
    stored = Attestation.objects.get(pk=record.pk)
    assert len(stored.hash) == 64
    assert ledger.compute_hash(stored) == stored.hash
    assert stored.personal_data.ip_address == "2001:db8::1"


def test_hash_changes_when_any_hashed_field_changes(version):
    record = Attestation.objects.get(pk=append(EmployeeFactory(), version, signature="Ada Lovelace").pk)
    original = ledger.compute_hash(record)
    for name, value in (("statement", "Something else"), ("personal_digest", "f" * 64), ("tier", "plus")):
        changed = Attestation.objects.get(pk=record.pk)
        setattr(changed, name, value)
        assert ledger.compute_hash(changed) != original, name


def test_answer_rows_are_written_with_the_record(version):
    from tests.factories import PlatformSettingFactory

    setting = PlatformSettingFactory()
    answer = {
        "setting": setting.key,
        "setting_id": setting.pk,
        "label": setting.label,
        "revision": 3,
        "required": "off",
        "value": "on",
        "compliant": False,
    }
    record = ledger.append_record(
        kind="attestation",
        employee=EmployeeFactory(),
        policy_version=version,
        platform=setting.platform,
        statement="x",
        answers=[answer],
        compliant=False,
        tool_used=True,
    )
    rows = list(
        AttestationAnswer.objects.filter(attestation=record).values("setting", "revision", "value", "compliant")
    )
    assert rows == [{"setting": setting.pk, "revision": 3, "value": "on", "compliant": False}]


def test_records_refuse_update_and_delete_through_the_orm(version):
    record = append(EmployeeFactory(), version)
    record.signature = "changed"
    with pytest.raises(LedgerAppendOnlyError):
        record.save()
    with pytest.raises(LedgerAppendOnlyError):
        record.delete()
    with pytest.raises(LedgerAppendOnlyError):
        Attestation.objects.filter(pk=record.pk).update(signature="changed")
    with pytest.raises(LedgerAppendOnlyError):
        Attestation.objects.filter(pk=record.pk).delete()


def test_two_records_cannot_link_to_the_same_parent(version):
    first = append(EmployeeFactory(), version)
    copy = Attestation(
        kind="acknowledgment",
        employee=EmployeeFactory(),
        policy_version=version,
        statement="forked",
        created_at=first.created_at,
        prev_hash=first.prev_hash,
        hash="f" * 64,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_verify_ledger_prints_ok_with_count_and_head(version, capsys):
    for _ in range(3):
        append(EmployeeFactory(), version)
    call_command("verify_ledger", "--chunk-size", "2")
    out = capsys.readouterr().out.strip()
    assert out == f"OK 3 records, head {ledger.head_hash()}; 0 checkpoints and 0 reports agree"


def test_verify_ledger_on_an_empty_ledger_is_ok(capsys):
    call_command("verify_ledger")
    out = capsys.readouterr().out.strip()
    assert out == f"OK 0 records, head {ledger.GENESIS_HASH}; 0 checkpoints and 0 reports agree"


@pytest.mark.postgres
def test_database_trigger_refuses_update_and_delete(version):
    record = append(EmployeeFactory(), version)
    for sql in (
        "UPDATE governance_attestation SET signature = 'x' WHERE id = %s",
        "DELETE FROM governance_attestation WHERE id = %s",
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [record.pk])
    assert Attestation.objects.get(pk=record.pk).signature == ""


@pytest.mark.postgres
def test_tampered_record_fails_verification_at_that_record(version):
    records = [append(EmployeeFactory(), version) for _ in range(4)]
    tampered = records[2]
    with connection.cursor() as cursor:
        # Check the deferred foreign keys now, so that the table can be altered in this transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE governance_attestation DISABLE TRIGGER governance_attestation_append_only")
        cursor.execute("UPDATE governance_attestation SET statement = 'Mallory' WHERE id = %s", [tampered.pk])
        cursor.execute("ALTER TABLE governance_attestation ENABLE TRIGGER governance_attestation_append_only")
    result = ledger.verify_chain()
    assert (result.ok, result.broken_id, result.count) == (False, tampered.pk, 2)
    with pytest.raises(CommandError, match=f"BROKEN at record {tampered.pk}"):
        call_command("verify_ledger")


@pytest.mark.postgres
def test_a_deleted_record_breaks_the_link_of_the_next_one(version):
    records = [append(EmployeeFactory(), version) for _ in range(3)]
    with connection.cursor() as cursor:
        # Check the deferred foreign keys now, so that the table can be altered in this transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE governance_attestation DISABLE TRIGGER governance_attestation_append_only")
        cursor.execute(
            "ALTER TABLE attestations_attestationpersonaldata DISABLE TRIGGER governance_personaldata_erase_only"
        )
        cursor.execute("DELETE FROM attestations_attestationpersonaldata WHERE attestation_id = %s", [records[1].pk])
        cursor.execute(
            "ALTER TABLE attestations_attestationpersonaldata ENABLE TRIGGER governance_personaldata_erase_only"
        )
        cursor.execute("DELETE FROM governance_attestation WHERE id = %s", [records[1].pk])
        cursor.execute("ALTER TABLE governance_attestation ENABLE TRIGGER governance_attestation_append_only")
    result = ledger.verify_chain()
    assert (result.ok, result.broken_id) == (False, records[2].pk)
    assert "previous hash" in result.reason


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_do_not_fork_the_chain():
    version = publish(PolicyVersionFactory())
    employees = [EmployeeFactory() for _ in range(8)]
    barrier = threading.Barrier(len(employees))
    errors = []

    def worker(employee):
        try:
            barrier.wait()
            append(employee, version)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(employee,)) for employee in employees]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Attestation.objects.count() == len(employees)
    result = ledger.verify_chain()
    assert result.ok and result.count == len(employees)


# --- Evidence files -----------------------------------------------------------------------------


def with_evidence(employee, version, content):
    import hashlib

    from django.core.files.base import ContentFile

    from attestations.models import Evidence

    evidence = Evidence(
        employee=employee, content_type="image/png", size=len(content), sha256=hashlib.sha256(content).hexdigest()
    )
    evidence.file.save("shot.png", ContentFile(content), save=False)
    evidence.save()
    return append(employee, version, evidence=evidence)


def test_verify_ledger_rehashes_evidence_and_names_a_swapped_file(version, private_storage, capsys):
    kept = with_evidence(EmployeeFactory(), version, b"the real screenshot")
    swapped = with_evidence(EmployeeFactory(), version, b"another real screenshot")
    call_command("verify_ledger")
    assert "OK 2 records" in capsys.readouterr().out

    # Swap the file on disk, and even "fix" the Evidence row's copy of the hash to match:
    # the ledger record's own evidence_sha256 is what counts.
    forged = b"a doctored screenshot"
    with open(swapped.evidence.file.path, "wb") as handle:
        handle.write(forged)
    import hashlib

    type(swapped.evidence).objects.filter(pk=swapped.evidence_id).update(sha256=hashlib.sha256(forged).hexdigest())

    result = ledger.verify_chain()
    assert result.ok is False and result.broken_id is None and result.count == 2
    assert result.evidence_problems == ((swapped.pk, "its evidence file does not match the hash in the record"),)
    with pytest.raises(CommandError, match=f"EVIDENCE MISMATCH in 1 record\\(s\\): {swapped.pk} "):
        call_command("verify_ledger")
    assert f"EVIDENCE of record {swapped.pk}" in capsys.readouterr().err
    assert kept.pk not in {record_id for record_id, _ in result.evidence_problems}
    call_command("verify_ledger", "--skip-evidence")


def test_verify_ledger_reports_a_lost_evidence_file(version, private_storage):
    record = with_evidence(EmployeeFactory(), version, b"a screenshot")
    record.evidence.file.storage.delete(record.evidence.file.name)
    assert ledger.verify_chain().evidence_problems == ((record.pk, "its evidence file is missing"),)


# --- The database refuses TRUNCATE, and the application's role owns nothing -----------------------


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE governance_attestationanswer",
        "TRUNCATE governance_attestation CASCADE",
        "TRUNCATE governance_employee CASCADE",  # reaches the ledger through its foreign key
    ],
)
def test_truncating_the_ledger_is_refused(version, statement):
    record = append(EmployeeFactory(), version)
    with (
        pytest.raises(IntegrityError, match="append-only: TRUNCATE"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks in the way
        cursor.execute(statement)
    assert Attestation.objects.filter(pk=record.pk).exists()


APP_ROLE_REFUSED = [
    "TRUNCATE governance_attestation CASCADE",
    "TRUNCATE governance_employee CASCADE",
    "SET LOCAL governance.allow_ledger_truncate = 'on'; TRUNCATE governance_attestation",
    "ALTER TABLE governance_attestation DISABLE TRIGGER ALL",
    "ALTER TABLE governance_attestation DISABLE TRIGGER governance_attestation_append_only",
    "DROP TRIGGER governance_attestation_no_truncate ON governance_attestation",
    "UPDATE governance_attestation SET signature = 'Mallory'",
    "DELETE FROM governance_attestationanswer",
    "UPDATE attestations_ledgercheckpoint SET count = 0",
    "DELETE FROM attestations_ledgercheckpoint",
    "TRUNCATE attestations_ledgercheckpoint CASCADE",
    "DELETE FROM attestations_attestationpersonaldata",
    "TRUNCATE attestations_attestationpersonaldata CASCADE",
    "DELETE FROM django_migrations",
]


@pytest.mark.postgres
def test_the_application_role_reads_and_appends_but_cannot_truncate_alter_or_rewrite(app_role):
    import psycopg

    version = publish(PolicyVersionFactory())
    append(EmployeeFactory(), version)
    with connect_as(app_role) as app:
        assert app.execute("SELECT count(*) FROM governance_attestation").fetchone() == (1,)
        app.execute("UPDATE governance_employee SET job_title = 'Lead'")  # ordinary tables: read and write
        app.rollback()
        erase = (
            "UPDATE attestations_attestationpersonaldata SET salt = '', signature = '', ip_address = NULL, "
            "user_agent = '', erased_at = now()"
        )
        assert app.execute(erase).rowcount == 1  # the one change its personal data allows
        app.rollback()
        for statement in APP_ROLE_REFUSED:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
            app.rollback()
        owner = app.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'governance_attestation'").fetchone()[0]
        assert owner != app_role
    assert Attestation.objects.count() == 1


@pytest.mark.postgres
def test_the_application_runs_as_that_role(app_role):
    """verify_ledger (reads, the evidence files) from a fresh process connected as the app role."""
    import os
    import subprocess
    import sys

    version = publish(PolicyVersionFactory())
    append(EmployeeFactory(), version)
    settings_dict = connection.settings_dict
    url = (
        f"postgres://{app_role}:{os.environ['GOV_TEST_APP_PASSWORD']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    environment = {**os.environ, "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "manage.py", "verify_ledger"],
        cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]),
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK 1 records")
