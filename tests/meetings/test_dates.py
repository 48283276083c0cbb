"""Every page that shows a meeting writes its date in the viewer's language: Swedish month and
day names in lowercase ("tors 11 dec", "torsdag 11 december 2031"), English capitalised
("Thu 11 Dec", "Thursday 11 December 2031"), as tests/test_date_formats.py sets out. The
emails say no date at all and the calendar file's title is neutral."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from meetings.models import Meeting, OpenSlot
from meetings.notifications import notify_change, send_reminders
from tests.helpers import in_english, verified_client

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# A Thursday in December, far enough ahead to stay in the future.
STARTS = datetime(2031, 12, 11, 10, 0, tzinfo=STOCKHOLM)
ENDS = datetime(2031, 12, 11, 10, 45, tzinfo=STOCKHOLM)


@pytest.fixture
def meeting(therapist, participant, enrollment) -> Meeting:
    OpenSlot.objects.create(therapist=therapist, day=STARTS.date(), starts=time(9), ends=time(12))
    return Meeting.objects.create(
        enrollment=enrollment,
        therapist=therapist,
        participant=participant,
        kind="phone",
        starts_at=STARTS,
        ends_at=ENDS,
        booked_by=therapist,
    )


def _pages(meeting: Meeting) -> dict[str, tuple[str, str]]:
    """Each page: who sees it and its url."""
    return {
        "caseload": ("therapist", reverse("therapist:home")),
        "overview": (
            "therapist",
            reverse("therapist:participant", args=[meeting.enrollment.public_id]),
        ),
        "detail (staff)": ("therapist", reverse("meetings:detail", args=[meeting.public_id])),
        "hours": ("therapist", reverse("meetings:hours")),
        "home": ("participant", reverse("modules:home")),
        "meetings": ("participant", reverse("meetings:mine")),
        "detail": ("participant", reverse("meetings:detail", args=[meeting.public_id])),
    }


def test_the_caseload_writes_the_month_in_lowercase_in_swedish(meeting, therapist):
    page = verified_client(therapist).get(reverse("therapist:home")).content.decode()
    assert "tors 11 dec 10:00" in page
    assert "Dec" not in page


def test_the_caseload_capitalises_the_month_in_english(meeting, therapist):
    page = in_english(verified_client(therapist)).get(reverse("therapist:home")).content.decode()
    assert "Thu 11 Dec 10:00" in page
    assert "11 dec" not in page


def test_every_meeting_page_writes_the_date_in_swedish(meeting, therapist, participant):
    people = {"therapist": verified_client(therapist), "participant": verified_client(participant)}
    for name, (who, url) in _pages(meeting).items():
        response = people[who].get(url)
        assert response.status_code == 200, name
        page = response.content.decode()
        assert "11 dec" in page, name
        for english in ("Dec", "December", "Thursday", "Thu "):
            assert english not in page, (name, english)
    hours = people["therapist"].get(reverse("meetings:hours")).content.decode()
    assert "torsdag 11 december 2031 09:00–12:00" in hours  # the single free time


def test_every_meeting_page_writes_the_date_in_english(meeting, therapist, participant):
    people = {
        "therapist": in_english(verified_client(therapist)),
        "participant": in_english(verified_client(participant)),
    }
    for name, (who, url) in _pages(meeting).items():
        response = people[who].get(url)
        assert response.status_code == 200, name
        page = response.content.decode()
        assert "11 Dec" in page, name
        for swedish in ("11 dec", "december", "torsdag", "tors "):
            assert swedish not in page, (name, swedish)


def test_the_emails_and_the_calendar_file_say_no_date(meeting, therapist, participant):
    notify_change(meeting=meeting, recipient=participant, key="booked:x")
    send_reminders(now=datetime(2031, 12, 10, 14, 0, tzinfo=STOCKHOLM))
    assert len(mail.outbox) == 3
    for email in mail.outbox:
        for leak in ("11", "dec", "Dec", "tors", "Thu", "10:00"):
            assert leak not in email.subject + email.body, leak
    for client in (verified_client(participant), in_english(verified_client(participant))):
        body = client.get(reverse("meetings:ics", args=[meeting.public_id])).content.decode()
        summary = next(line for line in body.splitlines() if line.startswith("SUMMARY:"))
        assert summary in ("SUMMARY:Bokad tid", "SUMMARY:Booked time")
