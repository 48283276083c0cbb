"""The meeting pages as people use them: the therapist books from the overview, the
participant sees it on their home and books or moves themselves where allowed, bad input gets
a clear message and saves nothing, the outcome goes into the case notes, the caseload and the
report show meetings."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from meetings import selectors, services, times
from meetings.models import Meeting, Status
from reports.selectors import Period, meeting_figures
from tests.helpers import in_english, verified_client
from therapist.models import CaseNote

pytestmark = pytest.mark.django_db


@pytest.fixture
def hours(therapist):
    for weekday in range(7):
        services.hours_add(actor=therapist, weekday=weekday, starts=time(8), ends=time(18))


def later_free(therapist, days=2):
    return [m for m in selectors.free_times(therapist) if m > timezone.now() + timedelta(days=days)]


def test_the_therapist_books_from_the_page_and_the_participant_sees_it_at_home(
    hours, therapist, participant, enrollment
):
    staff = in_english(verified_client(therapist))
    page = staff.get(f"/meetings/with/{enrollment.public_id}/")
    assert page.status_code == 200
    free = page.context["free"]
    assert free, "the therapist's free times are offered"
    chosen = free[3][0]
    response = staff.post(
        f"/meetings/with/{enrollment.public_id}/",
        {"starts_at": chosen, "kind": "phone", "minutes": "60"},
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.public_id}/"
    assert meeting.minutes == 60 and meeting.kind == "phone"
    home = in_english(verified_client(participant)).get("/participant/")
    assert "Your next meeting" in home.content.decode()
    shown = timezone.localtime(meeting.starts_at).strftime("%H:%M")
    assert shown in home.content.decode()
    overview = staff.get(f"/therapist/participants/{enrollment.public_id}/")
    assert f"/meetings/{meeting.public_id}/" in overview.content.decode()
    caseload = staff.get("/therapist/")
    assert caseload.context["rows"][0].next_meeting_at == meeting.starts_at


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        ("", "Choose one of the free times."),
        ("tomorrow at ten", "Choose one of the free times."),
        ("2027-01-12T10:00:00", "Choose one of the free times."),  # no offset: refused
        ("2020-01-14T10:00:00+01:00", "That time has already passed."),
        ("2027-01-12T03:00:00+01:00", "is outside the therapist"),
    ],
)
def test_bad_times_on_the_page_get_a_clear_message_and_save_nothing(
    hours, therapist, enrollment, starts_at, message
):
    staff = in_english(verified_client(therapist))
    response = staff.post(
        f"/meetings/with/{enrollment.public_id}/", {"starts_at": starts_at, "kind": "phone"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_participant_books_where_the_organisation_allows_and_not_elsewhere(
    hours, therapist, participant, enrollment
):
    client = in_english(verified_client(participant))
    assert client.get("/meetings/book/").status_code == 404  # off by default
    organisation = enrollment.unit.organisation
    organisation.participants_book_meetings = True
    organisation.save(update_fields=["participants_book_meetings"])
    page = client.get("/meetings/book/")
    assert page.status_code == 200
    response = client.post(
        "/meetings/book/", {"starts_at": page.context["free"][0][0], "kind": "in_person"}
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.therapist == therapist and meeting.booked_by == participant
    # Another booking of the very same time is refused with a message.
    again = client.post(
        "/meetings/book/", {"starts_at": page.context["free"][0][0], "kind": "in_person"}
    )
    assert again.status_code == 400
    assert "booked" in again.content.decode()
    assert Meeting.objects.count() == 1


def test_the_participant_moves_from_the_page_and_the_therapist_sees_the_notice(
    hours, therapist, participant, enrollment
):
    first, target = later_free(therapist)[0], later_free(therapist)[6]
    meeting = services.meeting_book(
        actor=therapist, enrollment=enrollment, kind="video", starts_at=first
    )
    client = in_english(verified_client(participant))
    no_reason = client.post(
        f"/meetings/{meeting.public_id}/move/", {"starts_at": target.isoformat(), "reason": ""}
    )
    assert no_reason.status_code == 400 and "short reason" in no_reason.content.decode()
    moved = client.post(
        f"/meetings/{meeting.public_id}/move/",
        {"starts_at": target.isoformat(), "reason": "Doctor's appointment"},
    )
    assert moved.status_code == 302
    meeting.refresh_from_db()
    assert meeting.starts_at == target
    hours_page = in_english(verified_client(therapist)).get("/meetings/hours/")
    assert "A meeting was moved" in hours_page.content.decode()
    assert "Doctor&#x27;s appointment" in hours_page.content.decode()


def test_the_outcome_and_note_go_into_the_case_notes_and_the_report(
    hours, therapist, participant, enrollment
):
    meeting = services.meeting_book(
        actor=therapist, enrollment=enrollment, kind="phone", starts_at=later_free(therapist)[0]
    )
    staff = in_english(verified_client(therapist))
    url = f"/therapist/participants/{enrollment.public_id}/meetings/{meeting.public_id}/outcome/"
    staff.post(url, {"outcome": "attended", "note": "Talked about the time-out plan."})
    meeting.refresh_from_db()
    assert meeting.status == Status.SCHEDULED  # not before it has started
    assert not CaseNote.objects.exists()
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    overview = staff.get(f"/therapist/participants/{enrollment.public_id}/")
    assert "What happened?" in overview.content.decode()
    staff.post(url, {"outcome": "attended", "note": "Talked about the time-out plan."})
    meeting.refresh_from_db()
    assert meeting.status == Status.ATTENDED
    note = CaseNote.objects.get()
    assert "Attended" in note.body and "time-out plan" in note.body
    assert note.author == therapist
    today = timezone.localdate()
    figures = meeting_figures(Period(start=today - timedelta(days=1), end=today))
    assert (figures.held, figures.missed, figures.cancelled_late) == (1, 0, 0)


def test_the_participant_cannot_record_an_outcome(hours, therapist, participant, enrollment):
    meeting = services.meeting_book(
        actor=therapist, enrollment=enrollment, kind="phone", starts_at=later_free(therapist)[0]
    )
    url = f"/therapist/participants/{enrollment.public_id}/meetings/{meeting.public_id}/outcome/"
    assert verified_client(participant).post(url, {"outcome": "attended"}).status_code == 404


def test_the_wall_clock_shows_in_the_pages(hours, therapist, participant, enrollment):
    """A meeting at 09:00 in Stockholm reads 09:00, whatever the server's UTC says."""
    day = timezone.localdate(timezone.now(), times.zone()) + timedelta(days=5)
    starts_at = times.instant(day, time(9))
    meeting = services.meeting_book(
        actor=therapist, enrollment=enrollment, kind="phone", starts_at=starts_at
    )
    page = verified_client(participant).get(f"/meetings/{meeting.public_id}/")
    assert ", 09:00</time>–09:45" in page.content.decode()


def test_the_home_page_costs_the_same_queries_with_many_meetings(
    hours, therapist, participant, enrollment
):
    """The home panel is two queries, however many meetings and changes there are."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = verified_client(participant)
    free = later_free(therapist)
    services.meeting_book(actor=therapist, enrollment=enrollment, kind="phone", starts_at=free[0])
    client.get("/participant/")  # warm caches
    with CaptureQueriesContext(connection) as one:
        assert client.get("/participant/").status_code == 200
    for starts_at in free[4:40:4]:
        meeting = services.meeting_book(
            actor=therapist, enrollment=enrollment, kind="phone", starts_at=starts_at
        )
        services.meeting_cancel(actor=therapist, meeting=meeting, reason="Ill")
    with CaptureQueriesContext(connection) as many:
        assert client.get("/participant/").status_code == 200
    assert len(many.captured_queries) == len(one.captured_queries)
