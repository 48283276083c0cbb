"""The thread socket (/ws/messages/<thread uuid>/). See PROTOCOL.md beside this file.

It never writes to the database itself: sends, read markers and presence go through the
services, which broadcast after commit. The channel layer only wakes sockets up; what they
forward comes from a committed row, re-checked against the recipient's access.

Every frame from the client is re-checked (session and access, one query) in the same
database call that then does the frame's work; every pushed message re-checks access (one
query) and, at least every PUSH_SESSION_RECHECK_SECONDS, the session too. The socket compiles
these queries, and its sender's (services.MessageSender), once when it opens, and asks them
anew each time."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from accounts.realtime import (
    CLOSE_NO_ACCESS,
    CLOSE_NOT_LOGGED_IN,
    CLOSE_TOO_BIG,
    OUTAGES,
    Prepared,
    SessionCheck,
    SocketConsumer,
    group_renewal,
    socket_connect_db,
    socket_db,
    user_group,
)

from . import selectors, services
from .models import Thread

MAX_FRAME_BYTES = 64 * 1024
# A full re-check of the session (logged out, idle, locked) at most this often while
# messages arrive; every frame the client sends is re-checked in full.
PUSH_SESSION_RECHECK_SECONDS = 10


T = TypeVar("T")

logger = logging.getLogger("messaging.socket")


def _holds_lone_surrogate(content: object) -> bool:
    """True when a decoded frame holds half of a character (a JSON `\\ud800` escape without
    its pair): neither UTF-8 nor any database can hold it."""
    try:
        json.dumps(content, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError):
        return True
    return False


class _Closed(Exception):
    """The re-check failed: close the socket with `code`."""

    def __init__(self, code: int) -> None:
        self.code = code


class ThreadConsumer(SocketConsumer):
    thread: Thread | None = None
    # This socket marked its user online (Presence) and has not yet taken it back.
    _present = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:  # however the socket ended (an outage raises past disconnect)
            group_renewal.discard(self)
            if self._present:
                # Closed by the outage path (accounts.realtime.OutageMiddleware, 4503), which
                # never runs disconnect: a stale "online" would hold back the other side's
                # email until ONLINE_WITHIN passed. Redis away, the database still answers;
                # the database away, this fails too and the presence ages out by itself.
                try:
                    await self._presence_gone()
                except OUTAGES as error:
                    logger.warning("socket could not clear its presence: %s", type(error).__name__)

    async def connect(self) -> None:
        user = self.scope["user"]
        session = self.scope.get("session")
        self.user_id: int = user.pk
        self.session_key: str | None = getattr(session, "session_key", None)
        self.session_checked_at = 0.0
        # Refusals accept first, then close with our code: a refused handshake reaches the
        # browser only as a generic failure, and the page must know not to retry. A socket
        # that may stay joins its groups before the accept, so no event is missed after it.
        # The handshake's calls run on threads of their own (socket_connect_db), so a burst of
        # handshakes never waits behind the open sockets' frames and pushes.
        code, thread = await socket_connect_db(self._open)(
            self.scope["url_route"]["kwargs"]["thread"]
        )
        if thread is None:
            await self.accept()
            await self.close(code=code)
            return
        self.thread = thread
        await self.join_groups()
        await socket_connect_db(services.presence_seen)(user_id=self.user_id)
        self._present = True
        await self.accept()
        group_renewal.add(self)  # joins the groups again before they expire

    async def join_groups(self) -> None:
        if self.thread is None:  # closed meanwhile
            return
        await self.channel_layer.group_add(self.thread.group_name, self.channel_name)
        await self.channel_layer.group_add(user_group(self.user_id), self.channel_name)

    async def disconnect(self, code: int) -> None:
        group_renewal.discard(self)
        # The presence first: it needs only the database, the groups need Redis, which may
        # be what is away (the groups then expire by themselves, CHANNEL_GROUP_EXPIRY).
        if self._present:
            await self._presence_gone()
        if self.thread is not None:
            thread, self.thread = self.thread, None
            await self.channel_layer.group_discard(thread.group_name, self.channel_name)
            await self.channel_layer.group_discard(user_group(self.user_id), self.channel_name)

    async def _presence_gone(self) -> None:
        await socket_db(services.presence_gone)(user_id=self.user_id)
        self._present = False

    # --- frames from the client -------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.thread is None:
            return
        size = (
            len(bytes_data)
            if bytes_data is not None
            else len((text_data or "").encode("utf-8", "surrogatepass"))
        )
        if size > MAX_FRAME_BYTES:
            await self._error("too_large", "Frames are limited to 64 KB.")
            await self.close(code=CLOSE_TOO_BIG)
            return
        if bytes_data is not None:
            await self._error("bad_frame", "Send JSON text frames.")
            return
        try:
            content = json.loads(text_data or "")
        except (ValueError, RecursionError):  # RecursionError: nested deeper than Python goes
            await self._error("bad_json", "The frame is not valid JSON.")
            return
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self._error("bad_frame", "A frame is a JSON object with a type.")
            return
        if _holds_lone_surrogate(content):
            await self._error(
                "bad_text",
                "The frame holds text that is not valid Unicode.",
                content.get("client_id"),
            )
            return
        kind = content["type"]
        handler = {
            "send": self._on_send,
            "sync": self._on_sync,
            "read": self._on_read,
            "ping": self._on_ping,
        }.get(kind)
        if handler is None:
            await self._error("unknown_type", f"Unknown frame type: {kind[:40]}")
            return
        try:
            await handler(content)
        except _Closed as closed:
            await self._close(closed.code)

    async def _on_send(self, content: dict[str, Any]) -> None:
        client_id = content.get("client_id")
        body = content.get("body")
        try:
            message = await self._checked(
                lambda user: self._store_message(user, client_id, body), touch=True
            )
        except services.RateLimited:
            await self._error(
                "rate_limited", "Too many messages in a minute. Wait a moment.", client_id
            )
            return
        except ValidationError as error:
            await self._error(error.code or "invalid", " ".join(error.messages), client_id)
            return
        except PermissionDenied:
            raise _Closed(CLOSE_NO_ACCESS) from None
        safety = message.pop("safety", False)
        await self._send_json(
            {
                "type": "ack",
                "client_id": message["client_id"],
                "id": message["id"],
                "message": message,
                # The page then shows the participant what to do now (modules.safety).
                "safety": safety,
            }
        )

    async def _on_sync(self, content: dict[str, Any]) -> None:
        after = content.get("after", 0)
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            await self._checked(lambda user: None, touch=False)
            await self._error("bad_frame", "sync needs after: the last id you have (0 for none).")
            return
        rows, more, markers = await self._checked(
            lambda user: self._fetch_after(after), touch=False
        )
        # With these, the page has every message up to here (see PROTOCOL.md: complete_to).
        complete_to = rows[-1]["id"] if rows else after
        await self._send_json(
            {
                "type": "sync",
                "messages": rows,
                "complete_to": complete_to,
                "more": more,
                "read": markers,
            }
        )

    async def _on_read(self, content: dict[str, Any]) -> None:
        up_to = content.get("up_to")
        if not isinstance(up_to, int) or isinstance(up_to, bool) or up_to < 0:
            await self._checked(lambda user: None, touch=True)
            await self._error("bad_frame", "read needs up_to: the last id you have read.")
            return
        try:
            await self._checked(lambda user: self._mark_read(user, up_to), touch=True)
        except PermissionDenied:
            raise _Closed(CLOSE_NO_ACCESS) from None

    async def _on_ping(self, content: dict[str, Any]) -> None:
        latest = await self._checked(lambda user: self._seen_then_latest(), touch=False)
        # The thread's newest id: a page that lacks it missed a push (the channel layer drops
        # events for a socket over its capacity) and syncs (PROTOCOL.md: a gap).
        await self._send_json({"type": "pong", "latest": latest})

    # --- events from the channel layer ------------------------------------------------------

    async def message_new(self, event: dict[str, Any]) -> None:
        if event.get("origin") == self.channel_name:
            return  # this socket sent it and has it in the ack
        if self.thread is None or not await self._still_allowed(push=True):
            return
        message = dict(event["message"], mine=event["sender_pk"] == self.user_id)
        await self._send_json({"type": "message", "message": message})

    async def read_moved(self, event: dict[str, Any]) -> None:
        if self.thread is None or not await self._still_allowed(push=True):
            return
        await self._send_json({"type": "read", "side": event["side"], "up_to": event["seq"]})

    async def force_disconnect(self, event: dict[str, Any]) -> None:
        ended = event.get("session_key") or ""
        if ended:
            if ended == self.session_key:
                await self._close(CLOSE_NOT_LOGGED_IN)
            return  # another of the user's sessions logged out; this one stays
        if self.thread is not None:
            await self._still_allowed(push=False)

    # --- helpers ----------------------------------------------------------------------------

    async def _checked(self, work: Callable[[User], T], *, touch: bool) -> T:
        """Re-check the session and the access to the thread, then do `work` with the user
        just fetched, in one database call. Raises _Closed if the socket may not stay."""
        return await socket_db(self._check_then)(work, touch)

    def _check_then(self, work: Callable[[User], T], touch: bool) -> T:
        user = self._recheck_session(touch=touch)
        return work(user)

    def _recheck_session(self, *, touch: bool) -> User:
        """The session and the access, in one query; raises _Closed."""
        user = self._session_check(touch=touch)
        if user is None:
            raise _Closed(CLOSE_NOT_LOGGED_IN)
        self.session_checked_at = time.monotonic()
        if not user.may_see_thread:  # type: ignore[attr-defined]
            raise _Closed(CLOSE_NO_ACCESS)
        return user

    def _recheck_push(self, push: bool) -> None:
        """Before forwarding a pushed event: the access (one query), and the session too when
        its last check is PUSH_SESSION_RECHECK_SECONDS old (or on a force.disconnect)."""
        assert self.thread is not None
        if not push or time.monotonic() - self.session_checked_at > PUSH_SESSION_RECHECK_SECONDS:
            self._recheck_session(touch=False)
        elif not self._may_see():
            raise _Closed(CLOSE_NO_ACCESS)

    async def _still_allowed(self, *, push: bool) -> bool:
        """Re-check before forwarding an event; close and return False if the socket may not
        stay."""
        try:
            await socket_db(self._recheck_push)(push)
        except _Closed as closed:
            await self._close(closed.code)
            return False
        return True

    async def _close(self, code: int) -> None:
        await self.disconnect(code)
        await self.close(code=code)

    async def _send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content))

    async def _error(self, code: str, message: str, client_id: Any = None) -> None:
        frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if isinstance(client_id, str):
            frame["client_id"] = client_id[:64]
        await self._send_json(frame)

    def _open(self, public_id: str) -> tuple[int, Thread | None]:
        """At connect: (close code, None) for a refusal, else (0, the thread), with the
        socket's re-checks compiled for this user and thread."""
        user = SessionCheck(self.user_id, self.session_key)()
        if user is None:
            return CLOSE_NOT_LOGGED_IN, None
        self.session_checked_at = time.monotonic()
        thread = selectors.thread_for_user(user, public_id)
        if thread is None:
            return CLOSE_NO_ACCESS, None
        self._session_check = SessionCheck(
            self.user_id,
            self.session_key,
            annotate={"may_see_thread": selectors.may_see_expression(thread.pk)},
        )
        self._may_see = Prepared(selectors.may_see_query(self.user_id, thread.pk)).exists
        self._sender: services.MessageSender | None = None  # made at the first send
        return 0, thread

    def _store_message(self, user: User, client_id: Any, body: Any) -> dict[str, Any]:
        if not isinstance(client_id, str):
            raise ValidationError("The message had no valid id.", code="bad_client_id")
        if self._sender is None:  # an idle socket holds no sender's query
            assert self.thread is not None
            self._sender = services.MessageSender(sender_id=self.user_id, thread=self.thread)
        sent = self._sender.send(
            sender=user, body=body, client_id=client_id, origin=self.channel_name
        )
        return dict(sent.payload, mine=True, safety=sent.safety)

    def _fetch_after(self, after: int) -> tuple[list[dict[str, Any]], bool, dict[str, int]]:
        assert self.thread is not None
        rows, more = selectors.messages_after(self.thread.pk, after)
        thread = Thread.objects.get(pk=self.thread.pk)
        payloads = [
            dict(services.message_payload(m), mine=m.sender_id == self.user_id) for m in rows
        ]
        markers = {"participant": thread.participant_read_seq, "team": thread.team_read_seq}
        return payloads, more, markers

    def _seen_then_latest(self) -> int:
        assert self.thread is not None
        services.presence_seen(user_id=self.user_id)
        return selectors.thread_latest(self.thread.pk)

    def _mark_read(self, user: User, up_to: int) -> int:
        assert self.thread is not None
        return services.thread_mark_read(user=user, thread=self.thread, up_to=up_to)
