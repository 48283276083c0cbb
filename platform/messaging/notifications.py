"""Who gets the discreet email about a new message, and when: the rules behind the task
`messaging.tasks.notify_new_message`, which the worker runs after a message is committed.
The email never says who wrote or what: only that there is something new."""

from __future__ import annotations

from uuid import uuid4

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.emails import send_discreet_email
from accounts.models import Role, User

from .models import EmailNotice, Side, Thread
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


def notify_unread(*, thread: Thread, side: str, key: str = "") -> int:
    """Email the `side` of the thread about unread messages, unless it has read them, each
    person is online or has chosen no email, or the side was emailed about this thread in the
    last 15 minutes. Returns how many emails were sent.

    `key` names the notification (the task passes the message that asked for it): run again
    with the same key, as a task is when its worker died mid-way, it sends only the emails
    the first run did not finish, never one twice. An empty key is a notification of its own."""
    key = key or uuid4().hex
    if thread.read_seq(side) >= thread.last_seq:
        return 0  # already read
    EmailNotice.objects.filter(created_at__lt=timezone.now() - EmailNotice.KEEP).delete()
    with transaction.atomic():
        # A first run takes the slot and records whom it will email in one transaction; a
        # run after it finds the record and keeps to it (the slot is its own).
        if not EmailNotice.objects.filter(key=key, thread=thread).exists():
            people = [
                p for p in recipients(thread, side) if p.message_email and not is_online(p.pk)
            ]
            if not people or not _claim(thread, side):
                return 0
            EmailNotice.objects.bulk_create(
                EmailNotice(key=key, thread=thread, recipient=p) for p in people
            )
    return sum(
        _send_once(notice_id)
        for notice_id in EmailNotice.objects.filter(
            key=key, thread=thread, sent_at__isnull=True
        ).values_list("pk", flat=True)
    )


def _send_once(notice_id: int) -> int:
    """Send one recorded email unless another run has; marked sent in the transaction that
    holds the row while it goes out, so a concurrent run waits and then finds it sent, and a
    run killed before its commit leaves it to be sent again. 1 if this run sent it."""
    with transaction.atomic():
        notice = (
            EmailNotice.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notice_id, sent_at__isnull=True)
            .first()
        )
        if notice is None:
            return 0
        send_discreet_email(notice.recipient, "messaging/email/new_message")
        EmailNotice.objects.filter(pk=notice.pk).update(sent_at=timezone.now())
    return 1
