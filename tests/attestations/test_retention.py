"""Retention without breaking the chain: former employees' personal data is erased after the
retention period (or earlier on an admin's recorded decision) while the ledger, its checkpoints
and what was exported before still verify; current employees are never erased."""

import datetime
import hashlib
import json
import os

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from attestations import ledger
from attestations import tasks as attestation_tasks
from attestations.models import Attestation, AttestationPersonalData, Evidence, LedgerAppendOnlyError
from attestations.services import retention
from attestations.services.checkpoints import checkpoint_ledger
from governance.models import AuditEvent
from people.models import Employee
from tests.attestations.builders import publish, unguarded
from tests.clock import noon_on
from tests.factories import EmployeeFactory, PolicyVersionFactory

TODAY = datetime.date(2026, 11, 24)
NOW = noon_on(TODAY)
DAYS = 30

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]


@pytest.fixture(autouse=True)
def period(settings):
    settings.LEDGER_PERSONAL_DATA_RETENTION_DAYS = DAYS


@pytest.fixture
def version():
    return publish(PolicyVersionFactory())


def days(n):
    return TODAY + datetime.timedelta(days=n)


def former(terminated_on):
    return EmployeeFactory(status=Employee.Status.TERMINATED, terminated_on=terminated_on)


def sign(employee, version, **kwargs):
    kwargs.setdefault("statement", "I have read the policy.")
    kwargs.setdefault("signature", employee.full_name)
    kwargs.setdefault("ip_address", "203.0.113.7")
    kwargs.setdefault("user_agent", "Firefox/140")
    return ledger.append_record(kind="attestation", employee=employee, policy_version=version, **kwargs)


def evidence_of(employee, content=b"a screenshot of the setting"):
    evidence = Evidence(
        employee=employee, content_type="image/png", size=len(content), sha256=hashlib.sha256(content).hexdigest()
    )
    evidence.file.save("shot.png", ContentFile(content), save=False)
    evidence.save()
    return evidence


def exported(records):
    """What a package exported before the erasure carries of each record: its content and hash."""
    return [
        {"content": json.loads(ledger.canonical_bytes(record)), "hash": record.hash}
        for record in Attestation.objects.filter(pk__in=[r.pk for r in records]).order_by("id")
    ]


def personal(record):
    return AttestationPersonalData.objects.get(pk=record.pk)


# --- The daily job ----------------------------------------------------------------------------


def test_erasing_a_former_employee_after_the_period_keeps_the_chain_and_its_checkpoints(
    version, private_storage, capsys, django_capture_on_commit_callbacks
):
    leaver = former(days(-DAYS - 1))
    shot = evidence_of(leaver)
    kept_name = leaver.full_name
    records = [sign(leaver, version, evidence=shot), sign(leaver, version)]
    stayer = EmployeeFactory()
    theirs = sign(stayer, version)
    checkpoint, _ = checkpoint_ledger(now=NOW)
    package = exported([*records, theirs])
    head = ledger.head_hash()
    stored = shot.file.path
    assert os.path.exists(stored)

    with django_capture_on_commit_callbacks(execute=True):
        totals = retention.erase_expired_personal_data(today=TODAY)

    assert totals == {"employees": 1, "records_erased": 2, "evidence_files_erased": 1, "old_format_records_kept": 0}
    for record in records:
        data = personal(record)
        assert (data.salt, data.signature, data.ip_address, data.user_agent) == ("", "", None, "")
        assert data.erased_at is not None
    shot.refresh_from_db()
    assert shot.erased_at is not None and not shot.file
    assert shot.sha256 == hashlib.sha256(b"a screenshot of the setting").hexdigest()
    assert not os.path.exists(stored)
    leaver.refresh_from_db()
    assert (leaver.full_name, leaver.email) == (f"Former employee {leaver.pk}", f"erased-{leaver.pk}@erased.invalid")
    assert personal(theirs).signature == stayer.full_name and personal(theirs).salt

    # The ledger is what it was: every record's content and hash, the head, the checkpoint.
    assert exported([*records, theirs]) == package
    assert ledger.head_hash() == head
    result = ledger.verify_chain()
    assert (result.ok, result.count, result.checkpoints, result.erased) == (True, 3, 1, 2)
    assert result.personal_problems == () and result.evidence_problems == ()
    assert checkpoint_ledger(now=NOW) == (checkpoint, False)
    call_command("verify_ledger")
    assert "1 checkpoint and 0 reports agree; the personal data of 2 erased" in capsys.readouterr().out

    event = AuditEvent.objects.get(action="employee.personal_data_erased")
    assert (event.object_type, event.object_id, event.actor_label) == (
        "people.employee",
        str(leaver.pk),
        "retention job",
    )
    assert event.after["records_erased"] == 2 and event.after["retention_days"] == DAYS
    assert kept_name not in json.dumps(event.after)

    assert retention.erase_expired_personal_data(today=TODAY)["employees"] == 0  # the second run finds nothing
    assert AuditEvent.objects.filter(action="employee.personal_data_erased").count() == 1


