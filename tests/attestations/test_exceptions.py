import datetime

import pytest
from django.core.exceptions import ValidationError

from attestations.models import Obligation, ObligationStatus, PolicyException
from attestations.services import publishing
from attestations.services.exceptions import approve_exception, deny_exception, expire_exceptions, request_exception
from governance.models import AuditEvent
from governance.roles import Role
from policies import services
from tests.clock import noon_on
from tests.factories import EmployeeFactory, PlatformFactory, PlatformSettingFactory, PolicyVersionFactory

TODAY = datetime.date(2026, 11, 29)
NOW = noon_on(TODAY)  # the clock the module's tests run at (frozen below), passed down where they read it

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(NOW, tick=True),
    pytest.mark.usefixtures("counts_dated_today"),
]


@pytest.fixture
def officer_user(make_user):
    return make_user(Role.COMPLIANCE_OFFICER, employee=False)


@pytest.fixture
def obligation(officer_user):
    person = EmployeeFactory()
    platform = PlatformFactory(slug="chatgpt", name="ChatGPT")
    setting = PlatformSettingFactory(platform=platform)
    version = PolicyVersionFactory(number=1)
    services.add_rule(version=version, platform=platform, stance="approved", required=[(setting, None)], actor=None)
    publishing.publish_policy_version(version=version, actor=None)
    return Obligation.objects.get(employee=person)


def ask(obligation, **overrides):
    arguments = {
        "employee": obligation.employee,
        "obligation": obligation,
        "reason": "The client's contract requires their own instance.",
        "requested_days": 30,
        "actor": None,
    }
    arguments.update(overrides)
    return request_exception(**arguments)


def test_request_is_recorded_and_audited(obligation):
    exception = ask(obligation)
    assert exception.status == PolicyException.Status.REQUESTED and exception.rule_id == obligation.rule_id
    assert AuditEvent.objects.filter(action="exception.requested", object_id=str(exception.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"requested_days": 0}, "requested_days"),
        ({"requested_days": 400}, "requested_days"),
        ({"requested_days": "soon"}, "requested_days"),
    ],
)
def test_bad_requests_are_refused(obligation, overrides, field):
    with pytest.raises(ValidationError) as error:
        ask(obligation, **overrides)
    assert field in error.value.message_dict
    assert not PolicyException.objects.exists()


def test_request_for_someone_elses_obligation_is_refused(obligation):
    with pytest.raises(ValidationError):
        ask(obligation, employee=EmployeeFactory())


def test_second_open_request_for_the_same_tool_is_refused(obligation):
    ask(obligation)
    with pytest.raises(ValidationError):
        ask(obligation)
    assert PolicyException.objects.count() == 1


def test_request_on_a_closed_obligation_is_refused(obligation):
    Obligation.objects.filter(pk=obligation.pk).update(closed_at=NOW, close_reason="out_of_scope")
    obligation.refresh_from_db()
    with pytest.raises(ValidationError):
        ask(obligation)


def test_approval_excepts_the_obligation_until_expiry_and_is_audited(obligation, officer_user):
    exception = ask(obligation)
    expires = TODAY + datetime.timedelta(days=30)
    approve_exception(exception=exception, expires_on=expires, actor=officer_user, note="Until the contract ends")

    exception.refresh_from_db()
    obligation.refresh_from_db()
    assert exception.status == PolicyException.Status.APPROVED and exception.decided_by == officer_user
    assert (obligation.status, obligation.valid_until, obligation.due_on) == (
        ObligationStatus.EXCEPTED,
        expires,
        expires,
    )
    assert AuditEvent.objects.filter(action="exception.approved", actor=officer_user).exists()
    with pytest.raises(ValidationError):
        ask(obligation)


@pytest.mark.parametrize("days", [0, -1, 366])
def test_approval_expiry_must_be_in_the_future_and_within_a_year(obligation, officer_user, days):
    exception = ask(obligation)
    with pytest.raises(ValidationError):
        approve_exception(exception=exception, expires_on=TODAY + datetime.timedelta(days=days), actor=officer_user)
    exception.refresh_from_db()
    assert exception.status == PolicyException.Status.REQUESTED


def test_denial_keeps_the_obligation_and_cannot_be_decided_twice(obligation, officer_user):
    exception = ask(obligation)
    deny_exception(exception=exception, actor=officer_user, note="Use the enterprise tier")
    exception.refresh_from_db()
    assert exception.status == PolicyException.Status.DENIED
    assert Obligation.objects.get(pk=obligation.pk).status == ObligationStatus.PENDING
    assert AuditEvent.objects.filter(action="exception.denied").exists()
    with pytest.raises(ValidationError):
        approve_exception(exception=exception, expires_on=TODAY + datetime.timedelta(days=5), actor=officer_user)


def test_expired_exceptions_go_back_to_pending_due_today(obligation, officer_user):
    exception = ask(obligation)
    approve_exception(exception=exception, expires_on=TODAY + datetime.timedelta(days=3), actor=officer_user)

    assert expire_exceptions(today=TODAY + datetime.timedelta(days=3)) == 0
    later = TODAY + datetime.timedelta(days=4)
    assert expire_exceptions(today=later) == 1
    assert expire_exceptions(today=later) == 0

    obligation.refresh_from_db()
    assert (obligation.status, obligation.due_on, obligation.valid_until) == (ObligationStatus.PENDING, later, None)


# --- Four eyes ----------------------------------------------------------------------------------


@pytest.fixture
def own_request(make_user):
    """An officer who is also an employee with an obligation, and their own open request."""
    officer = make_user(Role.COMPLIANCE_OFFICER)
    platform = PlatformFactory(slug="claude", name="Claude")
    version = PolicyVersionFactory(number=1)
    services.add_rule(
        version=version,
        platform=platform,
        stance="approved",
        required=[(PlatformSettingFactory(platform=platform), None)],
        actor=None,
    )
    publishing.publish_policy_version(version=version, actor=None)
    obligation = Obligation.objects.get(employee=officer.employee)
    return officer, ask(obligation, employee=officer.employee, actor=officer)


@pytest.mark.parametrize("decide", ["approve", "deny"])
def test_an_officer_cannot_decide_their_own_request(own_request, decide):
    officer, exception = own_request
    with pytest.raises(ValidationError, match="your own exception request"):
        if decide == "approve":
            approve_exception(exception=exception, expires_on=TODAY + datetime.timedelta(days=365), actor=officer)
        else:
            deny_exception(exception=exception, actor=officer)
    exception.refresh_from_db()
    assert exception.status == PolicyException.Status.REQUESTED and exception.decided_by is None
    assert Obligation.objects.get(pk=exception.obligation_id).status == ObligationStatus.PENDING


def test_the_officer_who_filed_a_request_cannot_decide_it(obligation, officer_user):
    exception = ask(obligation, actor=officer_user)
    with pytest.raises(ValidationError, match="your own exception request"):
        approve_exception(exception=exception, expires_on=TODAY + datetime.timedelta(days=30), actor=officer_user)


def test_another_officer_decides_the_request(own_request, make_user):
    _, exception = own_request
    colleague = make_user(Role.COMPLIANCE_OFFICER)
    approved = approve_exception(exception=exception, expires_on=TODAY + datetime.timedelta(days=30), actor=colleague)
    assert approved.status == PolicyException.Status.APPROVED and approved.decided_by == colleague
