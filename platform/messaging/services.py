"""Every write of messaging: sending, read markers and presence. Each checks permission,
writes in one transaction and broadcasts only after commit (docs/architecture.md: persist first,
then notify)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.realtime import Prepared, group_send, send_on_commit

from . import selectors
from .metrics import MESSAGES_SENT
from .models import Message, Presence, Side, Thread, WaitClosure
from .rendering import render_text
from .tasks import notify_new_message

if TYPE_CHECKING:
    from django.db.models import Field

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
    if _count(key) > settings.MESSAGE_RATE_LIMIT_PER_MINUTE:
        raise RateLimited


def _count(key: str) -> int:
    """Add one to the minute's count and return it. With Redis one round trip (INCR and
    EXPIRE in one pipeline; the cache's add-then-incr took three, for every message)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(key)
        client = backend._cache.get_client(full_key, write=True)  # type: ignore[attr-defined]
        with client.pipeline() as pipe:
            pipe.incr(full_key)
            pipe.expire(full_key, 120)
            return int(pipe.execute()[0])
    backend.add(key, 0, timeout=120)
    try:
        return backend.incr(key)
    except ValueError:  # evicted between add and incr
        backend.set(key, 1, timeout=120)
        return 1


def message_send(
    *, sender: User, thread: Thread, body: Any, client_id: UUID | str, origin: str | None = None
) -> tuple[Message, bool]:
    """Store one message and tell the thread after commit. Returns (message, created): a
    retry with a client_id already stored returns the first message and stores nothing.
    `origin` is the channel of the socket that sent it: that socket has the message in its
    ack and is not sent it again (the sender's other sockets are)."""
    sent = MessageSender(sender_id=sender.pk, thread=thread).send(
        sender=sender, body=body, client_id=client_id, origin=origin
    )
    return sent.message, sent.created


@dataclass(frozen=True)
class Sent:
    """What MessageSender.send did: the message (the first one, for a retry), whether this
    call stored it, its payload as the sockets see it, and whether it is a participant's
    message with risk words (modules.safety: the page then shows what to do now)."""

    message: Message
    created: bool
    payload: dict[str, Any]
    safety: bool


class MessageSender:
    """message_send for one sender on one thread, its queries compiled once: a socket makes one
    when it opens and sends every message through it; message_send makes one per call.

    A send is one transaction of three statements: the thread's row, locked, if the sender
    may see it (asked of the database each time: active, holding the role, on the care team
    in the unit, or the participant) with what the send needs of the enrollment; the message;
    the thread's counters. A resend of a client_id already stored fails on the unique (thread,
    client_id) and returns the stored message instead (a concurrent one too). The risk words
    are one query more for a participant's message; the email task one row, queued in the same
    transaction (so a server that dies after the commit cannot lose it)."""

    def __init__(self, *, sender_id: int, thread: Thread) -> None:
        self.sender_id = sender_id
        self.thread_id = thread.pk
        locked = (
            Thread.objects.select_for_update(of=("self",))
            .filter(selectors.access_for(sender_id), pk=thread.pk)
            .values_list(
                "last_seq",
                "participant_notified_at",
                "team_notified_at",
                "enrollment_id",
                "enrollment__status",
                "enrollment__participant_id",
                "enrollment__last_active_at",
            )
        )
        self.locked = Prepared(locked, lazy=True)

    def send(
        self, *, sender: User, body: Any, client_id: UUID | str, origin: str | None = None
    ) -> Sent:
        assert sender.pk == self.sender_id
        client_uuid = _client_uuid(client_id)
        try:
            with transaction.atomic(using=self.locked.using):
                sent = self._store(sender, body, client_uuid, origin)
        except IntegrityError:
            # The client_id is stored already: a resend (or a concurrent one that won).
            return self._stored(sender, client_uuid)
        return sent

    def _store(self, sender: User, body: Any, client_uuid: UUID, origin: str | None) -> Sent:
        rows = self.locked.rows()
        if not rows:
            raise PermissionDenied
        text = clean_body(body)
        last_seq, p_notified, t_notified, enrollment_id, status, participant_id, active = rows[0]
        side = Side.PARTICIPANT if participant_id == sender.pk else Side.TEAM
        now = timezone.now()
        seq = last_seq + 1
        message = Message(
            thread_id=self.thread_id,
            seq=seq,
            sender=sender,
            side=side,
            body=text,
            client_id=client_uuid,
            created_at=now,
        )
        message.pk = _insert(message, self.locked.using)
        message._state.adding = False
        message._state.db = self.locked.using
        # A resend fails on the insert above, before the checks that only a new message
        # needs: an ended treatment and the rate limit refuse what was never stored.
        if status not in selectors.WRITABLE_STATUSES:
            raise ValidationError(
                _("This treatment has ended, so no new messages can be written here."),
                code="closed",
            )
        _check_rate(sender)
        _move_counters(self.thread_id, seq, now, side, self.locked.using)
        risky = False
        if side == Side.PARTICIPANT:
            risky = _participant_wrote(enrollment_id, active, message)
        notified_at = p_notified if side == Side.TEAM else t_notified
        if notified_at is None or now - notified_at >= Thread.NOTIFY_EVERY:
            # Not when the other side was emailed about this thread within NOTIFY_EVERY: the
            # task could only find that (it sends at most one per side per thread in that
            # time), so a conversation does not queue a task per message.
            recipient_side = Side.TEAM if side == Side.PARTICIPANT else Side.PARTICIPANT
            notify_new_message.enqueue(
                thread_id=self.thread_id, side=recipient_side, key=f"message:{message.pk}"
            )
        payload = message_payload(message)
        transaction.on_commit(
            lambda: _after_send(message, payload, origin=origin), using=self.locked.using
        )
        transaction.on_commit(MESSAGES_SENT.inc, using=self.locked.using)
        return Sent(message, True, payload, risky)

    def _stored(self, sender: User, client_uuid: UUID) -> Sent:
        existing = (
            Message.objects.select_related("sender")
            .filter(thread_id=self.thread_id, client_id=client_uuid)
            .first()
        )
        if existing is None or existing.sender_id != sender.pk:
            raise ValidationError(_("The message had no valid id."), code="bad_client_id")
        from modules.safety import message_needs_safety

        safety = existing.side == Side.PARTICIPANT and message_needs_safety(existing.body)
        return Sent(existing, False, message_payload(existing), safety)


