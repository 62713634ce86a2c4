import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageFile

from attestations import ledger
from attestations.models import Attestation, AttestationAnswer, Evidence, ObligationStatus
from attestations.services.attest import (
    DuplicateSubmission,
    VersionNoLongerCurrent,
    acknowledge_policy,
    attestation_statement,
    form_state,
    signature_matches,
    submit_attestation,
)
from governance.models import AuditEvent
from policies.models import PolicyVersion
from tests.attestations.builders import published_obligations, safe_answers, unsafe_answers
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db
META = {"ip": "203.0.113.9", "user_agent": "pytest"}


@pytest.fixture
def employee():
    return EmployeeFactory(full_name="Chloé Martin")


@pytest.fixture
def obligation(employee):
    version, obligations = published_obligations(employee, tools=1, settings_per_tool=2)
    return obligations[0]


def submit(obligation, **kwargs):
    kwargs.setdefault("answers", safe_answers(obligation))
    kwargs.setdefault("tool_used", True)
    kwargs.setdefault("statement", attestation_statement(obligation))
    kwargs.setdefault("signature", obligation.employee.full_name)
    kwargs.setdefault("actor", None)
    kwargs.setdefault("request_meta", META)
    return submit_attestation(obligation=obligation, **kwargs)


def image_upload(fmt="PNG", name="shot.png", size=(40, 30), **save_kwargs):
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format=fmt, **save_kwargs)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture
def private_storage(monkeypatch, tmp_path):
    """Evidence written to a temporary private directory (the field resolved its storage at import)."""
    from django.core.files.storage import FileSystemStorage

    monkeypatch.setattr(Evidence._meta.get_field("file"), "storage", FileSystemStorage(location=tmp_path))
    return tmp_path


def test_compliant_answers_make_the_obligation_compliant_for_the_interval(obligation):
    record = submit(obligation)
    obligation.refresh_from_db()
    today = timezone.localdate()
    interval = obligation.policy_version.attestation_interval_days
    assert obligation.status == ObligationStatus.COMPLIANT
    assert obligation.valid_until == obligation.due_on == today + datetime.timedelta(days=interval)
    assert obligation.satisfied_by_id == record.pk
    assert obligation.last_attested_at == record.created_at
    assert record.compliant is True and record.tool_used is True
    assert record.personal_data.ip_address == "203.0.113.9" and record.personal_data.user_agent == "pytest"
    assert AttestationAnswer.objects.filter(attestation=record, compliant=True).count() == 2
    assert AuditEvent.objects.filter(action="attestation.submitted", object_id=str(obligation.pk)).exists()


def test_a_signature_that_waits_for_the_ledger_past_midnight_takes_the_records_time_and_day(obligation, monkeypatch):
    """The obligation changes before the ledger's lock; the record is stamped under it (the
    chain's times only go forward), and the obligation follows the record's time and day."""
    import zoneinfo

    import time_machine

    zone = zoneinfo.ZoneInfo(timezone.get_current_timezone_name())
    evening = datetime.datetime(2026, 12, 1, 23, 59, 59, tzinfo=zone)
    after_midnight = datetime.datetime(2026, 12, 2, 0, 0, 2, tzinfo=zone)
    real_append = ledger.append_record
    with time_machine.travel(evening, tick=False) as clock:

        def append_after_waiting(**kwargs):
            clock.move_to(after_midnight)  # the lock came free after midnight
            return real_append(**kwargs)

        monkeypatch.setattr(ledger, "append_record", append_after_waiting)
        record = submit(obligation)
    obligation.refresh_from_db()
    interval = datetime.timedelta(days=obligation.policy_version.attestation_interval_days)
    assert record.created_at == after_midnight
    assert obligation.last_attested_at == record.created_at and obligation.satisfied_by_id == record.pk
    assert obligation.valid_until == obligation.due_on == datetime.date(2026, 12, 2) + interval


def test_record_holds_each_setting_revision_and_value(obligation):
    record = submit(obligation)
    required = obligation.rule.required_settings.select_related("setting")
    expected = sorted((r.setting_id, r.setting.revision, r.required_value, r.required_value) for r in required)
    assert sorted((a["setting_id"], a["revision"], a["required"], a["value"]) for a in record.answers) == expected


