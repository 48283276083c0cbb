"""The one writer of spreadsheet files (CSV and Excel). Every export goes through it: the
admin's access log, a person's own access log, the organisation's report, and any later one.

A cell whose text a spreadsheet program would read as a formula is written with a leading
single quote (OWASP's advice for CSV injection): text starting with `=`, `+`, `-`, `@`, a tab
or a carriage return, also after leading spaces, since spreadsheets skip those. Names, email
addresses, module titles and the like are chosen by people (`=1+1@example.test` is a valid
address) and must never run as `=HYPERLINK(...)` on a reader's machine. Numbers stay numbers:
-3 written as a number is not a formula, while the text "-3+1" is neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal, overload

from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What makes a spreadsheet program evaluate a cell: ASCII, and the full-width forms some
# programs accept as the same.
FORMULA_START = frozenset("=+-@\t\r\n" + "\uff1d\uff0b\uff0d\uff20")
Row = Iterable[Any]


def is_formula_like(text: str) -> bool:
    """True when the text starts, after any spaces or control characters, with a character
    that makes a spreadsheet evaluate it (a leading tab or carriage return counts itself)."""
    if not text:
        return False
    first = next((c for c in text if not (c.isspace() or ord(c) < 32)), "")
    return text[0] in FORMULA_START or first in FORMULA_START


def safe_cell(value: Any) -> Any:
    """The cell as it may be written: numbers, dates and empty cells as they are, everything
    else as text, with a leading quote if a spreadsheet would read the text as a formula."""
    if value is None or isinstance(value, (bool, int, float, Decimal, date, datetime, time)):
        return value
    text = str(value)
    return "'" + text if is_formula_like(text) else text


def safe_rows(rows: Iterable[Row]) -> Iterator[list[Any]]:
    for row in rows:
        yield [safe_cell(value) for value in row]


class _Echo:
    """A file that hands back what is written, so csv.writer can feed a stream."""

    def write(self, value: str) -> str:
        return value


def _attachment(response: HttpResponseBase, filename: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'


@overload
def csv_response(
    rows: Iterable[Row], *, filename: str, stream: Literal[False] = False
) -> HttpResponse: ...
@overload
def csv_response(
    rows: Iterable[Row], *, filename: str, stream: Literal[True]
) -> StreamingHttpResponse: ...
def csv_response(rows: Iterable[Row], *, filename: str, stream: bool = False) -> HttpResponseBase:
    """The rows as a CSV download. With `stream`, rows are written as they are read (a long
    access log never sits in memory)."""
    response: HttpResponseBase
    if stream:
        writer = csv.writer(_Echo())
        lines = (writer.writerow(row) for row in safe_rows(rows))
        response = StreamingHttpResponse(lines, content_type=CSV_TYPE)
    else:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(safe_rows(rows))
        response = HttpResponse(buffer.getvalue(), content_type=CSV_TYPE)
    _attachment(response, filename)
    return response


def xlsx_response(sheets: Iterable[tuple[str, Iterable[Row]]], *, filename: str) -> HttpResponse:
    """One Excel sheet per (title, rows)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def cell(value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.isoformat()  # Excel has no time zones
        elif value is not None and not isinstance(value, (bool, int, float, Decimal, date, time)):
            # Control characters cannot be stored in the file format at all; they go before
            # the formula check, so that nothing is left to uncover a formula afterwards.
            value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
        return safe_cell(value)

    book = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = book.create_sheet(title=title)
        for row in rows:
            sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    _attachment(response, filename)
    return response
