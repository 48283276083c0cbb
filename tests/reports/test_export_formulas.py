"""The report's CSV and Excel files go through the one export writer: text a person chose (a
module's title, a questionnaire's key) never arrives as a formula, while the figures stay
numbers, negative ones included."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from openpyxl import load_workbook

from content.models import ModulePage
from measures.models import Instrument, Occasion
from tests.helpers import (
    assert_no_formula,
    at,
    instrument,
    person,
    reach,
    referral,
    respond,
    verified_client,
)

pytestmark = pytest.mark.django_db

QUERY = "?start=2026-01-01&end=2026-06-30"
TITLE = '  =HYPERLINK("http://x","y")'
KEY = "-2+3"


@pytest.fixture
def hostile_report(programme, therapist):
    """Six people (above the smallest group shown) whose scores fall, so the mean change is
    negative, with a module title (after two spaces, which the old guard missed) and a
    questionnaire key that are formulas."""
    phq = instrument("phq9")
    for i in range(6):
        enrollment = person(programme, therapist, created=at("2026-02-02"))
        referral(at("2026-02-01"), screened_by=therapist, enrollment=enrollment)
        reach(enrollment, 1, completed_through=1)
        respond(enrollment, phq, Occasion.INTAKE, 20, at("2026-02-02"))
        respond(enrollment, phq, Occasion.COMPLETION, 10 + i, at("2026-04-01"))
    ModulePage.objects.filter(title="Module 1").update(title=TITLE)
    Instrument.objects.filter(pk=phq.pk).update(key=KEY)


def _client(org_lead):
    client = verified_client(org_lead)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_report_csv_holds_no_formula_and_keeps_negative_figures(hostile_report, org_lead):
    content = _client(org_lead).get("/reports/export.csv" + QUERY).content.decode()
    rows = list(csv.reader(io.StringIO(content)))
    cells = [c for row in rows for c in row]
    assert_no_formula(cells)
    assert "'" + TITLE in cells
    assert f"'{KEY} intake" in cells and "'" + KEY in cells
    outcome = next(r for r in rows if r[:2] == ["'" + KEY, "completion"])
    assert outcome[5].startswith("-") and float(outcome[5]) < 0  # mean_change: a number


def test_the_report_xlsx_holds_no_formula_and_keeps_negative_figures(hostile_report, org_lead):
    response = _client(org_lead).get("/reports/export.xlsx" + QUERY)
    book = load_workbook(io.BytesIO(response.content))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = [c.value for c in cells if c.value is not None]
    assert_no_formula(values)
    assert "'" + TITLE in values
    assert f"'{KEY} intake" in book["enrollments"][1][8].value
    outcome = next(
        row for row in book["outcomes"].iter_rows(values_only=True) if row[1] == "completion"
    )
    assert outcome[0] == "'" + KEY
    assert isinstance(outcome[5], float) and outcome[5] < 0