def test_one_setting_not_at_the_required_value_makes_it_noncompliant_and_keeps_the_due_date(obligation):
    due = obligation.due_on
    answers = safe_answers(obligation)
    first_setting = next(iter(answers))
    answers[first_setting] = unsafe_answers(obligation)[first_setting]
    record = submit(obligation, answers=answers)
    obligation.refresh_from_db()
    assert record.compliant is False
    assert obligation.status == ObligationStatus.NONCOMPLIANT
    assert obligation.due_on == due and obligation.valid_until is None
    assert AttestationAnswer.objects.filter(attestation=record, compliant=False).count() == 1


def test_not_used_needs_no_answers(obligation):
    record = submit(obligation, tool_used=False, answers={})
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.NOT_USED
    assert record.answers == [] and record.tool_used is False and record.compliant is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"answers": {}}, "setting_"),
        ({"signature": ""}, "signature"),
        ({"signature": "Somebody Else"}, "signature"),
        ({"statement": " "}, "statement"),
        ({"tool_used": None}, "tool_used"),
    ],
)
def test_invalid_submission_stores_nothing(obligation, change, field):
    with pytest.raises(ValidationError) as raised:
        submit(obligation, **change)
    assert any(key.startswith(field) for key in raised.value.message_dict)
    assert Attestation.objects.count() == 0
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.PENDING


def test_unknown_value_is_refused(obligation):
    answers = dict.fromkeys(safe_answers(obligation), "maybe")
    with pytest.raises(ValidationError, match="Choose one of"):
        submit(obligation, answers=answers)
    assert Attestation.objects.count() == 0


@pytest.mark.parametrize("typed", ["chloé martin", "CHLOE  MARTIN", " Chloe Martin "])
def test_signature_is_the_full_name_regardless_of_case_accents_and_spaces(typed):
    assert signature_matches(typed, "Chloé Martin")


def test_signature_of_another_name_does_not_match():
    assert not signature_matches("Chloé", "Chloé Martin")


def test_second_submit_of_the_same_form_is_refused_and_stores_one_record(obligation):
    state = form_state(obligation)
    first = submit(obligation, state=state)
    with pytest.raises(DuplicateSubmission) as raised:
        submit(obligation, state=state)
    assert raised.value.latest == first
    assert Attestation.objects.filter(obligation=obligation).count() == 1


def test_a_fresh_form_may_attest_again(obligation):
    submit(obligation, state=form_state(obligation))
    obligation.refresh_from_db()
    submit(obligation, state=form_state(obligation), tool_used=False, answers={})
    assert Attestation.objects.filter(obligation=obligation).count() == 2
    assert ledger.verify_chain().ok


def test_submission_against_a_version_retired_meanwhile_is_refused(obligation):
    PolicyVersion.objects.filter(pk=obligation.policy_version_id).update(status="retired")
    with pytest.raises(VersionNoLongerCurrent, match="replaced"):
        submit(obligation)
    assert Attestation.objects.count() == 0


def test_submission_against_a_closed_obligation_is_refused(obligation):
    from attestations.models import Obligation

    Obligation.objects.filter(pk=obligation.pk).update(closed_at=timezone.now(), close_reason="superseded")
    with pytest.raises(VersionNoLongerCurrent):
        submit(obligation)
    assert Attestation.objects.count() == 0


def test_tier_is_required_where_the_rule_restricts_tiers_and_a_disallowed_tier_is_noncompliant(employee):
    _, (obligation,) = published_obligations(employee, tools=1, allowed_tiers=["team", "enterprise"])
    with pytest.raises(ValidationError) as raised:
        submit(obligation)
    assert "tier" in raised.value.message_dict
    with pytest.raises(ValidationError):
        submit(obligation, tier="platinum")
    record = submit(obligation, tier="free")
    assert record.compliant is False and record.tier == "free"
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.NONCOMPLIANT
    assert submit(obligation, tier="team").compliant is True


