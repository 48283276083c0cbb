"""The report as files: CSV (sections one after another, each after a row with its name and
separated by an empty row) and Excel (one sheet per section). Aggregate figures and the
pseudonymous per-enrollment table only: nothing from partner contact, no names, email
addresses, ids or free text."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from audit.exports import csv_response as _csv_response
from audit.exports import xlsx_response as _xlsx_response

from .selectors import EnrollmentTable, Report, figures_table


def sections(data: Report, table: EnrollmentTable) -> list[tuple[str, list[list[Any]]]]:
    return [*figures_table(data), ("enrollments", [table.header, *table.rows])]


def _filename(data: Report, extension: str) -> str:
    return f"omtag-report-{data.period.slug}.{extension}"


def csv_response(data: Report, table: EnrollmentTable) -> HttpResponse:
    rows: list[list[Any]] = []
    for i, (name, section) in enumerate(sections(data, table)):
        if i:
            rows.append([])
        rows.append([f"# {name}"])
        rows.extend(section)
    # The one export writer neutralises anything a spreadsheet would read as a formula.
    return _csv_response(rows, filename=_filename(data, "csv"))


def xlsx_response(data: Report, table: EnrollmentTable) -> HttpResponse:
    return _xlsx_response(sections(data, table), filename=_filename(data, "xlsx"))
