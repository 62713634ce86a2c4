import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections, transaction

from governance import ledger
from governance.models import Attestation, AttestationAnswer, LedgerAppendOnlyError
from tests.factories import EmployeeFactory, PolicyVersionFactory
from tests.governance.attestation_builders import publish

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
    assert stored.ip_address == "2001:db8::1"


def test_hash_changes_when_any_hashed_field_changes(version):
    record = Attestation.objects.get(pk=append(EmployeeFactory(), version, signature="Ada Lovelace").pk)
    original = ledger.compute_hash(record)
    record.signature = "Somebody Else"
    assert ledger.compute_hash(record) != original


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
    assert capsys.readouterr().out.strip() == f"OK 3 records, head {ledger.head_hash()}"


def test_verify_ledger_on_an_empty_ledger_is_ok(capsys):
    call_command("verify_ledger")
    assert capsys.readouterr().out.strip() == f"OK 0 records, head {ledger.GENESIS_HASH}"


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
        cursor.execute("UPDATE governance_attestation SET signature = 'Mallory' WHERE id = %s", [tampered.pk])
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
