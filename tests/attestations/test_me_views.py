import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from attestations.models import Attestation, Evidence, Obligation, ObligationStatus, PolicyException
from attestations.services.attest import acknowledge_policy, attestation_statement, submit_attestation
from governance.models import Job
from policies.models import PolicyVersion
from tests.attestations.builders import new_version, published_obligations, safe_answers, unsafe_answers
from tests.connections import another_connection
from tests.factories import ObligationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_storage(monkeypatch, tmp_path):
    from django.core.files.storage import FileSystemStorage

    monkeypatch.setattr(Evidence._meta.get_field("file"), "storage", FileSystemStorage(location=tmp_path))
    return tmp_path


@pytest.fixture
def me(employee_user):
    return employee_user.employee


@pytest.fixture
def signed_in(client, employee_user):
    client.force_login(employee_user)
    return client


@pytest.fixture
def obligations(me):
    version, obligations = published_obligations(me, tools=2, settings_per_tool=2)
    return obligations


@pytest.fixture
def acknowledged(me, obligations):
    acknowledge_policy(employee=me, version=obligations[0].policy_version, actor=None)
    return obligations


def form_data(client, obligation, *, answers=None, used="yes", signature=None, **extra):
    """What the browser posts: the form's hidden state plus the answers."""
    page = client.get(reverse("me-tool", args=[obligation.pk]))
    state = page.context["form"].initial["state"]
    data = {"state": state, "tool_used": used, "confirm": "on", "signature": signature or obligation.employee.full_name}
    for setting_id, value in (answers if answers is not None else safe_answers(obligation)).items():
        data[f"setting_{setting_id}"] = value
    data.update(extra)
    return data


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buffer, format="PNG")
    return buffer.getvalue()


# --- My AI tools --------------------------------------------------------------------------


def test_my_tools_shows_a_card_per_open_obligation_with_status_and_progress(signed_in, me, acknowledged):
    first, second = acknowledged
    submit_attestation(
        obligation=first,
        answers=safe_answers(first),
        tool_used=True,
        statement="s",
        signature=me.full_name,
        actor=None,
    )
    closed = ObligationFactory(employee=me, closed_at="2026-01-01T00:00Z", close_reason="superseded")
    page = signed_in.get(reverse("me")).content.decode()
    assert "1 of 2 tools done" in page
    assert first.platform.name in page and second.platform.name in page
    assert "Compliant until" in page and "Due on" in page
    assert closed.platform.name not in page


def test_policy_text_to_acknowledge_is_shown_first_until_acknowledged(signed_in, me, obligations):
    version = obligations[0].policy_version
    page = signed_in.get(reverse("me")).content.decode()
    assert version.body_markdown in page and "I have read the policy" in page
    response = signed_in.post(reverse("me-acknowledge", args=[version.pk]))
    assert response.status_code == 302
    signed_in.post(reverse("me-acknowledge", args=[version.pk]))
    assert Attestation.objects.filter(kind="acknowledgment", employee=me).count() == 1
    assert "I have read the policy" not in signed_in.get(reverse("me")).content.decode()


def test_policy_markdown_is_rendered_and_sanitized(signed_in, me):
    body = (
        "Use **approved** tools only.\n\n<script>alert(1)</script>\n\n[help](javascript:alert(2))\n\n"
        "| Tool | Stance |\n| --- | --- |\n| ChatGPT | Approved |\n"
    )
    published_obligations(me, tools=1, version=new_version(body_markdown=body))
    page = signed_in.get(reverse("me")).content.decode()
    policy = page.split('class="policy-text"')[1].split("</div>")[0]
    assert "<strong>approved</strong>" in policy
    assert "<td>ChatGPT</td>" in policy  # the same renderer as the policy pages: tables work
    assert "<script" not in policy and "javascript:" not in policy


def test_acknowledging_a_version_without_an_obligation_is_404(signed_in, make_user):
    other = make_user().employee
    version, _ = published_obligations(other, tools=1)
    assert signed_in.post(reverse("me-acknowledge", args=[version.pk])).status_code == 404
    assert Attestation.objects.count() == 0


