"""The reminders reach both people: the therapist gets the same discreet day-before and
hour-before email as the participant, once each however often the clock runs the command,
and nobody is reminded of a cancelled meeting."""

from __future__ import annotations

from datetime import time, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from meetings import selectors, services
from meetings.models import Meeting, MeetingNotice

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(therapist, participant, enrollment) -> Meeting:
    for weekday in range(7):
        services.hours_add(actor=therapist, weekday=weekday, starts=time(8), ends=time(18))
    later = [m for m in selectors.free_times(therapist) if m > timezone.now() + timedelta(days=2)]
    return services.meeting_book(
        actor=therapist, enrollment=enrollment, kind="video", starts_at=later[0]
    )


def _run_command_at(moment) -> None:
    """The clock's command, as Procfile runs it (sending here, not by the worker)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        call_command("send_meeting_reminders", "--now", stdout=mock.MagicMock())


def test_the_therapist_gets_the_day_before_and_hour_before_reminders_once_each(
    meeting, therapist, participant
):
    mail.outbox.clear()
    day_before = meeting.starts_at - timedelta(hours=20)
    _run_command_at(day_before)
    _run_command_at(day_before)  # the clock runs again: nothing twice
    _run_command_at(day_before + timedelta(hours=1))
    assert sorted(m.to[0] for m in mail.outbox) == sorted([participant.email, therapist.email])
    hour_before = meeting.starts_at - timedelta(minutes=45)
    _run_command_at(hour_before)
    _run_command_at(hour_before + timedelta(minutes=5))
    to_therapist = [m for m in mail.outbox if m.to == [therapist.email]]
    assert len(to_therapist) == 2 and len(mail.outbox) == 4
    assert MeetingNotice.objects.filter(recipient=therapist, sent_at__isnull=False).count() == 2
    for email in to_therapist:
        for leak in (participant.display_name, participant.email, "video", "Video"):
            assert leak not in email.subject and leak not in email.body
        local = timezone.localtime(meeting.starts_at)
        assert local.strftime("%H:%M") not in email.body


def test_a_cancelled_meeting_is_reminded_of_to_nobody(meeting, therapist, participant):
    services.meeting_cancel(actor=participant, meeting=meeting, reason="Sick")
    mail.outbox.clear()
    _run_command_at(meeting.starts_at - timedelta(hours=20))
    _run_command_at(meeting.starts_at - timedelta(minutes=30))
    assert mail.outbox == []


def test_a_locked_therapist_is_not_emailed_but_the_participant_is(meeting, therapist, participant):
    therapist.locked_at = timezone.now()
    therapist.save(update_fields=["locked_at"])
    mail.outbox.clear()
    _run_command_at(meeting.starts_at - timedelta(hours=20))
    assert [m.to for m in mail.outbox] == [[participant.email]]
