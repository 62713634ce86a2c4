"""Signed checkpoints anchor the ledger: a chain recomputed after an edit, a forged checkpoint
and a contradicted report are each refused, naming what they contradict."""

import base64
import datetime
import hashlib
import json
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from attestations import ledger
from attestations import tasks as attestation_tasks
from attestations.models import Attestation, LedgerAppendOnlyError, LedgerCheckpoint
from attestations.services.checkpoints import CheckpointConflict, checkpoint_ledger
from compliance.models import ComplianceReport
from governance import signing
from tests.attestations.builders import publish, rewrite_from, unguarded
from tests.clock import noon_on
from tests.factories import EmployeeFactory, PolicyVersionFactory

TODAY = datetime.date(2026, 11, 24)
NOW = noon_on(TODAY)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]


@pytest.fixture
def version():
    return publish(PolicyVersionFactory())


def append(version, count=1):
    return [
        ledger.append_record(
            kind="acknowledgment", employee=EmployeeFactory(), policy_version=version, statement="I have read it."
        )
        for _ in range(count)
    ]


def new_pem():
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode("ascii")
    )


def raw_x(pem):
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None).public_key()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


# --- Writing ------------------------------------------------------------------------------------


def test_checkpoint_signs_the_head_with_the_configured_key(version, settings):
    records = append(version, 3)
    checkpoint, created = checkpoint_ledger(now=NOW)

    assert created and (checkpoint.count, checkpoint.head_hash) == (3, records[-1].hash)
    assert checkpoint.created_at == NOW
    # Verified independently: the public key from the configured PEM, the canonical JSON by hand.
    public = serialization.load_pem_private_key(settings.LEDGER_SIGNING_KEY.encode(), password=None).public_key()
    signed = json.dumps(
        {
            "count": 3,
            "created_at": NOW.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "head_hash": records[-1].hash,
            "kid": checkpoint.kid,
        },
        separators=(",", ":"),
    ).encode()
    public.verify(signing.b64url_decode(checkpoint.signature), signed)  # raises when it does not verify
    assert checkpoint.kid == signing.key_id(public)


def test_checkpoint_is_idempotent_while_the_head_does_not_move(version):
    append(version, 2)
    first, created = checkpoint_ledger(now=NOW)
    again, created_again = checkpoint_ledger(now=NOW + datetime.timedelta(hours=1))

    assert created and not created_again and again.pk == first.pk
    assert LedgerCheckpoint.objects.count() == 1
    append(version)
    moved, created_moved = checkpoint_ledger(now=NOW + datetime.timedelta(hours=2))
    assert created_moved and moved.count == 3 and LedgerCheckpoint.objects.count() == 2


def test_the_daily_task_writes_one_checkpoint_per_head(version):
    append(version, 2)
    first = attestation_tasks.ledger_checkpoint.delay().get()
    second = attestation_tasks.ledger_checkpoint.delay().get()

    assert first["created"] and first["count"] == 2
    assert second == {**first, "created": False}


@pytest.mark.postgres
def test_checkpoint_refuses_to_sign_over_a_rewritten_position(version):
    records = append(version, 2)
    checkpoint_ledger(now=NOW)
    rewrite_from(records[0], "Mallory")

    with pytest.raises(CheckpointConflict, match="the ledger was rewritten"):
        checkpoint_ledger(now=NOW)


# --- Verifying ----------------------------------------------------------------------------------


def test_verify_ledger_counts_the_checkpoints_that_agree(version, capsys):
    append(version, 2)
    checkpoint_ledger(now=NOW)
    append(version)
    checkpoint_ledger(now=NOW)

    call_command("verify_ledger")
    assert "OK 3 records" in capsys.readouterr().out
    result = ledger.verify_chain()
    assert result.ok and (result.checkpoints, result.anchors) == (2, 0)


@pytest.mark.postgres
def test_a_recomputed_chain_fails_at_the_first_checkpoint_after_the_edit(version):
    records = append(version, 2)
    before, _ = checkpoint_ledger(now=NOW)
    records += append(version, 2)
    after, _ = checkpoint_ledger(now=NOW)
    records += append(version)

    rewrite_from(records[2], "Mallory")  # the third record, after the first checkpoint

    assert Attestation.objects.get(pk=records[2].pk).statement == "Mallory"
    result = ledger.verify_chain()
    assert (result.ok, result.anchor, result.broken_id, result.count) == (
        False,
        f"checkpoint {after.pk}",
        records[3].pk,
        3,
    )
    assert after.head_hash in result.reason
    with pytest.raises(CommandError, match=f"BROKEN at record {records[3].pk}, contradicting checkpoint {after.pk}"):
        call_command("verify_ledger")
    assert before.count < 3  # the checkpoint before the edit still agrees


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("signature", base64.urlsafe_b64encode(bytes(64)).rstrip(b"=").decode(), "signature does not verify"),
        ("head_hash", "f" * 64, "signature does not verify"),
        ("count", 1, "signature does not verify"),
        ("kid", "unknown-key", "is not one of this installation's public keys"),
    ],
)
def test_a_tampered_checkpoint_is_refused_naming_it(version, column, value, reason):
    append(version, 2)
    checkpoint, _ = checkpoint_ledger(now=NOW)
    unguarded((f"UPDATE attestations_ledgercheckpoint SET {column} = %s WHERE id = %s", [value, checkpoint.pk]))

    result = ledger.verify_chain()
    assert (result.ok, result.refused, result.anchor) == (False, True, f"checkpoint {checkpoint.pk}")
    assert reason in result.reason
    with pytest.raises(CommandError, match=f"REFUSED checkpoint {checkpoint.pk}: .*{reason}"):
        call_command("verify_ledger")


