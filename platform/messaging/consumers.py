"""The thread socket (/ws/messages/<thread uuid>/). See PROTOCOL.md beside this file.

It never writes to the database itself: sends, read markers and presence go through the
services, which broadcast after commit. The channel layer only wakes sockets up; what they
forward comes from a committed row, re-checked against the recipient's access."""

from __future__ import annotations

import json
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.realtime import session_still_valid, user_group

from . import selectors, services
from .models import Thread

MAX_FRAME_BYTES = 64 * 1024
# A full re-check of the session (logged out, idle, locked) at most this often while
# messages arrive; every frame the client sends is re-checked in full.
PUSH_SESSION_RECHECK_SECONDS = 10

CLOSE_NOT_LOGGED_IN = 4401
CLOSE_NO_ACCESS = 4403
CLOSE_TOO_BIG = 1009


class ThreadConsumer(AsyncWebsocketConsumer):
    thread: Thread | None = None

    async def connect(self) -> None:
        user = self.scope["user"]
        session = self.scope.get("session")
        self.user_id: int = user.pk
        self.session_key: str | None = getattr(session, "session_key", None)
        self.session_checked_at = 0.0
        # Refusals accept first, then close with our code: a refused handshake reaches the
        # browser only as a generic failure, and the page must know not to retry. A socket
        # that may stay joins its groups before the accept, so no event is missed after it.
        if not await self._session_ok(touch=False):
            await self.accept()
            await self.close(code=CLOSE_NOT_LOGGED_IN)
            return
        thread = await self._load_thread(user, self.scope["url_route"]["kwargs"]["thread"])
        if thread is None:
            await self.accept()
            await self.close(code=CLOSE_NO_ACCESS)
            return
        self.thread = thread
        await self.channel_layer.group_add(thread.group_name, self.channel_name)
        await self.channel_layer.group_add(user_group(self.user_id), self.channel_name)
        await database_sync_to_async(services.presence_seen)(user_id=self.user_id)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.thread is not None:
            await self.channel_layer.group_discard(self.thread.group_name, self.channel_name)
            await self.channel_layer.group_discard(user_group(self.user_id), self.channel_name)
            await database_sync_to_async(services.presence_gone)(user_id=self.user_id)
            self.thread = None

    # --- frames from the client -------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.thread is None:
            return
        size = len(bytes_data) if bytes_data is not None else len((text_data or "").encode())
        if size > MAX_FRAME_BYTES:
            await self._error("too_large", "Frames are limited to 64 KB.")
            await self.close(code=CLOSE_TOO_BIG)
            return
        if bytes_data is not None:
            await self._error("bad_frame", "Send JSON text frames.")
            return
        try:
            content = json.loads(text_data or "")
        except ValueError:
            await self._error("bad_json", "The frame is not valid JSON.")
            return
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self._error("bad_frame", "A frame is a JSON object with a type.")
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
        if not await self._still_allowed(touch=kind in ("send", "read")):
            return
        await handler(content)

    async def _on_send(self, content: dict[str, Any]) -> None:
        client_id = content.get("client_id")
        try:
            message, _created = await self._store_message(client_id, content.get("body"))
        except services.RateLimited:
            await self._error(
                "rate_limited", "Too many messages in a minute. Wait a moment.", client_id
            )
            return
        except ValidationError as error:
            await self._error(error.code or "invalid", " ".join(error.messages), client_id)
            return
        except PermissionDenied:
            await self.close(code=CLOSE_NO_ACCESS)
            return
        await self._send_json(
            {
                "type": "ack",
                "client_id": message["client_id"],
                "id": message["id"],
                "message": message,
            }
        )

    async def _on_sync(self, content: dict[str, Any]) -> None:
        after = content.get("after", 0)
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            await self._error("bad_frame", "sync needs after: the last id you have (0 for none).")
            return
        rows, more, markers = await self._fetch_after(after)
        await self._send_json({"type": "sync", "messages": rows, "more": more, "read": markers})

    async def _on_read(self, content: dict[str, Any]) -> None:
        up_to = content.get("up_to")
        if not isinstance(up_to, int) or isinstance(up_to, bool) or up_to < 0:
            await self._error("bad_frame", "read needs up_to: the last id you have read.")
            return
        try:
            await self._mark_read(up_to)
        except PermissionDenied:
            await self.close(code=CLOSE_NO_ACCESS)

    async def _on_ping(self, content: dict[str, Any]) -> None:
        await database_sync_to_async(services.presence_seen)(user_id=self.user_id)
        await self._send_json({"type": "pong"})

    # --- events from the channel layer ------------------------------------------------------

    async def message_new(self, event: dict[str, Any]) -> None:
        if self.thread is None or not await self._still_allowed(touch=False, push=True):
            return
        message = dict(event["message"], mine=event["sender_pk"] == self.user_id)
        await self._send_json({"type": "message", "message": message})

    async def read_moved(self, event: dict[str, Any]) -> None:
        if self.thread is None or not await self._still_allowed(touch=False, push=True):
            return
        await self._send_json({"type": "read", "side": event["side"], "up_to": event["seq"]})

    async def force_disconnect(self, event: dict[str, Any]) -> None:
        ended = event.get("session_key") or ""
        if ended:
            if ended == self.session_key:
                await self._close(CLOSE_NOT_LOGGED_IN)
            return  # another of the user's sessions logged out; this one stays
        self.session_checked_at = 0.0
        await self._still_allowed(touch=False)

    # --- helpers ----------------------------------------------------------------------------

    async def _still_allowed(self, *, touch: bool, push: bool = False) -> bool:
        """Re-check the session and the access to the thread; close if either is gone."""
        now = time.monotonic()
        if not push or now - self.session_checked_at > PUSH_SESSION_RECHECK_SECONDS:
            if not await self._session_ok(touch=touch):
                await self._close(CLOSE_NOT_LOGGED_IN)
                return False
            self.session_checked_at = now
        assert self.thread is not None
        if not await database_sync_to_async(selectors.may_see)(self.user_id, self.thread.pk):
            await self._close(CLOSE_NO_ACCESS)
            return False
        return True

    async def _close(self, code: int) -> None:
        await self.disconnect(code)
        await self.close(code=code)

    async def _session_ok(self, *, touch: bool) -> bool:
        return await database_sync_to_async(session_still_valid)(
            self.user_id, self.session_key, touch=touch
        )

    async def _send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content))

    async def _error(self, code: str, message: str, client_id: Any = None) -> None:
        frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if isinstance(client_id, str):
            frame["client_id"] = client_id[:64]
        await self._send_json(frame)

    @database_sync_to_async
    def _load_thread(self, user: Any, public_id: str) -> Thread | None:
        return selectors.thread_for_user(user, public_id)

    @database_sync_to_async
    def _store_message(self, client_id: Any, body: Any) -> tuple[dict[str, Any], bool]:
        from accounts.models import User

        assert self.thread is not None
        sender = User.objects.get(pk=self.user_id)
        if not isinstance(client_id, str):
            raise ValidationError("The message had no valid id.", code="bad_client_id")
        message, created = services.message_send(
            sender=sender, thread=self.thread, body=body, client_id=client_id
        )
        return dict(services.message_payload(message), mine=True), created

    @database_sync_to_async
    def _fetch_after(self, after: int) -> tuple[list[dict[str, Any]], bool, dict[str, int]]:
        assert self.thread is not None
        rows, more = selectors.messages_after(self.thread.pk, after)
        thread = Thread.objects.get(pk=self.thread.pk)
        payloads = [
            dict(services.message_payload(m), mine=m.sender_id == self.user_id) for m in rows
        ]
        markers = {"participant": thread.participant_read_seq, "team": thread.team_read_seq}
        return payloads, more, markers

    @database_sync_to_async
    def _mark_read(self, up_to: int) -> int:
        from accounts.models import User

        assert self.thread is not None
        return services.thread_mark_read(
            user=User.objects.get(pk=self.user_id), thread=self.thread, up_to=up_to
        )