def test_the_sign_in_account_of_an_erased_former_employee_is_switched_off_for_good(version, make_user):
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    leaving, staying = make_user(password="a long passphrase 1"), make_user(password="a long passphrase 2")
    for user in (leaving, staying):
        SocialAccount.objects.create(user=user, provider="okta", uid=f"subject-{user.pk}")
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Employee.objects.filter(pk=leaving.employee.pk).update(
        status=Employee.Status.TERMINATED, terminated_on=days(-DAYS - 1)
    )
    old_email = leaving.email

    assert retention.erase_expired_personal_data(today=TODAY)["employees"] == 1

    leaving.refresh_from_db()
    assert (leaving.full_name, leaving.email) == (
        f"Former employee account {leaving.pk}",
        f"erased-account-{leaving.pk}@erased.invalid",
    )
    assert not leaving.is_active and not leaving.has_usable_password()
    assert not SocialAccount.objects.filter(user=leaving).exists()
    assert not EmailAddress.objects.filter(user=leaving).exists()
    signing_in = RequestFactory().post("/accounts/login/")
    assert authenticate(signing_in, username=old_email, password="a long passphrase 1") is None
    # Everyone else's account is as it was.
    staying.refresh_from_db()
    assert staying.is_active and staying.check_password("a long passphrase 2")
    assert SocialAccount.objects.filter(user=staying).count() == EmailAddress.objects.filter(user=staying).count() == 1


def test_nothing_is_erased_before_the_period_ends_and_all_of_it_on_the_day_it_does(version):
    leaver = former(days(-DAYS + 1))
    record = sign(leaver, version)
    assert retention.erase_expired_personal_data(today=TODAY)["employees"] == 0
    assert personal(record).signature == leaver.full_name
    assert retention.erase_expired_personal_data(today=days(1))["records_erased"] == 1
    assert personal(record).is_erased


def test_the_job_works_in_batches_and_its_task_takes_the_day(version):
    leavers = [former(days(-DAYS - n)) for n in range(5)]
    for leaver in leavers:
        sign(leaver, version)
    assert retention.erase_expired_personal_data(today=TODAY, chunk_size=2)["employees"] == 5
    assert AttestationPersonalData.objects.filter(erased_at__isnull=True).count() == 0

    late = former(days(-DAYS + 3))
    sign(late, version)
    outcome = attestation_tasks.erase_personal_data.apply(kwargs={"day": days(3).isoformat()}).get()
    assert outcome["employees"] == 1 and personal(late.attestations.get()).is_erased


