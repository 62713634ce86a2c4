"""Compliance dashboards: where the organization (or a manager's team) stands, drillable to
the people behind every figure, exportable to CSV, and a page per person.

Who sees what (governance.roles decides):
- compliance officers and governance admins: /dashboard/ over everyone;
- managers: /dashboard/team/ over their direct and indirect reports (/dashboard/ sends them
  there); drill-down lists and person pages are limited to that subtree (404 outside it);
- everyone else: 403 on every dashboard URL.
All figures come from compliance.selectors.
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone

from compliance import charts, extensions
from compliance import selectors as compliance
from compliance.filtersets import ComplianceFilterForm
from compliance.selectors import drilldown
from governance import csv as csv_export
from governance import roles
from governance.validators import parse_id
from people.models import Employee

TREND_RANGES = (30, 90, 365)
DEFAULT_TREND_DAYS = 30
CHANGE_DAYS = 30
PAGE_SIZE = 50
LIST_LIMIT = 10


@dataclass(frozen=True)
class Scope:
    """Whose figures a request may see: everyone (manager None) or a manager's subtree."""

    manager: Employee | None
    team: bool

    @property
    def params(self):
        return {"scope": "team"} if self.team else {}


def _scope(request, *, team=False):
    """Officers see everyone unless they ask for their team; managers their team; else 403."""
    user = request.user
    if not team and roles.is_compliance_officer(user):
        return Scope(manager=None, team=False)
    if roles.is_manager(user):
        return Scope(manager=roles.employee_of(user), team=True)
    raise PermissionDenied


def _people_links():
    """``link(params, bucket, **extra)``: the drill-down link to the people behind a figure.
    The list's path is reversed once: a dashboard has thousands of such links."""
    path = reverse("dashboard-people")

    def link(params, bucket, **extra):
        query = {**params, "bucket": bucket, **{k: v for k, v in extra.items() if v is not None}}
        return f"{path}?{urlencode(query)}"

    return link


def _filter_form(request, scope, *, tree, platforms):
    form = ComplianceFilterForm(request.GET, tree=tree, platforms=platforms, manager=scope.manager)
    if not form.is_valid():
        return form, None
    return form, form.filters()


# --- Dashboard ------------------------------------------------------------------------------


@login_required
def dashboard(request):
    if not roles.is_compliance_officer(request.user) and roles.is_manager(request.user):
        query = request.META.get("QUERY_STRING", "")
        return redirect(reverse("dashboard-team") + (f"?{query}" if query else ""))
    return _dashboard(request, _scope(request))


@login_required
def team_dashboard(request):
    return _dashboard(request, _scope(request, team=True))


def _trend_days(request):
    try:
        days = int(request.GET.get("days", DEFAULT_TREND_DAYS))
    except ValueError:
        days = DEFAULT_TREND_DAYS
    return days if days in TREND_RANGES else DEFAULT_TREND_DAYS


