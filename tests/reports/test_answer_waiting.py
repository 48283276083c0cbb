"""The report's time to answer uses the one definition of waiting (issue 14, item 1):
reading a message does not answer it, and a message marked as needing no reply is neither
timed nor left waiting; it is counted apart."""

from __future__ import annotations

import pytest

from messaging.models import Side, Thread, WaitClosure
from messaging.selectors import waiting_messages
from reports import selectors
from tests.helpers import PERIOD, REPORT_QUERY, REPORT_URL, at, csv_sections, lead, message, person

pytestmark = pytest.mark.django_db


def _close(thread: Thread, seq: int) -> None:
    WaitClosure.objects.create(thread=thread, seq=seq, closed_by=thread.enrollment.therapist)


@pytest.fixture
def threads(programme, therapist):
    """A: participant 10:00 and 10:30, closed as needing no reply; participant 13:00, team
    14:00 → one answer of 1 h, two closed. B: participant 09:00, read but never answered →
    waiting. C: participant 09:00, team 10:00 → 1 h; participant 11:00 closed; participant
    12:00 after the close → waiting again. So: 2 timed (1 h each), 3 closed, 2 waiting."""
    a, b, c = (person(programme, therapist, created=at("2026-01-01")).thread for _ in range(3))
    P, T = Side.PARTICIPANT, Side.TEAM
    message(a, P, at("2026-02-02", "10:00"))
    message(a, P, at("2026-02-02", "10:30"))
    _close(a, 2)
    message(a, P, at("2026-02-02", "13:00"))
    message(a, T, at("2026-02-02", "14:00"))
    message(b, P, at("2026-02-03", "09:00"))
    Thread.objects.filter(pk=b.pk).update(team_read_seq=1)
    message(c, P, at("2026-02-04", "09:00"))
    message(c, T, at("2026-02-04", "10:00"))
    message(c, P, at("2026-02-04", "11:00"))
    _close(c, 3)
    message(c, P, at("2026-02-04", "12:00"))
    return a, b, c


def test_a_message_marked_as_needing_no_reply_is_neither_timed_nor_waiting(threads):
    figures = selectors.answer_times(PERIOD)
    assert (figures.n, figures.waiting, figures.closed) == (2, 2, 3)
    assert (figures.median_hours, figures.p90_hours) == (1.0, 1.0)
    # The waiting ones are those the inbox and the caseload call waiting.
    assert figures.waiting == waiting_messages().count()


def test_the_page_says_how_many_were_marked_as_needing_no_reply(threads, org_lead):
    page = lead(org_lead).get(REPORT_URL + REPORT_QUERY).content.decode()
    assert "2 not answered yet" in page
    assert "3 marked as needing no reply" in page


def test_the_export_counts_the_messages_marked_as_needing_no_reply(threads, org_lead):
    """The organisation's file says what the page says: 2 answered in 1 h, 2 still waiting,
    3 closed as needing no reply (the first contact cannot be closed: its cell is empty)."""
    response = lead(org_lead).get("/reports/export.csv" + REPORT_QUERY)
    header, *rows = csv_sections(response.content)["service"]
    by_figure = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    answer = by_figure["message_to_answer"]
    assert (answer["people_or_cases"], answer["without_end_yet"]) == ("2", "2")
    assert answer["closed_without_reply"] == "3"
    assert by_figure["referral_to_first_contact"]["closed_without_reply"] == ""
