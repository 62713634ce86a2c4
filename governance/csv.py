"""The one CSV writer: every export (dashboard lists, compliance reports and their API
download) goes through it, so every export is formula-safe and opens in a spreadsheet alike.

- Formula-safe: a cell that a spreadsheet would run as a formula or a DDE command (one that
  starts with ``= + - @ | %``, a tab or a carriage return) is prefixed with ``'``, so HR values
  such as ``=HYPERLINK(...)`` or ``+cmd|' /C calc'!A0`` are shown as text. The neutralization is
  defusedcsv's (it also leaves plain numbers such as ``-12`` alone); tab and CR are added here.
- UTF-8 with a byte-order mark, served as ``text/csv; charset=utf-8``, so names like "Chloé"
  open correctly in spreadsheet programs that otherwise guess a legacy encoding.
- Streaming: rows are written as they come, memory stays flat whatever the export's size.
"""

from collections.abc import Iterable, Iterator
from typing import Any

from defusedcsv import csv as defusedcsv
from django.http import StreamingHttpResponse

CONTENT_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
_CONTROL_STARTS = ("\t", "\r")


def _pre(value: object) -> object:
    """What defusedcsv does not cover: a cell starting with a tab or a carriage return."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_CONTROL_STARTS):
        return "'" + value
    return value


class _Writer:
    def __init__(self, handle: Any) -> None:
        self._writer = defusedcsv.writer(handle)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([_pre(value) for value in row])


def writer(handle: Any) -> _Writer:
    """A formula-safe CSV writer on a text ``handle`` (opened with ``newline=""``, UTF-8);
    writes the byte-order mark first."""
    handle.write(BOM)
    return _Writer(handle)


class _Echo:
    def write(self, value: str) -> str:
        return value


def stream(rows: Iterable[Iterable[object]]) -> Iterator[bytes]:
    """The lines of a CSV (BOM first) as encoded chunks, one per row."""
    row_writer = _Writer(_Echo())
    yield BOM.encode()
    for row in rows:
        yield row_writer.writerow(row).encode()


def streaming_response(rows: Iterable[Iterable[object]], *, filename: str) -> StreamingHttpResponse:
    """A download of ``rows`` (the header first), streamed."""
    response = StreamingHttpResponse(stream(rows), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
