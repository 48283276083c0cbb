"""Booking rules: free time, no double booking (also two at once), moving and cancelling with
the other side told discreetly, a paused treatment, reminders, the calendar file, bad input."""

from __future__ import annotations

import threading
import time as time_module
from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone

from audit.models import AuditEvent
from meetings import selectors, services, times
from meetings.ics import meeting_ics
from meetings.models import Meeting, Status
from meetings.notifications import send_reminders
from meetings.tasks import notify_meeting_change
from modules.models import EnrollmentStatus
from modules.services import enrollment_set_status
from tests.helpers import enroll, make_user

pytestmark = pytest.mark.django_db


def a_day_ahead(days: int = 8, weekday: int = 1) -> date:
    """A `weekday` at least `days` ahead on the Stockholm calendar."""
    day = timezone.localdate(timezone.now(), times.zone()) + timedelta(days=days)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def at(day: date, clock: str) -> datetime:
    return times.instant(day, time.fromisoformat(clock))


@pytest.fixture
def hours(therapist):
    """Free every weekday 09:00-12:00."""
    return [
        services.hours_add(actor=therapist, weekday=d, starts=time(9), ends=time(12))
        for d in range(5)
    ]


def book(actor, enrollment, starts_at, *, kind="phone", minutes=45):
    return services.meeting_book(
        actor=actor, enrollment=enrollment, kind=kind, starts_at=starts_at, minutes=minutes
    )


def test_free_times_are_inside_the_hours_and_clear_of_booked_meetings(
    hours, therapist, participant, enrollment
):
    day = a_day_ahead()
    offered = [m for m in selectors.free_times(therapist) if times.local(m).date() == day]
    assert [times.local(m).strftime("%H:%M") for m in offered] == [
        "09:00", "09:30", "10:00", "10:30", "11:00",
    ]  # fmt: skip
    book(therapist, enrollment, at(day, "10:00"))
    offered = [m for m in selectors.free_times(therapist) if times.local(m).date() == day]
    # 09:30 (until 10:15) and 10:30 (from before 10:45) now overlap the meeting.
    assert [times.local(m).strftime("%H:%M") for m in offered] == ["09:00", "11:00"]


def test_the_therapist_books_and_both_see_it_and_the_booking_is_logged(
    hours, therapist, participant, enrollment
):
    day = a_day_ahead()
    meeting = book(therapist, enrollment, at(day, "09:00"), kind="video")
    assert meeting.participant == participant and meeting.therapist == therapist
    assert meeting.ends_at - meeting.starts_at == timedelta(minutes=45)
    assert selectors.next_meeting(enrollment) == meeting
    assert list(selectors.meetings_for_participant(participant)) == [meeting]
    assert list(selectors.meetings_for_staff(therapist)) == [meeting]
    assert AuditEvent.objects.filter(action="meeting_booked", subject=participant).count() == 1


def test_no_double_booking_of_a_therapist(
    hours, therapist, participant, enrollment, programme, english
):
    other = make_user("p3@example.org", ["participant"], name="Sam")
    other_enrollment = enroll(other, therapist, programme)
    day = a_day_ahead()
    book(therapist, enrollment, at(day, "10:00"))
    with pytest.raises(ValidationError, match="booked"):
        book(therapist, other_enrollment, at(day, "10:30"))
    with pytest.raises(ValidationError, match="booked"):
        book(therapist, other_enrollment, at(day, "09:30"))
    book(therapist, other_enrollment, at(day, "10:45"))  # back to back is fine
    assert Meeting.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_bookings_of_the_same_time_at_once_make_one_meeting(
    hours, therapist, participant, programme
):
    """Two requests race for one time: the lock on the therapist (PostgreSQL) or SQLite's
    IMMEDIATE transactions let one in; the other is refused, not stored."""
    enrollment = enroll(participant, therapist, programme)
    other = make_user("p3@example.org", ["participant"], name="Sam")
    other_enrollment = enroll(other, therapist, programme)
    starts_at = at(a_day_ahead(), "10:00")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(e):
        barrier.wait(timeout=10)
        try:
            for _ in range(200):
                try:
                    book(therapist, e, starts_at)
                    outcomes.append("booked")
                    return
                except ValidationError:
                    outcomes.append("refused")
                    return
                except OperationalError as exc:
                    # The in-memory SQLite test database (one shared cache) answers a second
                    # writer with "table is locked" at once where a database file waits for
                    # the first to commit (its busy timeout): wait here as the file would.
                    if connection.vendor != "sqlite" or "locked" not in str(exc):
                        raise
                    time_module.sleep(0.05)
            outcomes.append("never got in")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=attempt, args=(e,)) for e in (enrollment, other_enrollment)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["booked", "refused"]
    assert Meeting.objects.filter(status=Status.SCHEDULED).count() == 1


