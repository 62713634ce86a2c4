"""Reminder digests, manager escalations, the officers' weekly summary and report mails: who
gets what, and the message. Sending goes through the outbox in notifications.delivery.

The plan (who gets what) is set-based: one query finds the recipients, then each batch takes
a fixed number of queries (on PostgreSQL: the claim, every listed obligation at once with the
linked account that each sign-in link is bound to, and the marks). Per mail, the job renders
two pre-loaded templates from a small context (the digest's rows are rendered once per run
for each distinct tool and date) and signs one link.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import get_connection
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from attestations.models import OPEN_ACTION_STATUSES, Obligation, ObligationStatus
from compliance.models import ComplianceReport
from governance.roles import Role
from notifications.delivery import BATCH_SIZE, DeliveryResult, Kind, deliver, email_template, new_run_id, rendered_once  # noqa: F401 - BATCH_SIZE and new_run_id are part of this API
from notifications.magic_links import Binding, link_max_age_seconds, login_link_maker
from notifications.models import NotificationLog
from notifications.rendering import due_in_words, long_date
from people.models import Employee
from platforms.models import ControlType
from policies.models import PolicyVersion

logger = logging.getLogger(__name__)


# --- Reminder digests ----------------------------------------------------------------------


def _versions() -> list[dict[str, Any]]:
    """Per policy in force: the reminder offsets and escalation delay of the version in force,
    with the ids of all the policy's versions, since an open obligation points at the version
    whose terms it follows, an earlier one when they carried over unchanged."""
    rows = list(PolicyVersion.objects.values("id", "policy_id", "status", "reminder_offsets", "escalation_after_days"))
    return [
        {
            "ids": [row["id"] for row in rows if row["policy_id"] == in_force["policy_id"]],
            "reminder_offsets": in_force["reminder_offsets"],
            "escalation_after_days": in_force["escalation_after_days"],
        }
        for in_force in rows
        if in_force["status"] == PolicyVersion.Status.PUBLISHED
    ]


def reminder_trigger(today: datetime.date, versions: list[dict[str, Any]] | None = None) -> Q:
    """Open obligations that make their employee due a reminder today: overdue, due today, or
    due on one of their policy version's reminder offsets (days relative to the due date)."""
    condition = Q(due_on__lte=today)
    for version in versions if versions is not None else _versions():
        dates = sorted({today - datetime.timedelta(days=int(offset)) for offset in version["reminder_offsets"] or []})
        if dates:
            condition |= Q(policy_version_id__in=version["ids"], due_on__in=dates)
    return condition


def _actionable() -> QuerySet[Obligation]:
    return Obligation.objects.open().filter(status__in=OPEN_ACTION_STATUSES, employee__status=Employee.Status.ACTIVE)


def reminder_recipients(today: datetime.date) -> list[int]:
    """Ids of the employees due a reminder digest today, in id order (one query)."""
    return list(
        _actionable()
        .filter(reminder_trigger(today))
        .order_by("employee_id")
        .values_list("employee_id", flat=True)
        .distinct()
    )


def requirements_by_rule() -> dict[int, list[dict[str, str]]]:
    """What each published or retired rule asks people to check: its required settings by the
    exact label of the tool's UI and the value to set, in the attest form's order (setting key).
    One query for the run: rules are few (tools x versions), people many."""
    from policies.models import PolicyVersion as Version
    from policies.models import RequiredSetting

    requirements: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = (
        RequiredSetting.objects.exclude(rule__version__status=Version.Status.DRAFT)
        .order_by("rule_id", "setting__key")
        .values_list("rule_id", "setting__label", "required_value", "setting__control_type")
    )
    for rule_id, label, value, control_type in rows:
        practice = control_type == ControlType.PRACTICE  # a behaviour to confirm, not a switch
        requirements[rule_id].append({"label": label, "value": capfirst(value), "practice": practice})
    return dict(requirements)


def _reminder_subject(count: int, overdue: int) -> str:
    if overdue:
        return f"{overdue} of your AI tools {'is' if overdue == 1 else 'are'} overdue for attestation"
    return f"Reminder: {count} AI tool{'s' if count != 1 else ''} to attest"


