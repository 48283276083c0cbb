"""A participant gets a new therapist: the future meetings with the old one are cancelled with
the reason "New therapist", both people are told discreetly, the old therapist can no longer
open the meeting, and the new therapist sees the cancellation on the overview and books again."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from meetings import selectors, services, times
from meetings.models import Meeting, Status
from modules.services import enrollment_assign
from tests.helpers import in_english, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def hours(therapist, other_therapist):
    for person in (therapist, other_therapist):
        for weekday in range(7):
            services.hours_add(actor=person, weekday=weekday, starts=time(8), ends=time(18))


def _later(therapist, days=2):
    return [m for m in selectors.free_times(therapist) if m > timezone.now() + timedelta(days=days)]


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.mark.django_db(transaction=True)  # the emails are queued after the commit
def test_a_new_therapist_cancels_the_old_therapists_future_meetings(
    hours, therapist, other_therapist, participant, enrollment, admin_user
):
    starts_at = _later(therapist)[0]
    meeting = services.meeting_book(
        actor=therapist, enrollment=enrollment, kind="video", starts_at=starts_at
    )
    old_staff = verified_client(therapist)
    url = reverse("meetings:detail", args=[meeting.public_id])
    assert old_staff.get(url).status_code == 200
    _run_worker()
    mail.outbox.clear()

    with translation.override("sv"):  # the administrator's language: the reason is kept in it
        enrollment_assign(actor=admin_user, enrollment=enrollment, therapist=other_therapist)

    meeting.refresh_from_db()
    assert meeting.status == Status.CANCELLED
    assert meeting.change_reason == "Ny behandlare."
    assert meeting.changed_by == admin_user
    # The old therapist can no longer open it, move it, cancel it or fetch its calendar file.
    assert old_staff.get(url).status_code == 404
    assert old_staff.get(reverse("meetings:ics", args=[meeting.public_id])).status_code == 404
    assert (
        old_staff.post(
            reverse("meetings:cancel", args=[meeting.public_id]), {"reason": "x"}
        ).status_code
        == 404
    )
    # Nobody has it as upcoming; the old therapist's time is free again.
    assert selectors.next_meeting(enrollment) is None
    assert list(selectors.upcoming(selectors.meetings_for_participant(participant))) == []
    assert starts_at in selectors.free_times(therapist)
    # Both people of the meeting are told, discreetly.
    _run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([participant.email, therapist.email])
    for email in mail.outbox:
        for leak in (participant.display_name, therapist.display_name, "Ny behandlare", "video"):
            assert leak not in email.subject and leak not in email.body
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.MEETING_CANCELLED, target_id=str(meeting.public_id)
    ).exists()


def test_the_participant_sees_why_and_the_new_therapist_sees_it_and_books_again(
    hours, therapist, other_therapist, participant, enrollment, admin_user
):
    starts_at = _later(therapist)[0]
    services.meeting_book(actor=therapist, enrollment=enrollment, kind="phone", starts_at=starts_at)
    with translation.override("sv"):
        enrollment_assign(actor=admin_user, enrollment=enrollment, therapist=other_therapist)

    home = in_english(verified_client(participant)).get(reverse("meetings:mine"))
    page = home.content.decode()
    assert "A meeting was cancelled:" in page and "New therapist." not in page  # stored in sv
    assert "Ny behandlare." in page
    assert "You have no meeting booked." in page

    new_staff = in_english(verified_client(other_therapist))
    overview = new_staff.get(reverse("therapist:participant", args=[enrollment.public_id]))
    assert overview.status_code == 200
    text = overview.content.decode()
    assert "A meeting was cancelled:" in text and "Ny behandlare." in text
    assert reverse("meetings:book", args=[enrollment.public_id]) in text
    # The new therapist books in their own free time.
    free = _later(other_therapist)[0]
    response = new_staff.post(
        reverse("meetings:book", args=[enrollment.public_id]),
        {"starts_at": free.isoformat(), "kind": "phone", "minutes": "45"},
    )
    assert response.status_code == 302
    booked = Meeting.objects.get(enrollment=enrollment, status=Status.SCHEDULED)
    assert booked.therapist == other_therapist


def test_a_meeting_with_who_stays_in_the_care_team_is_kept(
    hours, therapist, other_therapist, participant, enrollment, admin_user
):
    """The old therapist becomes the substitute: still in the care team, the meeting stays."""
    meeting = services.meeting_book(
        actor=therapist, enrollment=enrollment, kind="phone", starts_at=_later(therapist)[0]
    )
    enrollment_assign(
        actor=admin_user, enrollment=enrollment, therapist=other_therapist, substitute=therapist
    )
    meeting.refresh_from_db()
    assert meeting.status == Status.SCHEDULED
    url = reverse("meetings:detail", args=[meeting.public_id])
    assert verified_client(therapist).get(url).status_code == 200


def test_past_meetings_keep_their_outcome_to_record(
    hours, therapist, other_therapist, participant, enrollment, admin_user
):
    """Only future meetings are cancelled: one that has happened stays for its outcome."""
    meeting = services.meeting_book(
        actor=therapist, enrollment=enrollment, kind="phone", starts_at=_later(therapist)[0]
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(hours=2),
        ends_at=timezone.now() - timedelta(hours=1),
    )
    enrollment_assign(actor=admin_user, enrollment=enrollment, therapist=other_therapist)
    meeting.refresh_from_db()
    assert meeting.status == Status.SCHEDULED
    assert times.local(meeting.starts_at) < timezone.now()
