"""The report as files: CSV (sections one after another, each after a row with its name and
separated by an empty row) and Excel (one sheet per section). Aggregate figures and the
pseudonymous per-enrollment table only: nothing from partner contact, no names, email
addresses, ids or free text."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpResponse

from .selectors import EnrollmentTable, Report, figures_table

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these is a formula to a spreadsheet program.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def sections(data: Report, table: EnrollmentTable) -> list[tuple[str, list[list[Any]]]]:
    return [*figures_table(data), ("enrollments", [table.header, *table.rows])]


def _filename(data: Report, extension: str) -> str:
    return f"omtag-report-{data.period.slug}.{extension}"


def csv_response(data: Report, table: EnrollmentTable) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for i, (name, rows) in enumerate(sections(data, table)):
        if i:
            writer.writerow([])
        writer.writerow([f"# {name}"])
        writer.writerows([_cell(v) for v in row] for row in rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(data, "csv")}"'
    return response


def xlsx_response(data: Report, table: EnrollmentTable) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, rows in sections(data, table):
        sheet = book.create_sheet(title=name)
        for row in rows:
            sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(data, "xlsx")}"'
    return response