def test_evidence_is_reencoded_without_metadata_and_stored_privately(obligation, private_storage):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    upload = image_upload("JPEG", "shot.jpg", exif=exif.tobytes())
    assert b"SecretCam" in upload.read()
    upload.seek(0)
    record = submit(obligation, evidence_file=upload)
    evidence = Evidence.objects.get()
    assert record.evidence == evidence and record.evidence_sha256 == evidence.sha256
    assert evidence.content_type == "image/jpeg"
    stored = evidence.file.read()
    assert b"SecretCam" not in stored
    assert (private_storage / evidence.file.name).exists()
    assert not evidence.file.name.endswith("shot.jpg")


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("notes.png", b"this is not an image", content_type="image/png"),
        SimpleUploadedFile("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png"),
    ],
    ids=["not-an-image", "corrupt"],
)
def test_non_image_or_corrupt_evidence_is_refused_and_nothing_stored(obligation, private_storage, upload):
    with pytest.raises(ValidationError, match="not a readable image"):
        submit(obligation, evidence_file=upload)
    assert Attestation.objects.count() == 0 and Evidence.objects.count() == 0
    assert list(private_storage.rglob("*.*")) == []


def test_gif_evidence_is_refused(obligation, private_storage):
    with pytest.raises(ValidationError, match="PNG, JPEG or WebP"):
        submit(obligation, evidence_file=image_upload("GIF", "shot.gif"))
    assert Evidence.objects.count() == 0


def test_oversized_evidence_is_refused(obligation, private_storage):
    upload = SimpleUploadedFile("big.png", b"\x89PNG" + b"\x00" * (5 * 1024 * 1024), content_type="image/png")
    with pytest.raises(ValidationError, match="larger than 5 MB"):
        submit(obligation, evidence_file=upload)
    assert Evidence.objects.count() == 0


def test_acknowledgment_is_recorded_once(employee, obligation):
    version = obligation.policy_version
    first = acknowledge_policy(employee=employee, version=version, actor=None, request_meta=META)
    again = acknowledge_policy(employee=employee, version=version, actor=None, request_meta=META)
    assert first == again
    assert Attestation.objects.filter(kind="acknowledgment", employee=employee).count() == 1
    assert first.prev_hash == ledger.GENESIS_HASH


def test_a_retired_version_cannot_be_acknowledged(employee, obligation):
    PolicyVersion.objects.filter(pk=obligation.policy_version_id).update(status="retired")
    obligation.policy_version.refresh_from_db()
    with pytest.raises(VersionNoLongerCurrent):
        acknowledge_policy(employee=employee, version=obligation.policy_version, actor=None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_of_the_same_form_store_one_record():
    import threading

    from django.db import connections

    employee = EmployeeFactory(full_name="Ada Lovelace")
    _, (obligation,) = published_obligations(employee, tools=1)
    state = form_state(obligation)
    barrier = threading.Barrier(2)
    outcomes = []

    def worker():
        try:
            barrier.wait()
            submit(obligation, state=state)
            outcomes.append("stored")
        except DuplicateSubmission:
            outcomes.append("duplicate")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["duplicate", "stored"]
    assert Attestation.objects.filter(obligation=obligation).count() == 1


def test_a_tier_named_only_by_the_rule_is_accepted(employee):
    _, (obligation,) = published_obligations(employee, tools=1, allowed_tiers=["business"])
    assert submit(obligation, tier="business").compliant is True


def test_completing_the_last_tool_announces_the_employee_compliant_once(employee, django_capture_on_commit_callbacks):
    from attestations.signals import employee_compliance_changed

    _version, (first, second) = published_obligations(employee, tools=2)
    heard = []

    def listener(sender, employee, compliant, **kwargs):
        heard.append((employee.pk, compliant))

    employee_compliance_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            submit(first)
        assert heard == []  # one tool still open: nothing changed overall
        with django_capture_on_commit_callbacks(execute=True):
            submit(second)
        assert heard == [(employee.pk, True)]
        with django_capture_on_commit_callbacks(execute=True):
            submit(second, answers=unsafe_answers(second))
        assert heard == [(employee.pk, True), (employee.pk, False)]
    finally:
        employee_compliance_changed.disconnect(listener)


def test_a_small_file_of_too_many_pixels_is_refused_before_it_is_decoded(obligation, private_storage, monkeypatch):
    # 6,324 x 6,324 compresses to a few KB and would decode to about 300 MB.
    buffer = io.BytesIO()
    Image.new("1", (6324, 6324)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("bomb.png", buffer.getvalue(), content_type="image/png")
    assert upload.size < 155 * 1024
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size))
    with pytest.raises(ValidationError, match="6,324 x 6,324 pixels; at most 16 million"):
        submit(obligation, evidence_file=upload)
    assert decoded == [] and Evidence.objects.count() == 0