def test_current_employees_are_never_erased(version, admin_user):
    active = EmployeeFactory(hired_on=days(-4000))
    on_leave = EmployeeFactory(status=Employee.Status.ON_LEAVE)
    records = [sign(active, version), sign(on_leave, version)]
    assert retention.erase_expired_personal_data(today=days(10_000))["employees"] == 0
    for employee in (active, on_leave):
        with pytest.raises(retention.RetentionRefused, match="never erased"):
            retention.erase_former_employee(employee=employee, actor=admin_user, reason="Asked for it")
    with pytest.raises(CommandError, match="never erased"):
        call_command(
            "erase_personal_data", "--employee", active.external_id, "--actor", admin_user.email, "--reason", "Asked"
        )
    assert [personal(record).signature for record in records] == [active.full_name, on_leave.full_name]
    assert Employee.objects.get(pk=active.pk).email == active.email
    assert not AuditEvent.objects.filter(action__startswith="employee.personal_data_erased").exists()


def test_the_default_period_is_six_years_and_a_bad_one_is_refused(settings):
    from governance import settings as project_settings

    assert project_settings.LEDGER_PERSONAL_DATA_RETENTION_DAYS == 2190
    settings.LEDGER_PERSONAL_DATA_RETENTION_DAYS = -1
    with pytest.raises(ImproperlyConfigured):
        retention.erase_expired_personal_data(today=TODAY)


# --- An admin's recorded decision -------------------------------------------------------------


def test_an_admins_decision_erases_a_former_employee_early_and_is_audited(version, admin_user, capsys):
    leaver = former(days(-1))
    record = sign(leaver, version)
    call_command(
        "erase_personal_data",
        "--employee",
        leaver.external_id,
        "--actor",
        admin_user.email,
        "--reason",
        "Erasure request of 20 Nov 2026, ticket 4711",
    )
    assert "Erased the personal data of 1 former employee(s): 1 record(s)" in capsys.readouterr().out
    assert personal(record).is_erased
    event = AuditEvent.objects.get(action="employee.personal_data_erased_on_decision")
    assert event.actor == admin_user and event.object_id == str(leaver.pk)
    assert event.after["reason"] == "Erasure request of 20 Nov 2026, ticket 4711"
    assert ledger.verify_chain().ok


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"reason": "  "}, "Give the reason"),
        ({"reason": "x" * 501}, "at most 500"),
        ({"reason": "Request\x00"}, "Control characters"),
        ({"actor": "officer"}, "Only a governance admin"),
        ({"actor": None}, "Only a governance admin"),
    ],
)
def test_an_early_erasure_needs_a_clean_reason_and_a_governance_admin(version, admin_user, officer, arguments, message):
    leaver = former(days(-1))
    record = sign(leaver, version)
    actors = {"officer": officer, None: None}
    kwargs = {"reason": "Erasure request", "actor": admin_user} | arguments
    if "actor" in arguments:
        kwargs["actor"] = actors[arguments["actor"]]
    with pytest.raises(retention.RetentionRefused, match=message):
        retention.erase_former_employee(employee=leaver, **kwargs)
    assert not personal(record).is_erased


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--employee", "../x", "--actor", "a@example.test", "--reason", "r"], "must be an HR id"),
        (["--employee", "NOBODY", "--actor", "a@example.test", "--reason", "r"], "No employee with HR id NOBODY"),
        (["--employee", "HR1", "--reason", "r"], "--actor is required"),
        (["--reason", "r"], "go with --employee"),
    ],
)
def test_the_command_refuses_bad_input_clearly(arguments, message):
    EmployeeFactory(external_id="HR1", status=Employee.Status.TERMINATED, terminated_on=days(-1))
    with pytest.raises(CommandError, match=message):
        call_command("erase_personal_data", *arguments)


def test_the_command_refuses_an_unknown_actor():
    leaver = former(days(-1))
    with pytest.raises(CommandError, match="No active user"):
        call_command("erase_personal_data", "--employee", leaver.external_id, "--actor", "x@y.test", "--reason", "r")


# --- Tampering and the guards -----------------------------------------------------------------