@pytest.mark.parametrize("tools", [3, 30])
def test_my_tools_query_count_is_bounded(signed_in, me, tools, django_assert_max_num_queries):
    version, obligations = published_obligations(me, tools=tools, settings_per_tool=2)
    acknowledge_policy(employee=me, version=version, actor=None)
    for obligation in obligations[::2]:
        submit_attestation(
            obligation=obligation, answers={}, tool_used=False, statement="s", signature=me.full_name, actor=None
        )
    with django_assert_max_num_queries(12):
        response = signed_in.get(reverse("me"))
    assert response.status_code == 200
    assert f"{len(obligations[::2])} of {tools} tools done" in response.content.decode()


def test_account_without_employee_sees_a_clear_empty_state(client, make_user):
    client.force_login(make_user(employee=False))
    assert "not linked to an employee record" in client.get(reverse("me")).content.decode()


# --- The attestation page -----------------------------------------------------------------


def test_tool_page_explains_each_setting(signed_in, acknowledged):
    obligation = acknowledged[0]
    page = signed_in.get(reverse("me-tool", args=[obligation.pk])).content.decode()
    for requirement in obligation.rule.required_settings.select_related("setting"):
        setting = requirement.setting
        assert setting.label in page
        for step in setting.navigation_steps:
            assert step in page
        assert f'href="{setting.settings_url}" target="_blank" rel="noopener noreferrer"' in page
        assert f'name="setting_{setting.pk}"' in page
    assert "Required value: <strong>Off</strong>" in page
    assert "I do not use" in page
    assert attestation_statement(obligation) in page


def test_an_unacknowledged_policy_never_blocks_attesting(signed_in, obligations):
    obligation = obligations[0]
    page = signed_in.get(reverse("me")).content.decode()
    assert "I have read the policy" in page  # still asked, first on the page
    assert "Acknowledge the policy above first" not in page
    assert reverse("me-tool", args=[obligation.pk]) in page
    response = signed_in.post(reverse("me-tool", args=[obligation.pk]), form_data(signed_in, obligation))
    assert response.status_code == 302
    assert Attestation.objects.filter(kind="attestation", obligation=obligation).count() == 1


def test_a_changed_text_shows_what_changed_since_the_acknowledged_version(signed_in, me, acknowledged):
    from attestations.services.publishing import publish_policy_version
    from policies.services import create_draft, update_version

    v1 = acknowledged[0].policy_version
    v2 = create_draft(policy=v1.policy, actor=None)
    update_version(version=v2, actor=None, body_markdown=v1.body_markdown + "\r\n\r\nNever paste customer data.")
    publish_policy_version(version=v2, actor=None)
    page = signed_in.get(reverse("me")).content.decode()
    section = page.split('id="policy"')[1].split("</section>")[0]
    assert f"What changed since version {v1.number}, which you acknowledged" in section
    assert '<ins><span class="visually-hidden">Added: </span>Never paste customer data.</ins>' in section


def test_compliant_submit_leads_to_the_receipt(signed_in, me, acknowledged):
    obligation = acknowledged[0]
    response = signed_in.post(reverse("me-tool", args=[obligation.pk]), form_data(signed_in, obligation))
    record = Attestation.objects.get(obligation=obligation)
    assert response.status_code == 302 and response.url == reverse("me-record", args=[record.pk])
    receipt = signed_in.get(response.url).content.decode()
    obligation.refresh_from_db()
    assert record.hash in receipt and record.prev_hash in receipt
    assert obligation.due_on.strftime("%-d %b %Y") in receipt
    assert f"{obligation.policy_version.policy.name}, v{obligation.policy_version.number}" in receipt
    assert record.personal_data.ip_address == "127.0.0.1"
    assert f"<dd>{escape(me.full_name)}</dd>" in receipt  # the signature, from the personal data row