def _reminder_builder(today: datetime.date) -> Callable[[list[NotificationLog]], dict[int, tuple[Any, dict[str, Any]]]]:
    email = email_template("reminder")
    tool_row = rendered_once("reminder_tool")
    login_link = login_link_maker()
    requirements = requirements_by_rule()
    link_days = max(1, round(link_max_age_seconds() / 86400))

    def build(rows: list[NotificationLog]) -> dict[int, tuple[Any, dict[str, Any]]]:
        ids = [row.recipient_id for row in rows]
        tools: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
        obligations = (
            _actionable()
            .filter(employee_id__in=ids)
            .order_by("employee_id", "due_on", "platform__name")
            .values_list(
                "id",
                "employee_id",
                "due_on",
                "status",
                "platform__name",
                "rule_id",
                # What each sign-in link's fingerprint covers, read with the rows: no query more.
                "employee__email_changed_at",
                "employee__user_id",
                "employee__user__email",
                "employee__user__password",
            )
        )
        bindings = {}
        for pk, employee_id, due_on, status, name, rule_id, changed_at, user_id, user_email, password in obligations:
            bindings[employee_id] = Binding(
                email_changed_at=changed_at, user_id=user_id, user_email=user_email or "", password=password or ""
            )
            overdue = due_on < today
            tool = {
                "name": name,
                "when": due_in_words(due_on, today=today),
                "overdue": overdue,
                "noncompliant": status == ObligationStatus.NONCOMPLIANT,
                "checks": requirements.get(rule_id, []),
            }
            text, html = tool_row((name, due_on, status, rule_id), {"tool": tool})
            tools[employee_id].append({"id": pk, "overdue": overdue, "text": text, "html": html})
        messages = {}
        for row in rows:
            listed = tools.get(row.recipient_id)
            if not listed:
                continue
            employee = row.recipient
            overdue_count = sum(1 for tool in listed if tool["overdue"])
            count = len(listed)
            context = {
                "count": count,
                "overdue": overdue_count,
                "today": today,
                "today_in_words": long_date(today),
                "link_days": link_days,
                "site_url": settings.SITE_URL,
            }
            subject = _reminder_subject(count, overdue_count)
            # Each row was rendered (and escaped) by the reminder_tool.html template, and inlined.
            rows_html = "\n".join(tool["html"] for tool in listed)
            messages[row.recipient_id] = (
                email(
                    subject=subject,
                    to=employee.email,
                    context=context,
                    inlined={"tool_rows": rows_html},
                    # What differs per person; the rest is one frame per (count, overdue) a run.
                    personal={
                        "employee_name": employee.full_name,
                        "link": login_link(employee, bindings[employee.pk]),
                        "tool_lines": "\n".join(tool["text"] for tool in listed),
                    },
                ),
                {"obligations": [tool["id"] for tool in listed]},
            )
        return messages

    return build


def send_reminder_digests(
    *,
    today: datetime.date | None = None,
    run_id: str | None = None,
    batch_size: int = BATCH_SIZE,
    connection: Any = None,
) -> DeliveryResult:
    """Send today's reminder digests: one e-mail per employee listing every tool to attest."""
    today = today or timezone.localdate()
    run_id = run_id or new_run_id()
    result = DeliveryResult(kind=Kind.REMINDER)
    return deliver(
        kind=Kind.REMINDER,
        day=today,
        recipient_ids=reminder_recipients(today),
        run_id=run_id,
        build=_reminder_builder(today),
        batch_size=batch_size,
        result=result,
        connection=connection,
    )


# --- Manager escalations -------------------------------------------------------------------


def escalation_trigger(today: datetime.date, versions: list[dict[str, Any]] | None = None) -> Q:
    """Open obligations overdue for longer than their policy version's escalation delay."""
    condition = Q(pk__in=[])
    for version in versions if versions is not None else _versions():
        limit = today - datetime.timedelta(days=int(version["escalation_after_days"]))
        condition |= Q(policy_version_id__in=version["ids"], due_on__lt=limit)
    return condition