@pytest.mark.postgres
def test_a_tampered_personal_field_is_detected_and_an_erased_one_is_not_a_problem(version, capsys):
    tampered, erased, intact = (sign(former(days(-DAYS - 1)), version) for _ in range(3))
    AttestationPersonalData.objects.filter(pk=erased.pk).erase(now=timezone.now())
    unguarded(
        (
            "UPDATE attestations_attestationpersonaldata SET signature = 'Mallory' WHERE attestation_id = %s",
            [tampered.pk],
        )
    )

    result = ledger.verify_chain()
    assert (result.ok, result.broken_id, result.count, result.erased) == (False, None, 3, 1)
    assert result.personal_problems == ((tampered.pk, "its personal data does not match the digest in the record"),)
    with pytest.raises(CommandError, match=f"PERSONAL DATA MISMATCH in 1 record\\(s\\): {tampered.pk} "):
        call_command("verify_ledger")
    assert f"PERSONAL DATA of record {tampered.pk}" in capsys.readouterr().err
    assert intact.pk not in dict(result.personal_problems)


@pytest.mark.postgres
def test_a_removed_personal_data_row_is_detected(version):
    record = sign(EmployeeFactory(), version)
    unguarded(("DELETE FROM attestations_attestationpersonaldata WHERE attestation_id = %s", [record.pk]))
    assert ledger.verify_chain().personal_problems == ((record.pk, "its personal data is missing"),)


def test_the_personal_data_allows_only_its_erasure_through_the_orm(version):
    record = sign(EmployeeFactory(), version)
    data = personal(record)
    data.signature = "Someone Else"
    with pytest.raises(LedgerAppendOnlyError):
        data.save()
    with pytest.raises(LedgerAppendOnlyError):
        data.delete()
    with pytest.raises(LedgerAppendOnlyError):
        AttestationPersonalData.objects.filter(pk=record.pk).update(signature="Someone Else")
    with pytest.raises(LedgerAppendOnlyError):
        AttestationPersonalData.objects.filter(pk=record.pk).delete()
    assert AttestationPersonalData.objects.filter(pk=record.pk).erase(now=timezone.now()) == 1
    assert AttestationPersonalData.objects.filter(pk=record.pk).erase(now=timezone.now()) == 0
    # The record itself stays append-only, its digest included.
    with pytest.raises(LedgerAppendOnlyError):
        Attestation.objects.filter(pk=record.pk).update(personal_digest="0" * 64)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE attestations_attestationpersonaldata SET signature = 'x' WHERE attestation_id = %s",
        "UPDATE attestations_attestationpersonaldata SET erased_at = now() WHERE attestation_id = %s",
        "UPDATE attestations_attestationpersonaldata SET salt = '', signature = '', ip_address = NULL, "
        "user_agent = '', erased_at = now(), attestation_id = attestation_id + 1000 WHERE attestation_id = %s",
        "DELETE FROM attestations_attestationpersonaldata WHERE attestation_id = %s",
        "UPDATE governance_attestation SET personal_digest = repeat('0', 64) WHERE id = %s",
        "UPDATE governance_attestation SET format = 1 WHERE id = %s",
    ],
)
def test_the_database_refuses_every_change_but_the_erasure(version, sql):
    record = sign(EmployeeFactory(), version)
    refused = pytest.raises(IntegrityError, match="append-only|can only be erased")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [record.pk])
    assert personal(record).signature and ledger.verify_chain().ok