def _dashboard(request, scope):
    today = timezone.localdate()
    then = today - datetime.timedelta(days=CHANGE_DAYS)
    days = _trend_days(request)
    tree = compliance.department_tree()
    freshness = compliance.catalog_freshness(today=today)
    form, filters = _filter_form(request, scope, tree=tree, platforms=freshness["platforms"])
    context = {"form": form, "scope": scope, "days": days, "trend_ranges": TREND_RANGES, "today": today}
    if filters is None:
        return render(request, "compliance/dashboard/dashboard.html", context, status=400)

    params = {**filters.as_params(), **scope.params}
    link = _people_links()
    overview = compliance.overview(filters, today=today, tree=tree, platforms=freshness["platforms"])
    coverage = {
        "people": compliance.people_coverage(filters, today=today),
        "handlers": compliance.customer_data_coverage(filters, today=today),
    }
    exceptions = compliance.open_exceptions_overview(filters, today=today, then=then, limit=LIST_LIMIT)
    points = compliance.trend(filters, days=days, today=today)
    earlier = compliance.figures_on(points, then)
    summary = overview.summary

    context.update(
        {
            "filters": filters,
            "scope_label": _scope_label(filters, scope, freshness["platforms"]),
            "params": params,
            "query": urlencode(params),
            "overview": overview,
            "cards": _cards(
                summary,
                earlier,
                coverage,
                exceptions,
                freshness,
                params,
                scope,
                link,
                done=drilldown.done_phrase(filters, freshness["platforms"]),
            )
            # What the apps above add (the browser extension's usage), for the whole organization only.
            + ([] if scope.team or filters.as_params() else extensions.dashboard_cards(today=today)),
            "trend": _trend(points, days=days, today=today, filters=filters),
            "by_department": _bars(overview.departments, lambda f: {**f.extra["params"], **scope.params}, link),
            "by_platform": _bars(overview.platforms, lambda f: {**params, "platform": f.extra["id"]}, link),
            "heat": _heat_rows(overview, scope, link),
            "failing_settings": [
                {**row, "url": link(params, "noncompliant", setting=row["setting_id"])}
                for row in compliance.noncompliant_settings(filters, limit=LIST_LIMIT)
            ],
            # Nobody to look for when the figure says none is overdue (a scan of every overdue
            # obligation in due-date order would find nothing).
            "overdue_people": list(compliance.overdue_people(filters, today=today, limit=LIST_LIMIT))
            if summary.overdue
            else [],
            "overdue_url": link(params, "overdue"),
            "open_exceptions": exceptions["rows"],
            "exceptions_url": link(params, "exceptions"),
            "segments": charts.SEGMENTS,
        }
    )
    return render(request, "compliance/dashboard/dashboard.html", context)


def _change(value, earlier_value, *, higher_is_better, unit=""):
    """A card's change over the last 30 days, ready to show: text and whether it is good news."""
    if earlier_value is None or value is None:
        return {"text": "no data 30 days back", "tone": "none"}
    delta = round(value - earlier_value, 1)
    if delta == 0:
        return {"text": "no change in 30 days", "tone": "flat"}
    good = (delta > 0) == higher_is_better
    number = f"{delta:+g}{unit}"
    return {"text": f"{number} in 30 days", "tone": "good" if good else "bad"}


def _cards(summary, earlier, coverage, exceptions, freshness, params, scope, link, *, done):
    rate = summary.rate
    cards = [
        {
            "title": "Overall compliance",
            "value": "—" if rate is None else f"{rate:g}%",
            "detail": f"{summary.satisfied} of {summary.total} open obligations compliant, not used or excepted",
            "url": link(params, "satisfied"),
            "secondary": {"text": f"{summary.unsatisfied} need action", "url": link(params, "unsatisfied")},
            "change": _change(rate, earlier.rate if earlier else None, higher_is_better=True, unit=" pts"),
            "key": "compliance",
        },
        _people_card(
            "People fully compliant",
            coverage["people"]["people"],
            coverage["people"],
            unit="people",
            bucket="people",
            done=done,
            url=lambda bucket: link(params, bucket),
        ),
        {
            "title": "Overdue",
            "value": summary.overdue,
            "detail": "open obligations past their due date",
            "url": link(params, "overdue"),
            "change": _change(summary.overdue, earlier.overdue if earlier else None, higher_is_better=False),
            "key": "overdue",
        },
        {
            "title": "Non-compliant",
            "value": summary.noncompliant,
            "detail": "attested with a required setting at the wrong value",
            "url": link(params, "noncompliant"),
            "change": _change(summary.noncompliant, earlier.noncompliant if earlier else None, higher_is_better=False),
            "key": "noncompliant",
        },
        {
            "title": "Open exceptions",
            "value": exceptions["now"],
            "detail": "awaiting a decision or approved and running",
            "url": link(params, "exceptions"),
            "change": _change(exceptions["now"], exceptions["then"], higher_is_better=False),
            "key": "exceptions",
        },
        _people_card(
            "Customer-data handlers fully compliant",
            coverage["handlers"]["handlers"],
            coverage["handlers"],
            unit="handlers",
            bucket="handlers",
            done=done,
            url=lambda bucket: link(params, bucket),
        ),
    ]
    if not scope.team:
        cards.append(
            {
                "title": "Stale catalog entries",
                "value": freshness["stale"],
                "detail": "tools and settings not verified recently",
                "url": reverse("platforms:stale"),
                "change": {
                    "text": f"{freshness['stale_within_30_days']} more go stale within 30 days",
                    "tone": "bad" if freshness["stale_within_30_days"] else "none",
                },
                "key": "stale",
            }
        )
    return cards