def test_a_non_compliant_receipt_says_what_is_still_due_not_a_past_next_due(signed_in, me, acknowledged):
    obligation = acknowledged[0]
    past = timezone.localdate() - datetime.timedelta(days=3)
    Obligation.objects.filter(pk=obligation.pk).update(due_on=past)
    data = form_data(signed_in, obligation, answers=unsafe_answers(obligation))
    response = signed_in.post(reverse("me-tool", args=[obligation.pk]), data)
    receipt = signed_in.get(response.url).content.decode()
    assert "Not compliant yet" in receipt
    assert "Next due" not in receipt
    assert f"overdue since {past:%-d %b %Y}: fix the setting and attest again" in receipt


def test_not_used_submit_needs_no_setting_answers(signed_in, acknowledged):
    obligation = acknowledged[0]
    data = form_data(signed_in, obligation, answers={}, used="no")
    assert signed_in.post(reverse("me-tool", args=[obligation.pk]), data).status_code == 302
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.NOT_USED


def test_missing_value_shows_the_form_again_with_the_error_next_to_the_field(signed_in, acknowledged):
    obligation = acknowledged[0]
    answers = safe_answers(obligation)
    missing = next(iter(answers))
    del answers[missing]
    response = signed_in.post(
        reverse("me-tool", args=[obligation.pk]), form_data(signed_in, obligation, answers=answers)
    )
    assert response.status_code == 400
    page = response.content.decode()
    errors = page.split(f'id="setting_{missing}-errors"')[1].split("</div>")[0]
    assert "Choose the current value" in errors
    assert Attestation.objects.filter(kind="attestation").count() == 0


def test_unknown_value_shows_the_error_next_to_the_field(signed_in, acknowledged):
    obligation = acknowledged[0]
    answers = dict.fromkeys(safe_answers(obligation), "sometimes")
    response = signed_in.post(
        reverse("me-tool", args=[obligation.pk]), form_data(signed_in, obligation, answers=answers)
    )
    assert response.status_code == 400
    setting_id = next(iter(answers))
    assert "Choose one of the values shown" in response.content.decode().split(f'id="setting_{setting_id}-errors"')[1]
    assert Attestation.objects.filter(kind="attestation").count() == 0


