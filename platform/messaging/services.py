"""Every write of messaging: sending, read markers and presence. Each checks permission,
writes in one transaction and broadcasts only after commit (docs/architecture.md: persist first,
then notify)."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.realtime import group_send, send_on_commit

from . import selectors
from .metrics import MESSAGES_SENT
from .models import Message, Presence, Side, Thread, WaitClosure
from .rendering import render_text
from .tasks import notify_new_message

BODY_MAX = 5_000
ACTIVITY_PRECISION = timedelta(minutes=1)
# C0 and C1 control characters, DEL, and the invisible direction overrides that can make
# a text read differently from what it says; newlines and tabs stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class RateLimited(Exception):
    """More than settings.MESSAGE_RATE_LIMIT_PER_MINUTE messages from one user within a minute."""


def clean_body(body: Any) -> str:
    if not isinstance(body, str):
        raise ValidationError(_("Write a message."), code="empty")
    text = _CONTROL.sub("", body.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise ValidationError(_("Write a message."), code="empty")
    if len(text) > BODY_MAX:
        raise ValidationError(
            _("The message is %(length)d characters; the limit is %(limit)d.")
            % {"length": len(text), "limit": BODY_MAX},
            code="too_long",
        )
    return text


def message_payload(message: Message) -> dict[str, Any]:
    """A message as the socket and the page's script see it (the sender's own flag is added
    per recipient by the consumer)."""
    return {
        "id": message.seq,
        "client_id": str(message.client_id),
        "side": message.side,
        "sender": message.sender.display_name or "",
        "sent_at": message.created_at.isoformat(),
        "body": message.body,
        "html": str(render_text(message.body)),
    }


def _check_rate(user: User) -> None:
    key = f"msgrate:{user.pk}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > settings.MESSAGE_RATE_LIMIT_PER_MINUTE:
        raise RateLimited


def message_send(
    *, sender: User, thread: Thread, body: Any, client_id: UUID | str, origin: str | None = None
) -> tuple[Message, bool]:
    """Store one message and tell the thread after commit. Returns (message, created): a
    retry with a client_id already stored returns the first message and stores nothing.
    `origin` is the channel of the socket that sent it: that socket has the message in its
    ack and is not sent it again (the sender's other sockets are)."""
    client_uuid = _client_uuid(client_id)
    thread, stored = _thread_for_send(sender, thread, client_uuid)
    if stored is not None:
        return stored, False
    if not selectors.may_write(thread):
        raise ValidationError(
            _("This treatment has ended, so no new messages can be written here."),
            code="closed",
        )
    text = clean_body(body)
    _check_rate(sender)
    side = selectors.side_of(sender, thread)
    try:
        message = _message_store(thread, sender, side, text, client_uuid, origin)
    except IntegrityError:
        # The same client_id committed by a concurrent request: that one is the message.
        return thread.messages.select_related("sender").get(client_id=client_uuid), False
    return message, True


def _client_uuid(client_id: UUID | str) -> UUID:
    """The page's id for the message, which makes a resend store nothing new."""
    try:
        return UUID(str(client_id))
    except ValueError:
        raise ValidationError(_("The message had no valid id."), code="bad_client_id") from None


def _thread_for_send(
    sender: User, thread: Thread, client_uuid: UUID
) -> tuple[Thread, Message | None]:
    """The thread as it is now, if the sender may see it, and the message already stored with
    this client_id (a retry), if any. The permission check asks the database (not the sender
    object, which a socket may have held for hours) whether the sender is active and holds the
    role; the thread and the retry lookup come in the same query as the access."""
    visible = selectors.thread_for_send(sender, thread.public_id, client_uuid)
    if visible is None:
        raise PermissionDenied
    retry_of: int | None = visible.retry_of  # type: ignore[attr-defined]  # an annotation
    if retry_of is None:
        return visible, None
    existing = Message.objects.select_related("sender").get(pk=retry_of)
    if existing.sender_id != sender.pk:
        raise ValidationError(_("The message had no valid id."), code="bad_client_id")
    return visible, existing


def _message_store(
    thread: Thread, sender: User, side: str, text: str, client_uuid: UUID, origin: str | None
) -> Message:
    """Write the message with the next id under the thread's row lock, move the sender's read
    marker and the thread's last message with it, and broadcast after commit. Raises
    IntegrityError when a concurrent request committed the same client_id first."""
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        seq = locked.last_seq + 1
        now = timezone.now()
        message = Message.objects.create(
            thread=locked,
            seq=seq,
            sender=sender,
            side=side,
            body=text,
            client_id=client_uuid,
            created_at=now,
        )
        read_field = "participant_read_seq" if side == Side.PARTICIPANT else "team_read_seq"
        Thread.objects.filter(pk=locked.pk).update(
            last_seq=seq, last_message_at=now, **{read_field: seq}
        )
        if side == Side.PARTICIPANT:
            _participant_wrote(thread, message)
        notify = _worth_notifying(locked, side, now)
        transaction.on_commit(lambda: _after_send(message, notify=notify, origin=origin))
        transaction.on_commit(MESSAGES_SENT.inc)
    return message


def _worth_notifying(thread: Thread, sender_side: str, now: Any) -> bool:
    """False when the email task could only find that the other side was emailed about this
    thread within the last Thread.NOTIFY_EVERY (it sends at most one per side per thread in that
    time), so that a conversation does not queue a task per message. `thread` is the row
    locked for this send, so its notified_at is current."""
    notified_at = (
        thread.team_notified_at
        if sender_side == Side.PARTICIPANT
        else thread.participant_notified_at
    )
    return notified_at is None or now - notified_at >= Thread.NOTIFY_EVERY


def _participant_wrote(thread: Thread, message: Message) -> None:
    """A participant's message counts as activity, and risk words in it raise a signal for
    the therapist (never shown to the participant)."""
    from modules.models import RiskSignal
    from modules.risk import scan
    from modules.services import enrollment_mark_active, risk_signal_raise

    # Activity is kept to the minute (as the session clock is): a conversation does not
    # write the enrollment row for every message.
    seen = thread.enrollment.last_active_at
    if seen is None or message.created_at - seen >= ACTIVITY_PRECISION:
        enrollment_mark_active(enrollment_id=thread.enrollment_id, at=message.created_at)
    match = scan(message.body)
    if match is not None:
        risk_signal_raise(
            enrollment=thread.enrollment,
            source=RiskSignal.Source.MESSAGE,
            level=match.level,
            reasons=[f"message {message.seq}: {phrase}" for phrase in match.phrases],
        )


def _after_send(message: Message, *, notify: bool, origin: str | None) -> None:
    group_send(
        f"thread.{message.thread_id}",
        {
            "type": "message.new",
            "message": message_payload(message),
            "sender_pk": message.sender_id,
            "origin": origin,
        },
    )
    if notify:
        recipient_side = Side.TEAM if message.side == Side.PARTICIPANT else Side.PARTICIPANT
        notify_new_message.enqueue(
            thread_id=message.thread_id, side=recipient_side, key=f"message:{message.pk}"
        )


def thread_mark_read(*, user: User, thread: Thread, up_to: int) -> int:
    """Move the user's side's read marker forward to `up_to` (never back, never past the
    last message). Returns the marker."""
    visible = selectors.thread_for_user(user, thread.public_id)
    if visible is None:
        raise PermissionDenied
    side = selectors.side_of(user, visible)
    field = "participant_read_seq" if side == Side.PARTICIPANT else "team_read_seq"
    target = max(0, min(int(up_to), visible.last_seq))
    moved = Thread.objects.filter(pk=visible.pk, **{f"{field}__lt": target}).update(
        **{field: target}
    )
    if moved:
        send_on_commit(f"thread.{visible.pk}", {"type": "read.moved", "side": side, "seq": target})
        return target
    return int(Thread.objects.filter(pk=visible.pk).values_list(field, flat=True).get())


def thread_close_wait(
    *, actor: User, thread: Thread, up_to: int | None = None, request: Any = None
) -> WaitClosure:
    """A therapist's "no reply needed": the participant's messages up to `up_to` (the newest
    the therapist's page showed; None: all so far) stop waiting for the care team, without an
    answer; one that came in after the page was shown still waits, as it has not been seen.
    Only the care team of the thread may do it (anyone else is told the thread is not there).
    Recorded with who, when and up to which message, and written to the access log. A later
    participant message waits again."""
    from audit.models import AuditEvent
    from audit.services import audit_log

    visible = selectors.thread_for_user(actor, thread.public_id)
    if visible is None or selectors.side_of(actor, visible) != Side.TEAM:
        raise PermissionDenied
    with transaction.atomic():
        # Locked like a send, so a message arriving meanwhile is either closed with the rest
        # or written after the close (and then waits).
        Thread.objects.select_for_update().filter(pk=visible.pk).first()
        waiting = selectors.waiting_messages().filter(thread=visible)
        if up_to is not None:
            waiting = waiting.filter(seq__lte=up_to)
        latest = waiting.order_by("-seq").values_list("seq", flat=True).first()
        if latest is None:
            raise ValidationError(
                _("Nothing is waiting for an answer in this conversation."), code="not_waiting"
            )
        closure = WaitClosure.objects.create(thread=visible, seq=latest, closed_by=actor)
        audit_log(
            action=AuditEvent.Action.NO_REPLY_NEEDED,
            actor=actor,
            subject=visible.enrollment.participant,
            request=request,
            target_type="thread",
            target_id=visible.public_id,
            detail=f"messages up to {latest}",
            unit=visible.enrollment.unit,
        )
    return closure


def presence_seen(*, user_id: int) -> None:
    Presence.objects.update_or_create(user_id=user_id, defaults={"seen_at": timezone.now()})


def presence_gone(*, user_id: int) -> None:
    Presence.objects.filter(user_id=user_id).update(seen_at=None)


def thread_ensure(*, enrollment: Any) -> Thread:
    thread, _created = Thread.objects.get_or_create(enrollment=enrollment)
    return thread