@pytest.mark.postgres
def test_the_database_lets_the_erasure_through_once(version):
    record = sign(EmployeeFactory(), version)
    erase = (
        "UPDATE attestations_attestationpersonaldata SET salt = '', signature = '', ip_address = NULL, "
        "user_agent = '', erased_at = now() WHERE attestation_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(erase, [record.pk])
    assert personal(record).is_erased
    with pytest.raises(IntegrityError, match="can only be erased"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(erase, [record.pk])


# --- Records written before the personal data moved out ---------------------------------------


def old_format_record(employee, version, *, signature, ip_address, user_agent):
    """A format-1 record as the ledger wrote them before: the personal fields on the record,
    hashed as they are. Its hash is computed here from the old definition, written out."""
    created_at = timezone.now()
    prev_hash = ledger.head_hash()
    old_content = {
        "kind": "acknowledgment",
        "employee_id": employee.pk,
        "obligation_id": None,
        "policy_version_id": version.pk,
        "platform_id": None,
        "answers": [],
        "compliant": None,
        "tool_used": None,
        "tier": "",
        "evidence_id": None,
        "evidence_sha256": "",
        "statement": "I have read the policy.",
        "signature": signature,
        "ip_address": ip_address,
        "user_agent": user_agent,
        "created_at": created_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "prev_hash": prev_hash,
    }
    old_hash = hashlib.sha256(
        json.dumps(old_content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    record = Attestation(
        format=Attestation.RAW_FORMAT,
        kind="acknowledgment",
        employee=employee,
        policy_version=version,
        statement="I have read the policy.",
        signature=signature,
        ip_address=ip_address,
        user_agent=user_agent,
        created_at=created_at,
        prev_hash=prev_hash,
        hash=old_hash,
    )
    record.save(force_insert=True)
    return record


def test_old_format_records_still_verify_exactly_as_before_and_are_kept_whole(version):
    leaver = former(days(-DAYS - 1))
    old = old_format_record(leaver, version, signature="Ada Lovelace", ip_address="198.51.100.4", user_agent="Opera")
    assert ledger.compute_hash(Attestation.objects.get(pk=old.pk)) == old.hash
    new = sign(leaver, version)
    assert ledger.verify_chain().ok

    totals = retention.erase_expired_personal_data(today=TODAY)

    assert (totals["records_erased"], totals["old_format_records_kept"]) == (1, 1)
    kept = Attestation.objects.get(pk=old.pk)
    assert (kept.signature, kept.ip_address, kept.signed_name) == ("Ada Lovelace", "198.51.100.4", "Ada Lovelace")
    assert personal(new).is_erased and Attestation.objects.get(pk=new.pk).signed_name == ""
    result = ledger.verify_chain()
    assert (result.ok, result.count, result.erased) == (True, 2, 1)
    assert AuditEvent.objects.get(action="employee.personal_data_erased").after["old_format_records_kept"] == 1


def test_a_new_record_hashes_the_salted_digest_not_the_personal_fields(version):
    record = sign(EmployeeFactory(full_name="Grace Hopper"), version, ip_address="2001:db8::0:1")
    content = ledger.canonical_content(Attestation.objects.get(pk=record.pk))
    assert not {"signature", "ip_address", "user_agent"} & set(content)
    assert (content["format"], content["personal_digest"]) == (2, record.personal_digest)
    data = personal(record)
    assert len(data.salt) == 64 and data.ip_address == "2001:db8::1"
    fields = {"ip_address": "2001:db8::1", "signature": "Grace Hopper", "user_agent": "Firefox/140"}
    expected = hashlib.sha256(
        bytes.fromhex(data.salt) + json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    assert record.personal_digest == expected
    other = sign(EmployeeFactory(full_name="Grace Hopper"), version, ip_address="2001:db8::1")
    assert other.personal_digest != record.personal_digest  # a salt of its own: equal fields, other digest


def test_an_earlier_exported_package_still_verifies_after_the_erasure(version, private_storage):
    """The evidence package carries each record's canonical content and hash (and the
    checkpoints): after the erasure, both still recompute and still match the ledger."""
    leaver = former(days(-DAYS - 1))
    records = [sign(leaver, version, evidence=evidence_of(leaver)), sign(EmployeeFactory(), version)]
    checkpoint, _ = checkpoint_ledger(now=NOW)
    package = exported(records)

    retention.erase_expired_personal_data(today=TODAY)

    previous = ledger.GENESIS_HASH
    for entry, record in zip(package, Attestation.objects.order_by("id"), strict=True):
        serialized = json.dumps(entry["content"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(serialized.encode("utf-8")).hexdigest() == entry["hash"] == record.hash
        assert entry["content"]["prev_hash"] == previous
        assert ledger.canonical_content(record) == entry["content"]
        previous = entry["hash"]
    assert (checkpoint.count, checkpoint.head_hash) == (2, previous)
    assert ledger.checkpoint_problem(checkpoint) is None