def _people_card(title, people, coverage, *, unit, bucket, done, url):
    """A card of people with every open obligation satisfied (everyone, or the handlers)."""
    rate = coverage["rate"]
    card = {
        "title": title,
        "value": "—" if rate is None else f"{rate:g}%",
        "detail": f"{coverage['fully_compliant']} of {people} {unit} with {done}",
        "url": url(f"{bucket}_compliant"),
        "secondary": {"text": f"{people - coverage['fully_compliant']} not yet", "url": url(f"{bucket}_not_compliant")},
        "change": {"text": "not kept in the daily snapshots", "tone": "none"},
        "key": bucket,
    }
    if not people:
        # Nobody inside the filters has an open obligation: nothing to count, nobody to list.
        del card["secondary"]
        card.update(value="—", detail=f"no {unit} here have an open obligation")
    return card


def _trend(points, *, days, today, filters=None):
    """Both trend charts and their table, with a gap for every day without a snapshot.

    Without a trend, ``reason`` says why: "team" when a manager's scope (which they cannot
    remove) rules it out, "filters" with ``blocking`` naming the filters to remove otherwise."""
    if points is None:
        if filters is not None and filters.manager is not None:
            return {"available": False, "reason": "team"}
        blocking = []
        if filters is not None:
            blocking = [
                name
                for name, active in (
                    ("policy version", filters.policy_version_id),
                    ("country", filters.country),
                    ("customer-data", filters.customer_data_only),
                )
                if active
            ]
        words = " and ".join(filter(None, [", ".join(blocking[:-1]), *blocking[-1:]])) or "chosen"
        return {"available": False, "reason": "filters", "blocking": f"{words} filter{pluralize(len(blocking))}"}
    if not points:
        return {"available": False, "reason": "empty"}
    by_day = {p.extra["day"]: p for p in points}
    days_shown = [today - datetime.timedelta(days=n) for n in range(days, -1, -1)]
    rate_values = [(d, by_day[d].rate if d in by_day else None) for d in days_shown]
    overdue_values = [(d, by_day[d].overdue if d in by_day else None) for d in days_shown]
    return {
        "available": True,
        "rate": charts.line_chart(rate_values, y_max=100, suffix="%"),
        "overdue": charts.line_chart(overdue_values),
        "rows": list(reversed(points)),
    }


def _bars(rows, params_for, link):
    for figures in rows:
        figures.extra["params"] = params_for(figures)
    chart = charts.stacked_bars(rows)
    for bar in chart.bars:
        bar.url = link(bar.params, "all")
        bar.action_url = link(bar.params, "unsatisfied")
        for segment in bar.segments:
            segment["url"] = link(bar.params, segment["bucket"])
    return chart


def _heat_rows(overview, scope, link):
    """The heat map as rows of cells (one per tool) with their class and drill-down link."""
    heat = overview.heat_map
    rows = []
    for department in heat["departments"]:
        # Thousands of cells: encode the row's link once per bucket and add each tool to it.
        row_params = {k: v for k, v in {**department["params"], **scope.params}.items() if k != "platform"}
        row_links = {bucket: link(row_params, bucket) for bucket in ("unsatisfied", "all")}
        cells = []
        for platform in heat["platforms"]:
            figures = heat["cells"].get((platform["id"], department["key"]))
            cell = {
                "platform": platform,
                "figures": figures,
                "css": charts.heat_class(figures.rate if figures else None),
            }
            if figures:
                bucket = "unsatisfied" if figures.unsatisfied else "all"
                cell["url"] = f"{row_links[bucket]}&platform={platform['id']}"
                cell["bucket"] = bucket
            cells.append(cell)
        rows.append({"department": department, "cells": cells})
    return {"platforms": heat["platforms"], "rows": rows}


# --- Drill-down lists -------------------------------------------------------------------------