def _client_uuid(client_id: UUID | str) -> UUID:
    """The page's id for the message, which makes a resend store nothing new."""
    try:
        return UUID(str(client_id))
    except ValueError:
        raise ValidationError(_("The message had no valid id."), code="bad_client_id") from None


_MESSAGE_COLUMNS = ("thread", "seq", "sender", "side", "body", "client_id", "created_at")


def _insert(message: Message, using: str) -> int:
    """INSERT the message in one statement written once (the ORM's create builds and compiles
    it anew for every message); returns its id. Raises IntegrityError on a client_id already
    stored in the thread."""
    connection = connections[using]
    fields = [cast("Field[Any, Any]", Message._meta.get_field(n)) for n in _MESSAGE_COLUMNS]
    quote = connection.ops.quote_name
    # Names from the model's meta, quoted; every value a parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(Message._meta.db_table),
        ", ".join(quote(str(f.column)) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    params = [f.get_db_prep_save(getattr(message, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(f"{sql} RETURNING {quote(Message._meta.pk.column)}", params)
            return int(cursor.fetchone()[0])
        cursor.execute(sql, params)
        return int(cursor.lastrowid)


def _move_counters(thread_id: int, seq: int, now: Any, side: str, using: str) -> None:
    """The thread's last message and the sender's side's read marker (its own messages count as
    read), in one UPDATE written once."""
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = Thread._meta
    read_field = "participant_read_seq" if side == Side.PARTICIPANT else "team_read_seq"
    at = cast("Field[Any, Any]", meta.get_field("last_message_at")).get_db_prep_save(
        now, connection
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE {} SET {} = %s, {} = %s, {} = %s WHERE {} = %s".format(  # noqa: S608
                quote(meta.db_table),
                quote("last_seq"),
                quote("last_message_at"),
                quote(read_field),
                quote(meta.pk.column),
            ),
            [seq, at, seq, thread_id],
        )


def _participant_wrote(enrollment_id: int, last_active_at: Any, message: Message) -> bool:
    """A participant's message counts as activity, and risk words in it raise a signal for
    the therapist (never shown to the participant). True when it has risk words."""
    from modules.models import Enrollment, RiskSignal
    from modules.risk import scan
    from modules.services import enrollment_mark_active, risk_signal_raise

    # Activity is kept to the minute (as the session clock is): a conversation does not
    # write the enrollment row for every message.
    if last_active_at is None or message.created_at - last_active_at >= ACTIVITY_PRECISION:
        enrollment_mark_active(enrollment_id=enrollment_id, at=message.created_at)
    match = scan(message.body)
    if match is None:
        return False
    risk_signal_raise(
        enrollment=Enrollment.objects.get(pk=enrollment_id),
        source=RiskSignal.Source.MESSAGE,
        level=match.level,
        reasons=[f"message {message.seq}: {phrase}" for phrase in match.phrases],
    )
    return True


def _after_send(message: Message, payload: dict[str, Any], *, origin: str | None) -> None:
    group_send(
        f"thread.{message.thread_id}",
        {
            "type": "message.new",
            "message": payload,
            "sender_pk": message.sender_id,
            "origin": origin,
        },
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