def _escalated() -> QuerySet[Obligation]:
    return _actionable().filter(
        employee__manager__isnull=False,
        employee__manager__status=Employee.Status.ACTIVE,
    )


def escalation_recipients(today: datetime.date) -> list[int]:
    """Ids of the managers with at least one report overdue past the escalation delay (one query)."""
    managers = (
        _escalated()
        .filter(escalation_trigger(today))
        .order_by("employee__manager_id")
        .values_list("employee__manager_id", flat=True)
        .distinct()
    )
    return [manager for manager in managers if manager is not None]  # _escalated() has a manager


def _escalation_builder(
    today: datetime.date,
) -> Callable[[list[NotificationLog]], dict[int, tuple[Any, dict[str, Any]]]]:
    email = email_template("escalation")
    requirements = requirements_by_rule()

    def build(rows: list[NotificationLog]) -> dict[int, tuple[Any, dict[str, Any]]]:
        ids = [row.recipient_id for row in rows]
        people: defaultdict[int | None, dict[int, dict[str, Any]]] = defaultdict(
            dict
        )  # manager id -> report id -> what the digest lists
        overdue = (
            _escalated()
            .filter(escalation_trigger(today), employee__manager_id__in=ids)
            .order_by("employee__full_name", "employee_id", "due_on", "platform__name")
            .values_list(
                "id",
                "employee_id",
                "employee__manager_id",
                "employee__full_name",
                "employee__email",
                "due_on",
                "platform__name",
                "rule_id",
            )
        )
        for pk, employee_id, manager_id, name, email_address, due_on, tool, rule_id in overdue:
            person = people[manager_id].get(employee_id)
            if person is None:  # the earliest due date comes first
                person = people[manager_id][employee_id] = {
                    "name": name,
                    "email": email_address,
                    # Formatted here, not in the template: per-row formatting is most of the rendering.
                    "days_overdue": str((today - due_on).days),
                    "since": long_date(due_on),
                    "tool_list": [],
                    "obligations": [],
                }
            person["tool_list"].append(
                {"name": tool, "when": due_in_words(due_on, today=today), "checks": requirements.get(rule_id, [])}
            )
            person["obligations"].append(pk)
        messages = {}
        for row in rows:
            listed_reports = list(people.get(row.recipient_id, {}).values())
            if not listed_reports:
                continue
            context = {
                "manager": row.recipient,
                "reports": listed_reports,
                "today": today,
                "team_url": settings.SITE_URL + reverse("team"),
            }
            n = len(listed_reports)
            subject = f"{n} of your reports {'are' if n != 1 else 'is'} overdue on AI tool attestation"
            messages[row.recipient_id] = (
                email(subject=subject, to=row.recipient.email, context=context),
                {"obligations": [pk for person in listed_reports for pk in person["obligations"]]},
            )
        return messages

    return build


def send_escalations(
    *,
    today: datetime.date | None = None,
    run_id: str | None = None,
    batch_size: int = BATCH_SIZE,
    connection: Any = None,
) -> DeliveryResult:
    """Send each manager one digest of their direct reports overdue past the escalation delay."""
    today = today or timezone.localdate()
    run_id = run_id or new_run_id()
    return deliver(
        kind=Kind.ESCALATION,
        day=today,
        recipient_ids=escalation_recipients(today),
        run_id=run_id,
        build=_escalation_builder(today),
        batch_size=batch_size,
        result=DeliveryResult(kind=Kind.ESCALATION),
        connection=connection,
    )


# --- Officers ------------------------------------------------------------------------------


def officer_recipients() -> list[int]:
    """Employees whose account is in the compliance officer or governance admin group."""
    groups = Group.objects.filter(name__in=[Role.COMPLIANCE_OFFICER, Role.GOVERNANCE_ADMIN])
    return list(
        Employee.objects.filter(status=Employee.Status.ACTIVE, user__is_active=True, user__groups__in=groups)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )


