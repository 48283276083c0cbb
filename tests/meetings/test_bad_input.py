"""Bad input on the meeting pages, as someone would send it by hand or by a forged form: each
gets a clear message (or a 404 for what is not theirs) and saves nothing; never a 500."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import selectors, services
from meetings.models import Meeting, Status, WeeklyHours
from tests.helpers import enroll, in_english, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def hours(therapist, other_therapist):
    for person in (therapist, other_therapist):
        for weekday in range(7):
            services.hours_add(actor=person, weekday=weekday, starts=time(8), ends=time(18))


def _later(therapist, days=2):
    return [m for m in selectors.free_times(therapist) if m > timezone.now() + timedelta(days=days)]


@pytest.mark.parametrize("value", ["²", "٣", "-1", "7", "1e3", "", "x" * 500])
def test_a_weekday_that_is_not_one_gets_a_message(therapist, value):
    client = in_english(verified_client(therapist))
    response = client.post(
        reverse("meetings:hours"),
        {"what": "weekly", "weekday": value, "starts": "09:00", "ends": "10:00"},
    )
    assert response.status_code == 400
    assert "Choose a weekday." in response.content.decode()
    assert not WeeklyHours.objects.filter(therapist=therapist).exists()


@pytest.mark.parametrize("value", ["²", "٤٥", "99999999999999999999999", "-45", "abc"])
def test_a_length_that_is_not_offered_falls_back_to_the_default(
    hours, therapist, participant, enrollment, value
):
    client = in_english(verified_client(therapist))
    url = reverse("meetings:book", args=[enrollment.public_id])
    assert client.get(url, {"minutes": value}).status_code == 200
    free = _later(therapist)[0]
    response = client.post(url, {"starts_at": free.isoformat(), "kind": "phone", "minutes": value})
    assert response.status_code == 302
    assert Meeting.objects.get(enrollment=enrollment).minutes == 45


def test_a_forged_meeting_of_another_therapist_is_404_everywhere(
    hours, therapist, other_therapist, participant, participant2, programme
):
    theirs = enroll(participant2, other_therapist, programme)
    meeting = services.meeting_book(
        actor=other_therapist, enrollment=theirs, kind="phone", starts_at=_later(other_therapist)[0]
    )
    client = verified_client(therapist)
    free = _later(therapist)[1].isoformat()
    for response in (
        client.get(reverse("meetings:detail", args=[meeting.public_id])),
        client.get(reverse("meetings:ics", args=[meeting.public_id])),
        client.post(reverse("meetings:cancel", args=[meeting.public_id]), {"reason": "Mine now"}),
        client.post(
            reverse("meetings:move", args=[meeting.public_id]),
            {"starts_at": free, "reason": "Mine now"},
        ),
        client.get(reverse("meetings:book", args=[theirs.public_id])),
        client.post(
            reverse(
                "meetings:hours_remove",
                args=[WeeklyHours.objects.filter(therapist=other_therapist).first().public_id],
            )
        ),
    ):
        assert response.status_code == 404
    meeting.refresh_from_db()
    assert meeting.status == Status.SCHEDULED and meeting.change_reason == ""
    assert WeeklyHours.objects.filter(therapist=other_therapist).count() == 7


def test_past_outside_over_long_and_forged_times_on_the_pages(
    hours, therapist, participant, enrollment
):
    client = in_english(verified_client(therapist))
    book = reverse("meetings:book", args=[enrollment.public_id])
    past = (timezone.now() - timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    night = _later(therapist)[0].replace(hour=1, minute=0)  # 02:00 or 03:00 in Stockholm
    for value, message in (
        (past.isoformat(), "That time has already passed."),
        (night.isoformat(), "outside the therapist&#x27;s free time"),
        ("2026-13-45T09:00:00+01:00", "Choose one of the free times."),
        ("2030-01-01T09:00:00", "Choose one of the free times."),  # no offset
        ("<script>alert(1)</script>", "Choose one of the free times."),
    ):
        response = client.post(book, {"starts_at": value, "kind": "phone", "minutes": "45"})
        assert response.status_code == 400, value
        assert message in response.content.decode(), value
        assert "<script>alert(1)</script>" not in response.content.decode()
    assert not Meeting.objects.exists()
    free = _later(therapist)
    meeting = services.meeting_book(
        actor=therapist, enrollment=enrollment, kind="phone", starts_at=free[0]
    )
    too_long = "x" * 301
    response = client.post(
        reverse("meetings:move", args=[meeting.public_id]),
        {"starts_at": free[3].isoformat(), "reason": too_long},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Keep the reason under 300 characters." in page
    assert f'value="{too_long}"' in page  # what was written is kept
    response = client.post(
        reverse("meetings:cancel", args=[meeting.public_id]), {"reason": too_long}
    )
    assert response.status_code == 400
    assert "Keep the reason under 300 characters." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == Status.SCHEDULED and meeting.starts_at == free[0]
