"""Who gets the discreet email about a new message, and when: the rules behind the task
`messaging.tasks.notify_new_message`, which the worker runs after a message is committed.
The email never says who wrote or what: only that there is something new."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from accounts.emails import send_discreet_email
from accounts.models import Role, User

from .models import Side, Thread
from .selectors import is_online


def recipients(thread: Thread, side: str) -> list[User]:
    """The people on `side` of the thread who may get email at all: the participant, or the
    therapist and any substitute, while their account is active, unlocked and in that role."""
    enrollment = thread.enrollment
    if side == Side.PARTICIPANT:
        people = [enrollment.participant]
        role = Role.PARTICIPANT
    else:
        people = [enrollment.therapist, enrollment.substitute]
        role = Role.THERAPIST
    return [
        p
        for p in people
        if p is not None and p.is_active and p.locked_at is None and p.has_role(role)
    ]


def _claim(thread: Thread, side: str) -> bool:
    """Take the side's 15-minute slot in one conditional update, so two workers never both
    send; False when the side was emailed about this thread within the slot."""
    field = "participant_notified_at" if side == Side.PARTICIPANT else "team_notified_at"
    now = timezone.now()
    claimed = Thread.objects.filter(
        Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": now - Thread.NOTIFY_EVERY}),
        pk=thread.pk,
    ).update(**{field: now})
    return bool(claimed)


def notify_unread(*, thread: Thread, side: str) -> int:
    """Email the `side` of the thread about unread messages, unless it has read them, each
    person is online or has chosen no email, or the side was emailed about this thread in the
    last 15 minutes. Returns how many emails were sent."""
    if thread.read_seq(side) >= thread.last_seq:
        return 0  # already read
    people = [p for p in recipients(thread, side) if p.message_email and not is_online(p.pk)]
    if not people or not _claim(thread, side):
        return 0
    for person in people:
        send_discreet_email(person, "messaging/email/new_message")
    return len(people)