@pytest.mark.postgres
def test_a_deleted_tail_contradicts_the_checkpoint_that_covered_it(version):
    records = append(version, 3)
    checkpoint, _ = checkpoint_ledger(now=NOW)
    unguarded(("DELETE FROM governance_attestation WHERE id = %s", [records[-1].pk]))

    result = ledger.verify_chain()
    assert (result.ok, result.anchor, result.broken_id) == (False, f"checkpoint {checkpoint.pk}", None)
    assert "covers 3 records but the ledger holds only 2" in result.reason


def report_carrying(count, head_hash):
    return ComplianceReport.objects.create(
        title="Q4", csv_sha256="ab" * 32, ledger_count=count, ledger_head_hash=head_hash
    )


def test_verify_ledger_checks_the_head_each_report_carries(version, capsys):
    records = append(version, 3)
    report_carrying(2, records[1].hash)
    report_carrying(0, "")  # a report of the empty ledger
    call_command("verify_ledger")
    assert "0 checkpoints and 2 reports agree" in capsys.readouterr().out

    contradicted = report_carrying(2, "e" * 64)
    result = ledger.verify_chain()
    assert (result.ok, result.anchor, result.broken_id) == (False, f"report {contradicted.pk}", records[1].pk)
    with pytest.raises(CommandError, match=f"contradicting report {contradicted.pk}"):
        call_command("verify_ledger")


def test_a_report_beyond_the_ledger_end_fails(version):
    append(version, 1)
    report = report_carrying(5, "e" * 64)
    result = ledger.verify_chain()
    assert (result.ok, result.anchor) == (False, f"report {report.pk}")


# --- Keys: rotation, production, the key file ----------------------------------------------------


def test_after_rotation_old_checkpoints_verify_with_the_retired_key(version, settings, client):
    old_pem = settings.LEDGER_SIGNING_KEY
    append(version, 2)
    old, _ = checkpoint_ledger(now=NOW - datetime.timedelta(days=10))

    rotated_at = NOW - datetime.timedelta(days=1)
    settings.LEDGER_SIGNING_KEY = new_pem()
    settings.LEDGER_SIGNING_KEY_VALID_FROM = rotated_at.isoformat()
    settings.LEDGER_RETIRED_KEYS = [{"x": raw_x(old_pem), "valid_until": rotated_at.isoformat()}]
    append(version)
    new, _ = checkpoint_ledger(now=NOW)

    assert old.kid != new.kid
    result = ledger.verify_chain()
    assert result.ok and result.checkpoints == 2
    keys = {key["kid"]: key for key in client.get("/.well-known/ledger-keys.json").json()["keys"]}
    assert set(keys) == {old.kid, new.kid}
    assert keys[old.kid]["valid_until"] == rotated_at.isoformat() and keys[old.kid]["valid_from"] is None
    assert keys[new.kid]["valid_from"] == rotated_at.isoformat() and keys[new.kid]["valid_until"] is None


def test_a_checkpoint_whose_key_is_no_longer_known_is_refused(version, settings):
    append(version, 1)
    checkpoint, _ = checkpoint_ledger(now=NOW)
    settings.LEDGER_SIGNING_KEY = new_pem()  # rotated without keeping the old public key

    result = ledger.verify_chain()
    assert (result.ok, result.refused, result.anchor) == (False, True, f"checkpoint {checkpoint.pk}")
    assert f"its key {checkpoint.kid} is not one of this installation's public keys" == result.reason


def test_a_checkpoint_dated_outside_its_keys_validity_is_refused(version, settings):
    old_pem = settings.LEDGER_SIGNING_KEY
    append(version, 1)
    checkpoint, _ = checkpoint_ledger(now=NOW)
    settings.LEDGER_SIGNING_KEY = new_pem()
    # The old key is said to have retired before the checkpoint it signed: someone signing late.
    retired = NOW - datetime.timedelta(days=1)
    settings.LEDGER_RETIRED_KEYS = [{"x": raw_x(old_pem), "valid_until": retired.isoformat()}]

    result = ledger.verify_chain()
    assert result.refused and "was not valid at" in result.reason