def officer_summary_figures(today: datetime.date) -> dict[str, Any]:
    """The headline figures of the weekly summary, all from the compliance selectors."""
    from compliance import selectors as compliance

    filters = compliance.ComplianceFilters()
    return {
        "summary": compliance.summary(filters, today=today),
        "coverage": compliance.customer_data_coverage(filters, today=today),
        "people": compliance.people_coverage(filters, today=today),
        "open_exceptions": compliance.open_exception_count(filters, today=today),
        "overdue_people": compliance.overdue_people(filters, today=today).count(),
        "platforms": compliance.by_platform(filters, today=today)[:5],
        # The dashboard's "settings most often not at the required value": what people get wrong.
        "failing_settings": compliance.noncompliant_settings(filters, limit=5),
    }


def send_officer_summary(
    *, today: datetime.date | None = None, run_id: str | None = None, connection: Any = None
) -> DeliveryResult:
    """The weekly summary to compliance officers: headline figures and a link to the dashboard."""
    from compliance import selectors as compliance

    today = today or timezone.localdate()
    run_id = run_id or new_run_id()
    recipients = officer_recipients()
    figures = officer_summary_figures(today) if recipients else {}
    email = email_template("officer_summary")

    def build(rows: list[NotificationLog]) -> dict[int, tuple[Any, dict[str, Any]]]:
        context = {
            "today": today,
            "today_in_words": long_date(today),
            "dashboard_url": settings.SITE_URL + reverse("dashboard"),
            **figures,
        }
        rate = figures["summary"].rate
        satisfied = f"{rate}% satisfied" if rate is not None else compliance.NOBODY["obligations"]
        subject = f"Weekly AI tool compliance: {satisfied}"
        return {
            row.recipient_id: (
                email(
                    subject=subject,
                    to=row.recipient.email,
                    context={**context, "officer": row.recipient},
                ),
                {"summary": figures["summary"].as_dict()},
            )
            for row in rows
        }

    return deliver(
        kind=Kind.OFFICER_SUMMARY,
        day=today,
        recipient_ids=recipients,
        run_id=run_id,
        build=build,
        batch_size=BATCH_SIZE,
        result=DeliveryResult(kind=Kind.OFFICER_SUMMARY),
        connection=connection,
    )


def send_report_ready(
    *, report: ComplianceReport, today: datetime.date | None = None, run_id: str | None = None, connection: Any = None
) -> DeliveryResult:
    """Tell the officers, once each, that a scheduled report is ready, with a link to it."""
    today = today or timezone.localdate()
    run_id = run_id or new_run_id()
    email = email_template("report_ready")

    def build(rows: list[NotificationLog]) -> dict[int, tuple[Any, dict[str, Any]]]:
        context = {
            "report": report,
            "as_of": long_date(timezone.localdate(report.as_of)) if report.as_of else "",
            "summary": report.summary,
            "report_url": settings.SITE_URL + reverse("reports:detail", args=[report.pk]),
        }
        subject = f"Compliance report ready: {report}"
        return {
            row.recipient_id: (
                email(
                    subject=subject,
                    to=row.recipient.email,
                    context={**context, "officer": row.recipient},
                ),
                {"report": report.pk},
            )
            for row in rows
        }

    return deliver(
        kind=Kind.REPORT_READY,
        day=today,
        recipient_ids=officer_recipients(),
        run_id=run_id,
        build=build,
        batch_size=BATCH_SIZE,
        result=DeliveryResult(kind=Kind.REPORT_READY),
        connection=connection,
    )


def send_daily_notifications(
    *, today: datetime.date | None = None, run_id: str | None = None, batch_size: int = BATCH_SIZE
) -> list[DeliveryResult]:
    """The daily job: reminder digests, then manager escalations. Safe to run any number of times."""
    today = today or timezone.localdate()
    run_id = run_id or new_run_id()
    connection = get_connection()
    return [
        send_reminder_digests(today=today, run_id=run_id, batch_size=batch_size, connection=connection),
        send_escalations(today=today, run_id=run_id, batch_size=batch_size, connection=connection),
    ]
