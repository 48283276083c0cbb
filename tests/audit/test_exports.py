"""Spreadsheet formulas in exports: every CSV and Excel file Omtag writes goes through one
writer (audit.exports), and no cell a person can influence arrives as a formula. Here: the
writer itself, the admin's access log and a person's own access log; the report's files are
tried in tests/reports/test_export_formulas.py."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from audit.exports import csv_response, is_formula_like, safe_cell, xlsx_response
from audit.models import AuditEvent
from audit.services import record_access
from tests.helpers import assert_no_formula, make_user, verified_client

PAYLOADS = [
    '=HYPERLINK("http://x","y")',
    "=1+1@example.test",
    "-2+3@example.test",
    "+46701234567",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "   =1+1",
    "\u00a0=1+1",
    "\x01=1+1",
    "\uff1d1+1",
    "=cmd|' /C calc'!A0",
]


def csv_cells(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode())))


# --- The writer ------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_text_gets_a_leading_quote(payload):
    cell = safe_cell(payload)
    assert cell == "'" + payload
    assert is_formula_like(payload)


@pytest.mark.parametrize(
    "value", ["Alex", "2026-03-01T10:00:00+00:00", "192.0.2.1", "::1", "fewer than 5", "", "a=b"]
)
def test_ordinary_text_is_written_as_it_is(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [-3, -2.5, Decimal("-1.25"), 0, 7, True, None])
def test_numbers_stay_numbers_even_negative(value):
    assert safe_cell(value) is value


def test_text_that_looks_like_a_negative_number_is_still_text():
    """Only a value written as a number is one: "-3" from a person is text and quoted."""
    assert safe_cell("-3") == "'-3"


def test_the_writer_neutralises_every_csv_and_excel_cell():
    rows = [PAYLOADS, [-3, 2.5, "ok", None]]
    response = csv_response(rows, filename="x.csv")
    cells = [c for row in csv_cells(response.content) for c in row]
    assert_no_formula(cells)
    assert cells[: len(PAYLOADS)] == ["'" + p for p in PAYLOADS]
    assert cells[len(PAYLOADS) : len(PAYLOADS) + 2] == ["-3", "2.5"]

    streamed = csv_response(rows, filename="x.csv", stream=True)
    assert b"".join(streamed.streaming_content) == response.content

    when = datetime(2026, 3, 1, 10, tzinfo=UTC)
    book = load_workbook(
        io.BytesIO(xlsx_response([("sheet", [*rows, [when]])], filename="x.xlsx").content)
    )
    sheet = book["sheet"]
    values = [cell.value for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert_no_formula(values)
    assert -3 in values and 2.5 in values  # numbers, not text
    assert "'=1+1" in values  # the control character is dropped, the quote stays
    assert when.isoformat() in values


# --- The admin's access log --------------------------------------------------------------


@pytest.fixture
def hostile_reads(db):
    """Reads whose every person-chosen column holds a formula: the staff member's email (both
    pass validation), the participant's name, what was read, and a forged client address."""
    victim = make_user("victim@example.org", [Role.PARTICIPANT], name='=HYPERLINK("http://x","y")')
    readers = [
        make_user("=1+1@example.test", [Role.THERAPIST]),
        make_user("-2+3@example.test", [Role.THERAPIST]),
        make_user("@sum@example.test", [Role.THERAPIST]),
    ]
    for reader, what in zip(readers, ["=SUM(1+1)", "-1+1", "\t=1"], strict=True):
        request = RequestFactory().get(
            "/", HTTP_X_FORWARDED_FOR='=HYPERLINK("http://x","y")', REMOTE_ADDR="192.0.2.4"
        )
        record_access(actor=reader, subject=victim, what=what, request=request)
    return victim


def test_the_admins_access_log_csv_holds_no_formula(hostile_reads, admin_user):
    client = verified_client(admin_user)
    response = client.get(reverse("administration:access_log"), {"format": "csv"})
    rows = csv_cells(b"".join(response.streaming_content))
    assert rows[0] == ["time", "staff", "roles", "participant", "what", "ip", "unit"]
    body = rows[1:]
    assert len(body) == 3
    assert_no_formula([c for row in body for c in row])
    assert {r[1] for r in body} == {
        "'=1+1@example.test",
        "'-2+3@example.test",
        "'@sum@example.test",
    }
    assert {r[3] for r in body} == {'\'=HYPERLINK("http://x","y")'}
    assert {r[4] for r in body} == {"'=SUM(1+1)", "'-1+1", "'\t=1"}
    assert {r[5] for r in body} == {"192.0.2.4"}  # the peer, never the header's text


def test_a_persons_own_access_log_holds_no_formula(hostile_reads):
    response = verified_client(hostile_reads).get(reverse("accounts:my_access_log"))
    assert response["Content-Disposition"] == 'attachment; filename="omtag-my-access-log.csv"'
    rows = csv_cells(response.content)
    assert len(rows) == 4
    assert_no_formula([c for row in rows for c in row])
    assert {r[-1] for r in rows[1:]} == {"'=SUM(1+1)", "'-1+1", "'\t=1"}
    # Still by role, never by name or email.
    assert "example.test" not in response.content.decode()


def test_the_access_log_keeps_only_real_addresses(hostile_reads):
    assert set(AuditEvent.objects.values_list("ip_address", flat=True)) == {"192.0.2.4"}