def test_production_without_a_key_refuses_to_sign(version, settings):
    settings.PRODUCTION = True
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = ""
    append(version, 1)

    with pytest.raises(signing.SigningKeyMissing, match="production needs an Ed25519 key in LEDGER_SIGNING_KEY"):
        checkpoint_ledger(now=NOW)
    assert not LedgerCheckpoint.objects.exists()


def test_production_never_generates_a_key_file(settings, tmp_path):
    settings.PRODUCTION = True
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = str(tmp_path / "key.pem")

    with pytest.raises(signing.SigningKeyMissing, match="does not exist"):
        signing.sign(lambda kid: b"x")
    assert not (tmp_path / "key.pem").exists()


def test_development_generates_its_key_file_once_private_to_the_owner(settings, tmp_path):
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = str(tmp_path / ".ledger_signing_key")
    assert signing.public_keys() == {}  # reading never generates a key

    kid, _ = signing.sign(lambda kid: b"x")
    again, _ = signing.sign(lambda kid: b"y")
    path = tmp_path / ".ledger_signing_key"
    assert kid == again and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")


def test_a_key_given_as_base64_raw_bytes_signs_like_its_pem(settings):
    pem = new_pem()
    private = serialization.load_pem_private_key(pem.encode(), password=None)
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    settings.LEDGER_SIGNING_KEY = base64.b64encode(raw).decode()
    from_raw, _ = signing.sign(lambda kid: b"x")
    settings.LEDGER_SIGNING_KEY = pem
    assert signing.sign(lambda kid: b"x")[0] == from_raw
    settings.LEDGER_SIGNING_KEY = base64.b64encode(raw[:16]).decode()
    with pytest.raises(signing.SigningKeyMissing, match="32 raw bytes"):
        signing.sign(lambda kid: b"x")


# --- The well-known URL -------------------------------------------------------------------------


def test_the_public_keys_are_served_anonymously_as_a_cacheable_jwks(client, settings):
    response = client.get("/.well-known/ledger-keys.json")

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]
    (key,) = response.json()["keys"]
    assert {name: key[name] for name in ("kty", "crv", "use", "alg")} == {
        "kty": "OKP",
        "crv": "Ed25519",
        "use": "sig",
        "alg": "EdDSA",
    }
    assert key["x"] == raw_x(settings.LEDGER_SIGNING_KEY)
    # kid is the RFC 7638 thumbprint anyone can recompute from the published members.
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": key["x"]}, separators=(",", ":")).encode()
    assert key["kid"] == base64.urlsafe_b64encode(hashlib.sha256(members).digest()).rstrip(b"=").decode()
    Ed25519PublicKey.from_public_bytes(signing.b64url_decode(key["x"]))
    assert "private" not in json.dumps(response.json()).lower() and "d" not in key
    assert client.post("/.well-known/ledger-keys.json").status_code == 405


# --- Append-only ---------------------------------------------------------------------------------


def test_checkpoints_refuse_update_and_delete_through_the_orm(version):
    checkpoint, _ = checkpoint_ledger(now=NOW)
    with pytest.raises(LedgerAppendOnlyError):
        checkpoint.save()
    with pytest.raises(LedgerAppendOnlyError):
        checkpoint.delete()
    with pytest.raises(LedgerAppendOnlyError):
        LedgerCheckpoint.objects.filter(pk=checkpoint.pk).update(count=9)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE attestations_ledgercheckpoint SET head_hash = repeat('f', 64)",
        "DELETE FROM attestations_ledgercheckpoint",
        "TRUNCATE attestations_ledgercheckpoint CASCADE",
    ],
)
def test_the_database_refuses_to_change_or_remove_checkpoints(version, statement):
    append(version, 1)
    checkpoint, _ = checkpoint_ledger(now=NOW)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement)
    assert LedgerCheckpoint.objects.get(pk=checkpoint.pk).head_hash == checkpoint.head_hash


@pytest.mark.parametrize(
    ("retired", "message"),
    [
        ([{"x": "not-a-key"}], "each entry needs x"),
        (["a string"], "must be a JSON list of objects"),
        ([{"x": "A" * 43, "valid_until": "yesterday"}], "ISO 8601 date and time with a zone"),
    ],
)
def test_a_misconfigured_retired_key_list_is_a_clear_error(settings, retired, message):
    from django.core.exceptions import ImproperlyConfigured

    settings.LEDGER_RETIRED_KEYS = retired
    with pytest.raises(ImproperlyConfigured, match=message):
        signing.public_keys()