@pytest.mark.parametrize(
    ("when", "error"),
    [
        (lambda: timezone.now() - timedelta(hours=1), "already passed"),
        (lambda: at(a_day_ahead(), "13:00"), "outside"),  # after the hours
        (lambda: at(a_day_ahead(), "11:30"), "outside"),  # runs past 12:00
        (lambda: at(a_day_ahead(weekday=5), "10:00"), "outside"),  # a Saturday
    ],
)
def test_bad_times_are_refused_with_a_clear_message_and_nothing_is_saved(
    hours, therapist, enrollment, english, when, error
):
    with pytest.raises(ValidationError, match=error):
        book(therapist, enrollment, when())
    assert not Meeting.objects.exists()


def test_a_single_slot_opens_a_day_outside_the_weekly_hours(therapist, enrollment):
    saturday = a_day_ahead(weekday=5)
    services.slot_add(actor=therapist, day=saturday, starts=time(13), ends=time(14))
    assert book(therapist, enrollment, at(saturday, "13:00")).starts_at == at(saturday, "13:00")


def test_a_daylight_saving_weekend_books_on_the_clock_time(therapist, enrollment):
    """The last Sunday of March 2027: hours 01:00-04:00 hold a meeting at 03:00 summer time
    (01:00 UTC) and none at 02:30, which does not exist."""
    spring = date(2027, 3, 28)
    services.slot_add(actor=therapist, day=spring, starts=time(1), ends=time(4))
    meeting = book(therapist, enrollment, at(spring, "03:00"), minutes=60)
    assert meeting.starts_at.astimezone(times.ZONE).strftime("%H:%M %Z") == "03:00 CEST"
    assert meeting.starts_at.utcoffset() is not None
    offered = selectors.free_times(therapist, first=spring, days=0, minutes=30)
    assert [times.local(m).strftime("%H:%M") for m in offered] == ["01:00", "01:30"]


def test_participants_book_only_where_the_organisation_allows_it(
    hours, therapist, participant, enrollment
):
    starts_at = at(a_day_ahead(), "09:00")
    with pytest.raises(PermissionDenied):
        book(participant, enrollment, starts_at)
    organisation = enrollment.unit.organisation
    organisation.participants_book_meetings = True
    organisation.save(update_fields=["participants_book_meetings"])
    enrollment.refresh_from_db()
    meeting = book(participant, enrollment, starts_at, minutes=90)
    assert meeting.therapist == therapist
    assert meeting.minutes == times.DEFAULT_MINUTES  # a participant books the usual length


def test_another_therapist_cannot_book_move_or_cancel(
    hours, therapist, other_therapist, participant, enrollment
):
    starts_at = at(a_day_ahead(), "09:00")
    with pytest.raises(PermissionDenied):
        book(other_therapist, enrollment, starts_at)
    meeting = book(therapist, enrollment, starts_at)
    with pytest.raises(PermissionDenied):
        services.meeting_cancel(actor=other_therapist, meeting=meeting, reason="x")
    with pytest.raises(PermissionDenied):
        services.meeting_move(
            actor=other_therapist, meeting=meeting, starts_at=at(a_day_ahead(), "11:00"),
            reason="x",
        )  # fmt: skip


@pytest.mark.django_db(transaction=True)  # the email task is queued after commit
def test_the_participant_moves_and_the_therapist_is_told_discreetly(
    hours, therapist, participant, programme
):
    from django.core.management import call_command

    enrollment = enroll(participant, therapist, programme)
    day = a_day_ahead()
    meeting = book(therapist, enrollment, at(day, "09:00"))
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert [m.to for m in mail.outbox] == [[participant.email]]  # told of the booking
    moved = services.meeting_move(
        actor=participant, meeting=meeting, starts_at=at(day, "11:00"), reason="Work shift"
    )
    assert times.local(moved.starts_at).time() == time(11)
    assert moved.change_reason == "Work shift" and moved.changed_by == participant
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    email = mail.outbox[-1]
    assert email.to == [therapist.email]
    for leak in ("Work shift", participant.display_name, participant.email, "11:00", "phone"):
        assert leak not in email.subject and leak not in email.body
    # The therapist's page shows the change (the in-app notice).
    staff_view = selectors.meetings_for_staff(therapist)
    assert list(selectors.changed_by_other_side(staff_view, therapist)) == [moved]


