"""The API's JSON parser: bounded in size and in nesting, errors as problem details."""

import json

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings
from rest_framework.utils.json import strict_constant


def too_large():
    # Imported here: integrations.api.exceptions imports rest_framework.views, whose settings
    # import this module (the parser setting), so a top-level import would be circular.
    from integrations.api.exceptions import ProblemError

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return ProblemError(413, f"The request body is larger than {limit:,} bytes.", type_slug="too-large")


def loads(text, *, parse_constant=None):
    """``json.loads`` that reports nesting too deep for the parser (``[[[[...`` 100,000 levels)
    as a ValueError like any other bad JSON, instead of letting a RecursionError escape."""
    try:
        return json.loads(text, parse_constant=parse_constant)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None


class JSONParser(parsers.JSONParser):
    """DRF's parser reads the stream without Django's DATA_UPLOAD_MAX_MEMORY_SIZE check and lets
    a RecursionError escape (a 500); this one answers 413 and 400 problem documents."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise too_large()
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return loads(raw.decode(encoding), parse_constant=strict_constant if api_settings.STRICT_JSON else None)
        except ValueError as exc:  # UnicodeDecodeError is a ValueError too
            raise ParseError(f"JSON parse error - {exc}") from None
