"""Query parameters: an operation takes the ones its schema lists, and refuses any other.

A misspelt filter (``?statsu=active``) would otherwise be ignored and answer every row, which a
client cannot tell from a filter that matched them all. The names an operation takes are the
ones drf-spectacular documents for it: its filterset's and its paginator's on a list, and the
``query_params`` a view declares per action (with ``extend_schema(parameters=...)``)."""

import datetime
import re

from django import forms
from django_filters import filters as django_filters

from integrations.api.exceptions import ProblemError

TRUE_FALSE = {"true": True, "false": False}


class StrictBooleanField(forms.Field):
    """``true`` or ``false``, nothing else (the catalog form's yes/1/on are the page's, not the API's)."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value not in TRUE_FALSE:
            raise forms.ValidationError("Use true or false.")
        return TRUE_FALSE[value]

    def validate(self, value):
        return None  # an absent value means no filter


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


# RFC 3339 date-time, as OpenAPI's ``format: date-time`` means it: seconds and an offset required.
RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,
)


def parse_rfc3339(text):
    """An aware datetime, or ValueError. A leap second (``:60``) reads as the second before it."""
    match = RFC3339.fullmatch(text)
    if match is None:
        raise ValueError("not an RFC 3339 date-time")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7), match.group(8)
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    if zone in ("Z", "z"):
        tz = datetime.UTC
    else:
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError("offset out of range")
        sign = 1 if zone[0] == "+" else -1
        tz = datetime.timezone(sign * datetime.timedelta(hours=hours, minutes=minutes))
    if second > 60:
        raise ValueError("second out of range")
    value = datetime.datetime(year, month, day, hour, minute, min(second, 59), micro, tzinfo=tz)
    # Comparing needs the value in UTC: the first and last days of the calendar may not have it.
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError:
        edge = datetime.datetime.min if value.year == 1 else datetime.datetime.max
        return edge.replace(tzinfo=datetime.UTC)


class RFC3339Field(forms.Field):
    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return parse_rfc3339(value)
        except ValueError:
            raise forms.ValidationError("Use an RFC 3339 date-time, e.g. 2026-01-05T09:00:00Z.") from None

    def validate(self, value):
        return None


class RFC3339Filter(django_filters.IsoDateTimeFilter):
    """``format: date-time`` exactly: Django's own parser also takes dates alone and no offset."""

    field_class = RFC3339Field


def documented_query_params(view):
    """The query parameter names the operation being served documents."""
    names = set(getattr(view, "query_params", {}).get(getattr(view, "action", None) or view.request.method.lower(), ()))
    is_list = getattr(view, "action", None) == "list"
    if is_list:
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is not None:
            names.update(filterset_class.base_filters)
        paginator = getattr(view, "paginator", None)
        if paginator is not None:
            names.update(
                name
                for name in (
                    getattr(paginator, "cursor_query_param", None),
                    getattr(paginator, "page_query_param", None),
                    getattr(paginator, "page_size_query_param", None),
                )
                if name
            )
    return names


class DocumentedQueryOnly:
    """For API views: a query parameter the operation does not document is refused with 400."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            return  # answered 405
        unknown = sorted(set(request.query_params) - documented_query_params(self))
        if unknown:
            raise ProblemError(
                400,
                f"Unknown query parameter(s): {', '.join(map(repr, unknown))}.",
                errors={name: ["Unknown query parameter."] for name in unknown},
                type_slug="validation-error",
            )
        empty = sorted(name for name, values in request.query_params.lists() if "" in values)
        if empty:
            raise ProblemError(
                400,
                f"Query parameter(s) without a value: {', '.join(map(repr, empty))}; leave them out instead.",
                errors={name: ["This parameter may not be empty."] for name in empty},
                type_slug="validation-error",
            )
