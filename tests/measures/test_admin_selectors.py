"""The admins' reads: the schedule grid (an instrument a row, an occasion a column) and the
list of instruments with their number of questions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from measures import selectors
from measures.models import Occasion, ScheduleRule

pytestmark = pytest.mark.django_db


def test_the_grid_checks_exactly_the_scheduled_cells_in_one_query(programme, instruments):
    ScheduleRule.objects.filter(programme=programme).delete()
    phq = instruments["phq-9"]
    ScheduleRule.objects.create(programme=programme, occasion=Occasion.INTAKE, instrument=phq)
    listed = selectors.instruments_with_item_counts()
    with CaptureQueriesContext(connection) as queries:
        (schedule,) = selectors.schedules([programme], listed)
    assert len(queries) == 1
    assert schedule.programme == programme
    assert [row.instrument for row in schedule.rows] == listed
    checked = [cell.value for row in schedule.rows for cell in row.cells if cell.checked]
    assert checked == [f"intake:{phq.pk}"]
    assert [cell.label for cell in schedule.rows[0].cells] == [
        label for _value, label in Occasion.choices
    ]


def test_the_instruments_are_listed_by_key_with_their_number_of_questions(instruments):
    listed = selectors.instruments_with_item_counts()
    assert [i.key for i in listed] == sorted(i.key for i in listed)
    phq = next(i for i in listed if i.key == "phq-9")
    assert phq.n_items == instruments["phq-9"].items.count() == 9
    assert selectors.instrument_by_key("phq-9") == phq
    assert selectors.instrument_by_key("nope") is None
