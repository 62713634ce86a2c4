"""Evidence packages for auditors (issue 18): export, then verify with only the package and the
public key; every kind of tampering is refused, naming the member at fault."""

import datetime
import hashlib
import io
import itertools
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from attestations import ledger
from attestations.models import Evidence, LedgerCheckpoint
from attestations.services.checkpoints import checkpoint_ledger
from compliance.models import ComplianceReport
from compliance.services import evidence
from governance import jobs, signing
from governance.models import Job
from tests.attestations.builders import published_obligations, rewrite_from, unguarded
from tests.clock import noon_on
from tests.factories import DepartmentFactory, EmployeeFactory

TODAY = datetime.date(2026, 11, 24)
NOW = noon_on(TODAY)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]

START, END = datetime.date(2026, 11, 5), datetime.date(2026, 11, 20)


def at(day):
    return noon_on(datetime.date(2026, 11, day))


@pytest.fixture
def org(private_storage, time_machine):
    """Two departments; records before, in and after the period; a checkpoint the day after it;
    one in-period record with an evidence file."""
    sales, engineering = DepartmentFactory(name="Sales"), DepartmentFactory(name="Engineering")
    seller, engineer = EmployeeFactory(department=sales), EmployeeFactory(department=engineering)
    time_machine.move_to(at(1) - datetime.timedelta(days=30))  # published before the period
    version, obligations = published_obligations(engineer)
    time_machine.move_to(NOW)
    screenshot = b"\x89PNG fake screenshot bytes"
    proof = Evidence(
        employee=engineer, content_type="image/png", size=len(screenshot), sha256=hashlib.sha256(screenshot).hexdigest()
    )
    proof.file.save("shot.png", ContentFile(screenshot), save=False)
    proof.save()

    def append(employee, day, **kwargs):
        return ledger.append_record(
            kind="attestation",
            employee=employee,
            policy_version=version,
            statement="I switched training off.",
            created_at=at(day),
            **kwargs,
        )

    records = {
        "before": [append(seller, 1), append(engineer, 2)],
        "in": [append(seller, 10), append(engineer, 15, evidence=proof, platform=obligations[0].platform)],
    }
    records["in"].append(append(engineer, 20))
    with_time = checkpoint_ledger(now=at(21))[0]
    records["after"] = [append(seller, 22)]
    return {
        "sales": sales,
        "engineering": engineering,
        "version": version,
        "records": records,
        "checkpoint": with_time,
        "screenshot": screenshot,
    }


def export(tmp_path, *departments, name="package.zip", extra=()):
    out = tmp_path / name
    args = ["--from", START.isoformat(), "--to", END.isoformat(), "--out", str(out)]
    for department in departments:
        args += ["--department", str(department)]
    call_command("export_evidence", *args, *extra, stdout=io.StringIO())
    return out


def verify(path, *extra):
    out = io.StringIO()
    call_command("verify_evidence", str(path), *extra, stdout=out)
    return out.getvalue()


def refusal(path, *extra):
    with pytest.raises(CommandError) as error:
        verify(path, *extra)
    return str(error.value)


def members(path):
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


_tampered = itertools.count(1)