@login_required
def people(request):
    scope = _scope(request, team=request.GET.get("scope") == "team")
    today = timezone.localdate()
    tree = compliance.department_tree()
    freshness_platforms = list(_platform_choices())
    form, filters = _filter_form(request, scope, tree=tree, platforms=freshness_platforms)
    bucket = request.GET.get("bucket") or "all"
    setting = request.GET.get("setting")
    setting_id = parse_id(setting) if setting else None
    errors = []
    if filters is None:
        errors = [f"{name}: {', '.join(messages)}" for name, messages in form.errors.items()]
    if not drilldown.is_bucket(bucket):
        errors.append(f"bucket: unknown figure {bucket!r}.")
    if setting and setting_id is None:
        errors.append("setting: must be the number of a setting.")
    if errors:
        return render(request, "compliance/dashboard/people.html", {"errors": errors, "scope": scope}, status=400)
    kind, rows, title = drilldown.drill_down(
        filters,
        bucket=bucket,
        today=today,
        setting_id=setting_id,
        done=drilldown.done_phrase(filters, freshness_platforms),
    )
    sort, order = drilldown.order(kind, request.GET.get("sort"))
    rows = rows.order_by(*order)
    params = {**filters.as_params(), **scope.params, "bucket": bucket}
    if setting_id:
        params["setting"] = setting_id
    if request.GET.get("format") == "csv":
        scope_slug = compliance.scope_slug(_scope_label(filters, scope, freshness_platforms))
        return csv_export.streaming_response(
            drilldown.csv_rows(kind, rows, today=today),
            filename=f"compliance-{bucket}-{scope_slug}-{today.isoformat()}.csv",
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    columns = [
        {
            "key": key,
            "label": label,
            "url": "?" + urlencode({**params, "sort": f"-{key}" if sort == key else key}) if key else None,
            "sorted": "ascending" if sort == key else "descending" if sort == f"-{key}" else None,
        }
        for key, label in drilldown.columns(kind)
    ]
    context = {
        "scope": scope,
        "kind": kind,
        "title": title,
        "page": page,
        "columns": columns,
        "today": today,
        "filters": filters,
        "filter_labels": _filter_labels(filters, tree, freshness_platforms),
        "csv_url": "?" + urlencode({**params, "sort": sort, "format": "csv"}),
        "page_query": urlencode({**params, "sort": sort}),
        "dashboard_url": reverse("dashboard-team" if scope.team else "dashboard")
        + "?"
        + urlencode(filters.as_params()),
    }
    return render(request, "compliance/dashboard/people.html", context)


def _platform_choices():
    from platforms.models import Platform

    return Platform.objects.order_by("name").values("id", "name")


def _scope_label(filters, scope, platforms):
    """What the dashboard's figures cover: the filters in words, within a manager's reports."""
    label = compliance.scope_label(filters, platform_names={p["id"]: p["name"] for p in platforms})
    if not scope.team:
        return label
    parts = compliance.scope_parts(filters, platform_names={p["id"]: p["name"] for p in platforms})
    return " · ".join(["Your direct and indirect reports", *parts])


def _filter_labels(filters, tree, platforms):
    return compliance.scope_parts(filters, platform_names={p["id"]: p["name"] for p in platforms})


# --- Person page ----------------------------------------------------------------------------


@login_required
def person(request, external_id):
    user = request.user
    if not (roles.is_compliance_officer(user) or roles.is_manager(user)):
        raise PermissionDenied
    employee = Employee.objects.select_related("department", "manager", "user").filter(external_id=external_id).first()
    if employee is None or not roles.can_view_employee(user, employee):
        raise Http404("No such person.")
    today = timezone.localdate()
    records = drilldown.person_records(employee)
    obligations = records["obligations"]
    context = {
        "employee": employee,
        "today": today,
        **records,
        "open_count": sum(1 for o in obligations if o.is_open),
        "overdue_count": sum(1 for o in obligations if o.is_overdue(today)),
        "back_url": reverse("dashboard" if roles.is_compliance_officer(user) else "dashboard-team"),
    }
    return render(request, "compliance/dashboard/person.html", context)
