"""The discreet emails about meetings: a change made by the other person, and the reminders
the day before and an hour before (to the participant and to the therapist). Like the
new-message email (messaging.notifications) they go through accounts.emails.send_discreet_email,
whose templates get nothing but the site's name and the login address: never who, what kind of
meeting, or when.

Each email is recorded first (MeetingNotice, unique on key and recipient) and marked sent in
the transaction that holds its row while it goes out, as messaging.EmailNotice does: a task
run again (its worker died) sends only what was not sent."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.emails import send_discreet_email
from accounts.models import User

from .models import Meeting, MeetingNotice, Status

CHANGED = "meetings/email/changed"
REMINDER = "meetings/email/reminder"
DAY_BEFORE = timedelta(hours=24)
HOUR_BEFORE = timedelta(hours=1)


def may_email(user: User | None) -> bool:
    return bool(user is not None and user.is_active and user.locked_at is None and user.email)


def _record(meeting: Meeting, recipient: User, key: str) -> None:
    try:
        with transaction.atomic():
            MeetingNotice.objects.create(key=key, meeting=meeting, recipient=recipient)
    except IntegrityError:
        pass  # recorded by an earlier run: send it only if that run did not


def _send_once(key: str, recipient: User, template: str) -> int:
    with transaction.atomic():
        notice = (
            MeetingNotice.objects.select_for_update()
            .filter(key=key, recipient=recipient, sent_at__isnull=True)
            .first()
        )
        if notice is None:
            return 0
        send_discreet_email(recipient, template)
        MeetingNotice.objects.filter(pk=notice.pk).update(sent_at=timezone.now())
    return 1


def notify_change(*, meeting: Meeting, recipient: User, key: str) -> int:
    """Tell `recipient` that a meeting of theirs was booked, moved or cancelled."""
    if recipient.pk not in (meeting.participant_id, meeting.therapist_id) or not may_email(
        recipient
    ):
        return 0
    _record(meeting, recipient, key)
    return _send_once(key, recipient, CHANGED)


def reminder_key(meeting: Meeting, which: str) -> str:
    """A reminder is of one start time: a moved meeting is reminded of again."""
    return f"{which}:{meeting.pk}:{int(meeting.starts_at.timestamp())}"


def send_reminders(*, now: datetime | None = None) -> int:
    """Remind both people of a booked meeting, the participant and the therapist, the day
    before (when it is less than 24 hours away, but more than one) and an hour before. Each
    reminder is one MeetingNotice per person, so running this again sends nothing twice; a
    cancelled meeting, or one of a paused or ended treatment, is not reminded of. Safe to run
    as often as wanted; returns how many emails were sent."""
    now = now or timezone.now()
    sent = 0
    soon = (
        Meeting.objects.filter(
            status=Status.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + DAY_BEFORE,
            enrollment__status="active",
        )
        .select_related("participant", "therapist")
        .order_by("starts_at")
    )
    for meeting in soon:
        which = "hour" if meeting.starts_at <= now + HOUR_BEFORE else "day"
        key = reminder_key(meeting, which)
        for person in (meeting.participant, meeting.therapist):
            if not may_email(person):
                continue
            _record(meeting, person, key)
            sent += _send_once(key, person, REMINDER)
    return sent