def rewrite(path, changes, *, pem=None, manifest_changes=None):
    """A copy of the package with members replaced (None: removed). With ``pem``, the manifest is
    brought in line with the new members and signed again with that key: a forger who holds
    a key, or who rewrites consistently and re-signs."""
    content = members(path)
    for name, data in changes.items():
        if data is None:
            content.pop(name, None)
        else:
            content[name] = data
    if pem is not None:
        manifest = json.loads(content["manifest.json"])
        manifest["members"] = [
            {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in sorted(content.items())
            if name not in ("manifest.json", "manifest.json.sig")
        ]
        manifest.update(manifest_changes or {})
        data = json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n"
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        content["manifest.json"] = data
        content["manifest.json.sig"] = key.sign(data)
    target = Path(f"{path}.tampered-{next(_tampered)}.zip")
    with zipfile.ZipFile(target, "w") as package:
        for name, data in content.items():
            package.writestr(name, data)
    return target


def test_an_exported_package_verifies_and_holds_what_an_auditor_needs(org, tmp_path):
    path = export(tmp_path)

    summary = verify(path)
    content = members(path)
    manifest = json.loads(content["manifest.json"])
    assert "OK: evidence package for 2026-11-05 to 2026-11-20 (Whole organization)" in summary
    assert "3 ledger records" in summary and "1 evidence file" in summary
    # The report's files, through the report builder: one report built for the package.
    report = ComplianceReport.objects.get()
    assert manifest["reports"][0]["report"] == report.pk and manifest["reports"][0]["built_for_this_package"]
    assert hashlib.sha256(content[manifest["reports"][0]["pdf"]]).hexdigest() == report.pdf_sha256
    assert hashlib.sha256(content[manifest["reports"][0]["csv"]]).hexdigest() == report.csv_sha256
    # The version in force with its text and rules; the tools and settings they required.
    versions = json.loads(content["policies/versions.json"])
    assert [v["id"] for v in versions] == [org["version"].pk]
    assert versions[0]["text_markdown"] == org["version"].body_markdown and len(versions[0]["rules"]) == 2
    settings_required = {r["setting"]["id"] for rule in versions[0]["rules"] for r in rule["required_settings"]}
    assert {s["id"] for s in json.loads(content["catalog/settings.json"])} == settings_required
    assert len(json.loads(content["catalog/platforms.json"])) == 2
    # The period's records, each line its canonical content, hashing to its hash.
    lines = content["ledger/records.jsonl"].splitlines()
    assert lines == [ledger.canonical_bytes(record) for record in org["records"]["in"]]
    assert [hashlib.sha256(line).hexdigest() for line in lines] == [r.hash for r in org["records"]["in"]]
    chain = [json.loads(line) for line in content["ledger/chain.jsonl"].splitlines()]
    assert [(e["position"], e["record"], e["content"]) for e in chain] == [
        (3 + i, r.pk, True) for i, r in enumerate(org["records"]["in"])
    ]  # up to checkpoint of the day after (position 5), the anchor
    checkpoints = json.loads(content["ledger/checkpoints.json"])
    assert {c["checkpoint"] for c in checkpoints} == set(LedgerCheckpoint.objects.values_list("pk", flat=True))
    assert manifest["ledger"]["anchor_checkpoint"] == org["checkpoint"].pk
    assert content[manifest["evidence_files"][0]["member"]] == org["screenshot"]
    # Every member listed with its hash; the public key and kid; the signature verifies.
    assert {m["name"] for m in manifest["members"]} == set(content) - {"manifest.json", "manifest.json.sig"}
    assert manifest["kid"] == signing.current_public_key().kid == manifest["signing_key"]["kid"]
    signing.current_public_key().key.verify(content["manifest.json.sig"], content["manifest.json"])


def test_a_period_up_to_today_is_anchored_by_the_checkpoint_the_export_writes(org, tmp_path):
    out = tmp_path / "today.zip"
    call_command(
        "export_evidence", "--from", "2026-11-22", "--to", "2026-11-24", "--out", str(out), stdout=io.StringIO()
    )

    assert "1 ledger record (1 chain entry, positions 6 to 6)" in verify(out)
    manifest = json.loads(members(out)["manifest.json"])
    newest = LedgerCheckpoint.objects.order_by("-count").first()
    assert (newest.count, manifest["ledger"]["anchor_checkpoint"]) == (6, newest.pk)


def test_a_period_without_records_still_verifies(org, tmp_path):
    out = tmp_path / "quiet.zip"
    call_command(
        "export_evidence", "--from", "2026-11-03", "--to", "2026-11-04", "--out", str(out), stdout=io.StringIO()
    )

    assert "0 ledger records (0 chain entries)" in verify(out)


def test_a_department_package_holds_only_its_records_content_and_links_the_others(org, tmp_path):
    path = export(tmp_path, org["engineering"].name)

    assert "2 ledger records (3 chain entries" in verify(path)
    content = members(path)
    chain = [json.loads(line) for line in content["ledger/chain.jsonl"].splitlines()]
    assert [e["content"] for e in chain] == [False, True, True]  # the seller's record is a link only
    assert len(content["ledger/records.jsonl"].splitlines()) == 2
    assert ComplianceReport.objects.get().scope.startswith("Engineering")


def test_the_package_verifies_with_the_published_key_set_and_not_with_another_key(org, tmp_path, client):
    path = export(tmp_path)
    published = tmp_path / "ledger-keys.json"
    published.write_bytes(client.get(reverse("ledger-keys")).content)
    other = tmp_path / "other.json"
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other.write_text(json.dumps(signing.PublicKey(Ed25519PrivateKey.generate().public_key()).jwk()))

    assert "(the key given)" in verify(path, "--key", str(published))
    assert "manifest.json" in refusal(path, "--key", str(other))


def test_verification_reads_no_database(org, tmp_path, django_assert_num_queries):
    path = export(tmp_path)

    with django_assert_num_queries(0):
        assert "OK" in verify(path)


def test_verification_runs_in_a_process_that_cannot_reach_any_database(org, tmp_path):
    path = export(tmp_path)
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none"}
    manage = Path(__file__).resolve().parents[2] / "manage.py"

    run = subprocess.run(
        [sys.executable, str(manage), "verify_evidence", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    broken = subprocess.run(
        [sys.executable, str(manage), "verify_evidence", str(rewrite(path, {"policies/versions.json": b"[]"}))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode == 0, run.stderr
    assert "OK: evidence package" in run.stdout
    assert broken.returncode == 1 and "REFUSED policies/versions.json" in broken.stderr


@pytest.mark.postgres
def test_a_package_verifies_once_the_ledger_tables_are_emptied(org, tmp_path):
    path = export(tmp_path)
    unguarded(
        ("UPDATE governance_compliancereport SET ledger_checkpoint_id = NULL", []),
        ("DELETE FROM governance_attestationanswer", []),
        ("DELETE FROM governance_attestation", []),
        ("DELETE FROM attestations_ledgercheckpoint", []),
    )
    assert not LedgerCheckpoint.objects.exists()

    assert "3 ledger records" in verify(path)


@pytest.mark.postgres
def test_an_edited_record_in_the_database_stops_the_export(org, tmp_path):
    edited = org["records"]["in"][1]
    unguarded(("UPDATE governance_attestation SET statement = %s WHERE id = %s", ["Edited.", edited.pk]))

    with pytest.raises(CommandError) as error:
        export(tmp_path)
    assert f"The ledger is broken at record {edited.pk} (its content does not match its hash)" in str(error.value)
    assert not list((tmp_path).glob("*.zip"))


@pytest.mark.postgres
def test_the_ledger_is_checked_against_a_package_even_when_nothing_in_the_database_anchors_it(org, tmp_path):
    path = export(tmp_path)
    shown = verify(path, "--against-ledger")
    assert "OK: this database's ledger" in shown and "holds the package's records unchanged" in shown
    # Whoever can rewrite the database edits a record of the period, recomputes every later hash
    # and removes what anchors the chain inside the database: verify_ledger has nothing to hold on to.
    rewrite_from(org["records"]["in"][0], "Edited after the export.")
    unguarded(
        ("UPDATE governance_compliancereport SET ledger_checkpoint_id = NULL, csv_sha256 = ''", []),
        ("DELETE FROM attestations_ledgercheckpoint", []),
    )
    call_command("verify_ledger", stdout=io.StringIO())

    message = refusal(path, "--against-ledger")
    assert message.startswith("LEDGER BROKEN at record ")
    assert "contradicting the package package.zip (position 5)" in message, message


def test_a_changed_byte_in_any_member_is_refused_naming_it(org, tmp_path):
    path = export(tmp_path)
    for name, data in members(path).items():
        if name in ("manifest.json", "manifest.json.sig"):
            continue
        changed = bytearray(data)
        changed[len(changed) // 2] ^= 0x01
        assert f"REFUSED {name}:" in refusal(rewrite(path, {name: bytes(changed)})), name


def test_a_flipped_byte_in_the_zip_file_itself_is_refused_naming_the_member(org, tmp_path):
    path = export(tmp_path)
    with zipfile.ZipFile(path) as package:
        infos = [info for info in package.infolist() if info.compress_size > 8]
    for info in infos:
        raw = bytearray(path.read_bytes())
        # The member's data starts after its local header (30 bytes, its name, its extra field).
        name_length = int.from_bytes(raw[info.header_offset + 26 : info.header_offset + 28], "little")
        extra_length = int.from_bytes(raw[info.header_offset + 28 : info.header_offset + 30], "little")
        start = info.header_offset + 30 + name_length + extra_length
        raw[start + info.compress_size // 2] ^= 0x10
        damaged = tmp_path / f"damaged-{len(raw)}-{info.header_offset}.zip"
        damaged.write_bytes(bytes(raw))
        assert f"REFUSED {info.filename}" in refusal(damaged), info.filename


def test_a_changed_manifest_or_signature_is_refused(org, tmp_path):
    path = export(tmp_path)
    content = members(path)
    manifest = content["manifest.json"].replace(b'"to": "2026-11-20"', b'"to": "2026-11-21"')
    assert manifest != content["manifest.json"]
    signature = bytearray(content["manifest.json.sig"])
    signature[0] ^= 0x01

    assert "REFUSED manifest.json" in refusal(rewrite(path, {"manifest.json": manifest}))
    assert "manifest.json.sig" in refusal(rewrite(path, {"manifest.json.sig": bytes(signature)}))
    assert "REFUSED manifest.json.sig: it is missing" in refusal(rewrite(path, {"manifest.json.sig": None}))


def test_a_missing_or_an_extra_member_is_refused_naming_it(org, tmp_path):
    path = export(tmp_path)
    evidence_member = json.loads(members(path)["manifest.json"])["evidence_files"][0]["member"]

    assert f"REFUSED {evidence_member}: the manifest lists it" in refusal(rewrite(path, {evidence_member: None}))
    assert "REFUSED notes.txt: the package holds it but the manifest" in refusal(rewrite(path, {"notes.txt": b"hello"}))


def test_an_edited_record_is_refused_even_when_its_hash_and_the_manifest_are_recomputed_and_signed(
    org, tmp_path, ledger_signing_pem
):
    path = export(tmp_path)
    content = members(path)
    lines = content["ledger/records.jsonl"].splitlines()
    edited = json.loads(lines[0])
    edited["statement"] = "I did nothing."
    new_line = json.dumps(edited, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    new_records = b"\n".join([new_line, *lines[1:]]) + b"\n"
    chain = content["ledger/chain.jsonl"].splitlines()
    entry = json.loads(chain[0])
    entry["hash"] = hashlib.sha256(new_line).hexdigest()  # the record's hash recomputed
    new_chain = b"\n".join([json.dumps(entry, sort_keys=True, separators=(",", ":")).encode(), *chain[1:]]) + b"\n"

    only_content = rewrite(path, {"ledger/records.jsonl": new_records}, pem=ledger_signing_pem)
    rehashed = rewrite(
        path, {"ledger/records.jsonl": new_records, "ledger/chain.jsonl": new_chain}, pem=ledger_signing_pem
    )

    first = org["records"]["in"][0]
    assert f"REFUSED ledger/records.jsonl: the content of record {first.pk} (position 3) does not hash" in refusal(
        only_content
    )
    assert f"REFUSED ledger/chain.jsonl: record {org['records']['in'][1].pk} (position 4): its prev_hash" in refusal(
        rehashed
    )


def test_a_rewritten_chain_end_contradicts_the_signed_checkpoint(org, tmp_path, ledger_signing_pem):
    path = export(tmp_path)
    content = members(path)
    lines = content["ledger/records.jsonl"].splitlines()
    edited = json.loads(lines[-1])
    edited["statement"] = "Edited."
    new_line = json.dumps(edited, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    chain = content["ledger/chain.jsonl"].splitlines()
    entry = json.loads(chain[-1])
    entry["hash"] = hashlib.sha256(new_line).hexdigest()
    tampered = rewrite(
        path,
        {
            "ledger/records.jsonl": b"\n".join([*lines[:-1], new_line]) + b"\n",
            "ledger/chain.jsonl": b"\n".join([*chain[:-1], json.dumps(entry).encode()]) + b"\n",
        },
        pem=ledger_signing_pem,
    )

    assert f"checkpoint {org['checkpoint'].pk} says that record's hash is" in refusal(tampered)


def test_a_forged_checkpoint_is_refused(org, tmp_path, ledger_signing_pem):
    path = export(tmp_path)
    checkpoints = json.loads(members(path)["ledger/checkpoints.json"])
    checkpoints[0]["signed"] = checkpoints[0]["signed"].replace('"count":5', '"count":4')
    tampered = rewrite(path, {"ledger/checkpoints.json": json.dumps(checkpoints).encode()}, pem=ledger_signing_pem)

    assert "REFUSED ledger/checkpoints.json: checkpoint" in refusal(tampered)
    assert "its signature does not verify" in refusal(tampered)


def test_without_a_key_the_summary_says_the_package_vouches_for_itself(org, tmp_path):
    path = export(tmp_path)
    assert "the package's own key" in verify(path)


def test_the_evidence_files_can_be_left_out(org, tmp_path):
    path = export(tmp_path, extra=["--without-evidence-files"])

    assert "0 evidence files" in verify(path)
    assert not [name for name in members(path) if name.startswith("evidence/")]


def test_a_report_built_in_the_period_is_reused_rather_than_built_again(org, tmp_path):
    first = export(tmp_path, name="first.zip")
    ComplianceReport.objects.filter(as_of__isnull=False).update(as_of=at(19))

    export(tmp_path, name="second.zip")

    assert ComplianceReport.objects.count() == 1
    assert "OK" in verify(first)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-11-20"], "--from: '2026-13-01' is not a date"),
        (["--from", "2026-11-20", "--to", "2026-11-05"], "--to: The period ends (2026-11-05) before it starts"),
        (["--from", "2026-11-01", "--to", "2026-12-01"], "--to: The period cannot end after today (2026-11-24)"),
        (["--from", "2026-11-01", "--to", "2026-11-20", "--department", "Nowhere"], "No department 'Nowhere'"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(org, tmp_path, args, message):
    with pytest.raises(CommandError, match=None) as error:
        call_command("export_evidence", *args, "--out", str(tmp_path / "x.zip"))
    assert message in str(error.value)
    assert not Job.objects.exists()


def test_an_unwritable_or_missing_target_is_refused(org, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    base = ["--from", "2026-11-05", "--to", "2026-11-20"]
    cases = [
        (tmp_path / "missing" / "x.zip", "does not exist"),
        (tmp_path, "is a directory"),
        (Path("/proc/evidence.zip"), "--out /proc/evidence.zip: "),  # the write itself fails
    ]
    if os.geteuid() != 0:  # root may write anywhere the file system lets it
        cases.append((locked / "x.zip", "may not write there"))
    try:
        for out, message in cases:
            with pytest.raises(CommandError) as error:
                call_command("export_evidence", *base, "--out", str(out), stdout=io.StringIO())
            assert message in str(error.value)
    finally:
        locked.chmod(0o700)


def test_an_ambiguous_department_name_asks_for_its_id(org, tmp_path):
    DepartmentFactory(name="Sales")
    with pytest.raises(CommandError) as error:
        call_command("export_evidence", "--from", "2026-11-05", "--to", "2026-11-20", "--department", "sales",
                     "--out", str(tmp_path / "x.zip"))  # fmt: skip
    assert "names 2 departments; use its id" in str(error.value)


def test_verify_refuses_what_is_not_a_package_and_a_bad_key_file(org, tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    path = export(tmp_path)
    bad_key = tmp_path / "key.json"
    bad_key.write_text('{"kty": "RSA"}')

    assert "it is not a readable zip file" in refusal(junk)
    assert "every key must be a JWK with kty OKP" in refusal(path, "--key", str(bad_key))


# --- From the reports page, as a job ---------------------------------------------------------


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def test_the_reports_page_starts_the_job_whose_package_downloads_and_verifies(org, officer_client, tmp_path):
    assert officer_client.get(reverse("reports:list")).status_code == 200

    response = officer_client.post(
        reverse("reports:evidence"),
        {"start": "2026-11-05", "end": "2026-11-20", "department": [org["engineering"].pk], "evidence_files": "1"},
    )
    job = Job.objects.get(kind=evidence.EXPORT_EVIDENCE)
    assert response.status_code == 302 and response["Location"] == reverse("job", args=[job.pk])
    assert job.params == {
        "start": "2026-11-05",
        "end": "2026-11-20",
        "departments": [org["engineering"].pk],
        "evidence_files": True,
    }
    polled = f'hx-get="{reverse("job-progress", args=[job.pk])}'.encode()  # the one progress partial
    page = officer_client.get(reverse("job", args=[job.pk]))
    assert page.status_code == 200 and polled in page.content
    assert polled in officer_client.get(reverse("reports:list")).content  # shown while it runs

    assert jobs.run_job(job.pk) == "done"
    assert jobs.run_job(job.pk) == "skipped"  # a second delivery finds it done
    job.refresh_from_db()
    assert job.message.startswith("Evidence package ready: ") and job.result["records"] == 2
    assert job.return_url == reverse("reports:evidence-download", args=[job.pk])
    download = officer_client.get(reverse("reports:evidence-download", args=[job.pk]))
    body = b"".join(download.streaming_content)
    assert download["Content-Type"] == "application/zip" and download["X-Content-SHA256"] == job.result["sha256"]
    assert hashlib.sha256(body).hexdigest() == job.result["sha256"]
    saved = tmp_path / "downloaded.zip"
    saved.write_bytes(body)
    assert "2 ledger records" in verify(saved)
    listing = officer_client.get(reverse("reports:list"))
    assert reverse("reports:evidence-download", args=[job.pk]).encode() in listing.content
    # The report built for it is a report like the others, done with the job.
    assert ComplianceReport.objects.get().status == "done"


def test_starting_the_same_package_twice_while_it_runs_gives_the_one_job(org, officer_client):
    data = {"start": "2026-11-05", "end": "2026-11-20"}
    officer_client.post(reverse("reports:evidence"), data)
    officer_client.post(reverse("reports:evidence"), data)
    assert Job.objects.filter(kind=evidence.EXPORT_EVIDENCE).count() == 1


def test_the_page_says_what_is_wrong_with_the_request(org, officer_client):
    response = officer_client.post(reverse("reports:evidence"), {"start": "2026-11-20", "end": "2026-11-05"})
    assert response.status_code == 400
    assert b"before it starts" in response.content and not Job.objects.exists()


def test_only_officers_start_and_download_packages(org, client, employee_user, officer):
    job, _ = evidence.start_export(evidence.parse_request(start="2026-11-05", end="2026-11-20"), actor=officer)
    jobs.run_job(job.pk)
    client.force_login(employee_user)

    assert client.post(reverse("reports:evidence"), {"start": "2026-11-05", "end": "2026-11-20"}).status_code == 403
    assert client.get(reverse("reports:evidence-download", args=[job.pk])).status_code == 403
    client.logout()
    assert client.get(reverse("reports:evidence-download", args=[job.pk])).status_code == 302


def test_a_job_whose_department_is_gone_fails_saying_so_and_keeps_no_file(org, officer, private_storage):
    job, _ = evidence.start_export(
        evidence.parse_request(start="2026-11-05", end="2026-11-20", departments=[org["sales"].pk]), actor=officer
    )
    Job.objects.filter(pk=job.pk).update(params={**job.params, "departments": [999999]})

    assert jobs.run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.message == "Department 999999 no longer exists; ask for the package again."
    assert not list(private_storage.glob("evidence-packages/**/*.zip"))


def test_an_answer_the_extension_read_is_exported_with_its_source_and_verifies(org, tmp_path):
    from attestations.models import Obligation

    obligation = Obligation.objects.select_related("employee").order_by("pk").first()
    requirement = obligation.rule.required_settings.select_related("setting").get()
    observed = {
        "setting": requirement.setting.key,
        "setting_id": requirement.setting_id,
        "label": requirement.setting.label,
        "revision": requirement.setting.revision,
        "required": requirement.required_value,
        "value": requirement.required_value,
        "compliant": True,
        "source": "extension",
        "probe_revision": 2,
    }
    record = ledger.append_record(
        kind="attestation",
        employee=obligation.employee,
        obligation=obligation,
        platform=obligation.platform,
        policy_version=org["version"],
        answers=[observed],
        compliant=True,
        tool_used=True,
        statement="I confirm that the settings above are what my browser showed, read by the browser extension.",
    )
    out = tmp_path / "observed.zip"
    call_command(
        "export_evidence", "--from", "2026-11-22", "--to", "2026-11-24", "--out", str(out), stdout=io.StringIO()
    )

    assert "OK: evidence package" in verify(out)
    last = members(out)["ledger/records.jsonl"].splitlines()[-1]
    assert hashlib.sha256(last).hexdigest() == record.hash, "the hash covers the source"
    (answer,) = json.loads(last)["answers"]
    assert (answer["source"], answer["probe_revision"]) == ("extension", 2)