def test_cancelling_needs_a_reason_and_frees_the_time(hours, therapist, participant, enrollment):
    starts_at = at(a_day_ahead(), "09:00")
    meeting = book(therapist, enrollment, starts_at)
    with pytest.raises(ValidationError):
        services.meeting_cancel(actor=participant, meeting=meeting, reason="   ")
    meeting.refresh_from_db()
    assert meeting.status == Status.SCHEDULED
    services.meeting_cancel(actor=participant, meeting=meeting, reason="Ill")
    meeting.refresh_from_db()
    assert meeting.status == Status.CANCELLED
    assert (
        notify_meeting_change.call(
            meeting_id=meeting.pk, recipient_id=therapist.pk, key=f"cancelled:{meeting.pk}"
        )
        == 1
    )
    assert (
        notify_meeting_change.call(
            meeting_id=meeting.pk, recipient_id=therapist.pk, key=f"cancelled:{meeting.pk}"
        )
        == 0
    )  # run again (its worker died): no second email
    assert starts_at in selectors.free_times(therapist)
    with pytest.raises(ValidationError):
        services.meeting_cancel(actor=participant, meeting=meeting, reason="Again")


@pytest.mark.parametrize("status", [EnrollmentStatus.PAUSED, EnrollmentStatus.DISCONTINUED])
def test_a_paused_or_ended_treatment_cancels_its_future_meetings(
    hours, therapist, participant, enrollment, status, english
):
    meeting = book(therapist, enrollment, at(a_day_ahead(), "09:00"))
    enrollment_set_status(actor=therapist, enrollment=enrollment, status=status, reason="Break")
    meeting.refresh_from_db()
    assert meeting.status == Status.CANCELLED
    assert selectors.next_meeting(enrollment) is None
    with pytest.raises(ValidationError, match="only while the treatment is active"):
        book(therapist, enrollment, at(a_day_ahead(), "10:00"))


def test_reminders_go_out_the_day_before_and_the_hour_before_once_each(
    hours, therapist, participant, enrollment
):
    starts_at = at(a_day_ahead(), "10:00")
    book(therapist, enrollment, starts_at)
    assert send_reminders(now=starts_at - timedelta(hours=30)) == 0
    assert send_reminders(now=starts_at - timedelta(hours=20)) == 2
    assert send_reminders(now=starts_at - timedelta(hours=19)) == 0
    assert send_reminders(now=starts_at - timedelta(minutes=50)) == 2
    assert send_reminders(now=starts_at - timedelta(minutes=10)) == 0
    assert [m.to for m in mail.outbox] == [[participant.email], [therapist.email]] * 2
    for email in mail.outbox:
        for leak in (therapist.display_name, participant.display_name, "10:00", "phone"):
            assert leak not in email.subject and leak not in email.body


def test_a_moved_meeting_is_reminded_of_again(hours, therapist, participant, enrollment):
    day = a_day_ahead()
    meeting = book(therapist, enrollment, at(day, "09:00"))
    assert send_reminders(now=at(day, "09:00") - timedelta(hours=20)) == 2
    services.meeting_move(
        actor=therapist, meeting=meeting, starts_at=at(day, "11:00"), reason="Ill"
    )
    assert send_reminders(now=at(day, "09:00") - timedelta(hours=20)) == 2


def test_the_calendar_file_is_neutral(hours, therapist, participant, enrollment):
    meeting = book(therapist, enrollment, at(a_day_ahead(), "09:00"), kind="video")
    body = meeting_ics(meeting, "Booked time").decode()
    assert "SUMMARY:Booked time" in body
    assert f"UID:{meeting.public_id}@omtag" in body
    for leak in (
        participant.display_name,
        therapist.display_name,
        "video",
        "DESCRIPTION",
        "LOCATION",
    ):
        assert leak not in body
