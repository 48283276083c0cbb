"""The task worker's entry points for meetings: each loads what it is about and calls the
rules in `meetings.notifications`. meetings.services enqueues them after a commit, so this
module must not import the services."""

from __future__ import annotations

from django_tasks import task

from accounts.models import User

from .models import Meeting
from .notifications import notify_change, send_reminders


@task()
def notify_meeting_change(meeting_id: int, recipient_id: int, key: str) -> int:
    """The discreet email about a booked, moved or cancelled meeting; 0 if it is gone."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    recipient = User.objects.filter(pk=recipient_id).first()
    if meeting is None or recipient is None:
        return 0
    return notify_change(meeting=meeting, recipient=recipient, key=key)


@task()
def send_meeting_reminders() -> int:
    """The reminders due now (the day before, an hour before); how many were sent."""
    return send_reminders()