def test_wrong_signature_is_shown_next_to_the_signature(signed_in, acknowledged):
    obligation = acknowledged[0]
    data = form_data(signed_in, obligation, signature="Not Me")
    response = signed_in.post(reverse("me-tool", args=[obligation.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors["signature"]
    assert Attestation.objects.filter(kind="attestation").count() == 0


def test_forged_post_for_another_employees_obligation_is_404_and_stores_nothing(signed_in, acknowledged, make_user):
    other = make_user().employee
    _, (theirs,) = published_obligations(other, tools=1)
    data = {"state": f"{theirs.pk}.0", "tool_used": "no", "confirm": "on", "signature": other.full_name}
    assert signed_in.post(reverse("me-tool", args=[theirs.pk]), data).status_code == 404
    assert signed_in.get(reverse("me-tool", args=[theirs.pk])).status_code == 404
    assert (
        signed_in.post(reverse("me-exception", args=[theirs.pk]), {"reason": "x", "requested_days": 5}).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.status == ObligationStatus.PENDING
    assert Attestation.objects.filter(kind="attestation").count() == 0
    assert PolicyException.objects.count() == 0


def test_double_submit_stores_one_record(signed_in, acknowledged):
    obligation = acknowledged[0]
    data = form_data(signed_in, obligation)
    first = signed_in.post(reverse("me-tool", args=[obligation.pk]), data)
    second = signed_in.post(reverse("me-tool", args=[obligation.pk]), data)
    assert Attestation.objects.filter(obligation=obligation).count() == 1
    assert second.status_code == 302 and second.url == first.url


def test_submit_after_the_version_was_retired_shows_the_current_obligation(signed_in, me, acknowledged):
    obligation = acknowledged[0]
    data = form_data(signed_in, obligation)
    from tests.factories import PolicyVersionFactory, RequiredSettingFactory, ToolRuleFactory

    version = PolicyVersionFactory(policy=obligation.policy_version.policy)
    rule = ToolRuleFactory(version=version, platform=obligation.platform)
    RequiredSettingFactory(rule=rule)
    # What publishing a version with changed terms does: the old version retires, its obligation closes.
    PolicyVersion.objects.filter(pk=obligation.policy_version_id).update(status="retired")
    PolicyVersion.objects.filter(pk=version.pk).update(status="published")
    Obligation.objects.filter(pk=obligation.pk).update(closed_at=timezone.now(), close_reason="superseded")
    current = ObligationFactory(employee=me, rule=rule, policy_version=version)
    response = signed_in.post(reverse("me-tool", args=[obligation.pk]), data, follow=True)
    # The current obligation's page: attesting is never held back behind acknowledging the new version.
    assert [url for url, _ in response.redirect_chain] == [reverse("me-tool", args=[current.pk])]
    assert "no longer in force" in response.content.decode()
    assert Attestation.objects.filter(kind="attestation").count() == 0


def test_noncompliant_answer_shows_how_to_fix_it_and_leads_to_an_exception_request(signed_in, me, acknowledged):
    obligation = acknowledged[0]
    data = form_data(signed_in, obligation, answers=unsafe_answers(obligation))
    response = signed_in.post(reverse("me-tool", args=[obligation.pk]), data)
    receipt = signed_in.get(response.url).content.decode()
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.NONCOMPLIANT
    assert "here is how to fix it" in receipt
    assert reverse("me-tool", args=[obligation.pk]) in receipt
    assert reverse("me-exception", args=[obligation.pk]) in receipt
    assert "Non-compliant" in signed_in.get(reverse("me")).content.decode()

    empty = signed_in.post(reverse("me-exception", args=[obligation.pk]), {"reason": "", "requested_days": 30})
    assert empty.status_code == 400 and empty.context["form"].errors["reason"]
    sent = signed_in.post(
        reverse("me-exception", args=[obligation.pk]), {"reason": "Customer requires it", "requested_days": 30}
    )
    assert sent.status_code == 302
    request = PolicyException.objects.get()
    assert (request.employee, request.obligation, request.requested_days) == (me, obligation, 30)
    assert "waiting for a decision" in signed_in.get(reverse("me")).content.decode()


# --- Evidence -----------------------------------------------------------------------------


def test_evidence_upload_is_viewable_by_the_employee_and_officers_only(
    client, employee_user, acknowledged, private_storage, officer, make_user
):
    client.force_login(employee_user)
    obligation = acknowledged[0]
    data = form_data(client, obligation, evidence=SimpleUploadedFile("s.png", png_bytes(), content_type="image/png"))
    response = client.post(reverse("me-tool", args=[obligation.pk]), data)
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    url = reverse("me-evidence", args=[evidence.pk])
    assert url in client.get(response.url).content.decode()
    own = client.get(url)
    assert own.status_code == 200 and own["Content-Type"] == "image/png"
    client.force_login(officer)
    assert client.get(url).status_code == 200
    client.force_login(make_user())
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GIF89a not really", "not a readable image"),
        (b"\x89PNG" + b"\x00" * (5 * 1024 * 1024 + 1), "larger than 5 MB"),
    ],
    ids=["non-image", "oversized"],
)
def test_bad_evidence_shows_a_clear_error_and_stores_nothing(
    signed_in, acknowledged, private_storage, content, message
):
    obligation = acknowledged[0]
    data = form_data(signed_in, obligation, evidence=SimpleUploadedFile("s.png", content, content_type="image/png"))
    response = signed_in.post(reverse("me-tool", args=[obligation.pk]), data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["evidence"])
    assert Evidence.objects.count() == 0 and Attestation.objects.filter(kind="attestation").count() == 0
    assert list(private_storage.rglob("*.*")) == []


# --- Receipts and history -----------------------------------------------------------------


def test_employee_never_reaches_another_employees_records(signed_in, me, acknowledged, make_user):
    other = make_user().employee
    _, (theirs,) = published_obligations(other, tools=1)
    record = submit_attestation(
        obligation=theirs, answers={}, tool_used=False, statement="s", signature=other.full_name, actor=None
    )
    assert signed_in.get(reverse("me-record", args=[record.pk])).status_code == 404
    history = signed_in.get(reverse("me-history")).content.decode()
    assert f"Receipt #{record.pk}" not in history
    mine = Attestation.objects.get(employee=me)
    assert f"Receipt #{mine.pk}" in history


def test_history_query_count_is_bounded(signed_in, me, django_assert_max_num_queries):
    version, obligations = published_obligations(me, tools=12)
    acknowledge_policy(employee=me, version=version, actor=None)
    for obligation in obligations:
        submit_attestation(
            obligation=obligation, answers={}, tool_used=False, statement="s", signature=me.full_name, actor=None
        )
    with django_assert_max_num_queries(10):
        assert signed_in.get(reverse("me-history")).status_code == 200


def test_closed_obligation_page_sends_to_my_tools(signed_in, acknowledged):
    obligation = acknowledged[0]
    Obligation.objects.filter(pk=obligation.pk).update(closed_at="2026-01-01T00:00Z", close_reason="superseded")
    response = signed_in.get(reverse("me-tool", args=[obligation.pk]))
    assert response.status_code == 302 and response.url == reverse("me")


def test_pages_need_sign_in(client, obligations):
    for url in (reverse("me"), reverse("me-history"), reverse("me-tool", args=[obligations[0].pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_every_page_and_the_statement_name_the_rule_and_the_version_in_force_alike(signed_in, me, client, make_user):
    """v2 republishes v1's rule unchanged: the attest page, the signed statement, the receipt,
    the history, the exception request and the officer's decision page all say the same."""
    from attestations.services.publishing import publish_policy_version
    from governance.roles import Role
    from policies import services as policy_services
    from tests.factories import PlatformFactory, PlatformSettingFactory, PolicyVersionFactory

    platform = PlatformFactory(slug="chatgpt", name="ChatGPT")
    setting = PlatformSettingFactory(platform=platform, key="improve-model")
    v1 = PolicyVersionFactory(number=1)
    policy_services.add_rule(version=v1, platform=platform, stance="approved", required=[(setting, None)], actor=None)
    publish_policy_version(version=v1, actor=None)
    v2 = policy_services.create_draft(policy=v1.policy, actor=None)
    publish_policy_version(version=v2, actor=None)
    obligation = Obligation.objects.open().get(employee=me)
    assert obligation.policy_version_id == v1.pk  # the terms carried over from v1
    phrase = "rule from v1, in force under v2"

    attest_page = signed_in.get(reverse("me-tool", args=[obligation.pk])).content.decode()
    assert f"{v1.policy.name}, {phrase}" in attest_page
    assert attestation_statement(obligation).endswith(f"under {v1.policy.name} ({phrase}).")
    assert attestation_statement(obligation) in attest_page
    assert "version 1" not in attest_page and "version 2" not in attest_page

    data = form_data(signed_in, obligation, answers=unsafe_answers(obligation))
    receipt_url = signed_in.post(reverse("me-tool", args=[obligation.pk]), data).url
    record = Attestation.objects.get(obligation=obligation)
    assert record.policy_version_id == v2.pk and phrase in record.statement
    receipt = signed_in.get(receipt_url).content.decode()
    assert receipt.count(phrase) == 2  # the policy line and the signed statement
    assert phrase in signed_in.get(reverse("me-history")).content.decode()

    exception_page = signed_in.get(reverse("me-exception", args=[obligation.pk])).content.decode()
    assert f"{v1.policy.name}, {phrase}" in exception_page
    signed_in.post(
        reverse("me-exception", args=[obligation.pk]), {"reason": "Client requires it", "requested_days": 10}
    )
    request = PolicyException.objects.get(employee=me)
    officer = make_user(Role.COMPLIANCE_OFFICER, employee=False)
    client.force_login(officer)
    decide = client.get(reverse("attestations:exception-decide", args=[request.pk])).content.decode()
    assert f"{v1.policy.name}, {phrase}" in decide


def test_a_rule_of_the_version_in_force_is_named_by_that_version_alone(signed_in, acknowledged):
    obligation = acknowledged[0]
    number = obligation.policy_version.number
    page = signed_in.get(reverse("me-tool", args=[obligation.pk])).content.decode()
    assert f"{obligation.policy_version.policy.name}, v{number}" in page
    assert attestation_statement(obligation).endswith(f"({'v'}{number}).")
    assert "in force under" not in page


# A row a job holds, and the wait each bound gives it (the other bound set far beyond the
# statement timeout below, so that the wrong bound would fail the request with a 500 instead).
HELD_ROWS = {
    "its obligation": ("SELECT id FROM governance_obligation WHERE id = %s FOR UPDATE", "OBLIGATION_LOCK_WAIT_SECONDS"),
    "its counts": ("SELECT id FROM governance_obligationcount WHERE platform_id = %s FOR UPDATE", "LOCK_WAIT_SECONDS"),
    # While a job that rewrites obligations runs, no wait at all: both bounds far beyond.
    "its obligation, a publish running": ("SELECT id FROM governance_obligation WHERE id = %s FOR UPDATE", None),
}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("held", HELD_ROWS)
def test_a_signature_on_rows_a_job_holds_answers_at_once_keeps_the_answers_and_stores_nothing(
    signed_in, me, acknowledged, monkeypatch, held
):
    """A publish job holds the obligation rows it rewrites, and count rows, for its whole
    transaction: the signature gives up waiting (503, Retry-After) instead of holding a web
    worker, at once for its obligation's row and after a few seconds for the rest, and the same
    answers go through once the job is done."""
    from django.db import connection

    from attestations.services import attest
    from compliance.services.rollups import rebuild_obligation_counts

    sql, bound = HELD_ROWS[held]
    for name in ("OBLIGATION_LOCK_WAIT_SECONDS", "LOCK_WAIT_SECONDS"):
        monkeypatch.setattr(attest, name, 0.3 if name == bound else 60)
    obligation = acknowledged[0]
    rebuild_obligation_counts(day=timezone.localdate())  # the counts are maintained
    if bound is None:
        Job.objects.create(kind="attestations.publish", key="version:0", title="Publishing", status="running")
    data = form_data(signed_in, obligation)
    with connection.cursor() as cursor:  # without the bound, the request would wait for the job
        cursor.execute("SET statement_timeout = '10s'")
    with another_connection() as job:  # what a running publish does to the rows it rewrites
        held_rows = job.execute(sql, [obligation.pk if "obligation" in held else obligation.platform_id]).fetchall()
        assert held_rows
        response = signed_in.post(reverse("me-tool", args=[obligation.pk]), data)
        job.rollback()
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "being updated right now" in html and "nothing was recorded yet" in html
    setting_id, value = next(iter(safe_answers(obligation).items()))
    assert response.context["form"]["signature"].value() == me.full_name  # the answers are kept
    assert response.context["form"][f"setting_{setting_id}"].value() == value
    assert Attestation.objects.filter(kind="attestation").count() == 0
    obligation.refresh_from_db()
    assert obligation.satisfied_by_id is None

    again = signed_in.post(reverse("me-tool", args=[obligation.pk]), data)
    assert again.status_code == 302
    assert Attestation.objects.filter(kind="attestation", obligation=obligation).count() == 1


def test_every_job_of_the_attestations_rewrites_obligations_and_a_signature_knows_it():
    """The signature's rule (no wait while a job rewriting obligations runs) names every job
    the attestations register, each of which rewrites obligations in one transaction."""
    from attestations import jobs as attestation_jobs
    from governance.jobs import _REGISTRY

    registered = {kind for kind in _REGISTRY if kind.startswith("attestations.")}
    assert registered == set(attestation_jobs.REWRITING_OBLIGATIONS)
    assert attestation_jobs.PUBLISH in registered
