"""The video meeting's signalling socket (/ws/meetings/<meeting uuid>/). See VIDEO.md beside
this file for the frames.

Only the meeting's therapist and participant get in, with a verified second factor, while the
room is open (meetings.video.room_open); anyone else is closed with 4403, as for someone
else's message thread. Every frame from the client re-checks the session and the meeting
(two prepared queries), and a watch re-checks them every WATCH_SECONDS, so a logout, a
cancellation or the end of the window ends the socket without a frame.

The room keeps no state on the server: who is there is asked over the channel layer (a
socket that joins says "hello", the others answer "here"), so any process can hold either
side. The socket writes nothing itself: the access-log rows of who joined, admitted and left
go through meetings.services.video_step_record."""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import time
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import User
from accounts.realtime import (
    CLOSE_NO_ACCESS,
    CLOSE_NOT_LOGGED_IN,
    CLOSE_TOO_BIG,
    Prepared,
    SessionCheck,
    SocketConsumer,
    group_renewal,
    socket_connect_db,
    socket_db,
    user_group,
)

from . import selectors, services, video
from .video import FrameError

logger = logging.getLogger("meetings.socket")

# How often an idle socket re-checks the session and the room (the end of the window, a
# cancellation, a logout elsewhere).
WATCH_SECONDS = 15.0


class _Closed(Exception):
    def __init__(self, code: int, reason: str = "") -> None:
        self.code = code
        self.reason = reason


def room_group(public_id: object) -> str:
    return f"video.{public_id}"


class MeetingConsumer(SocketConsumer):
    side: str | None = None
    _watch: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        user = self.scope["user"]
        session = self.scope.get("session")
        self.user_id: int = user.pk
        self.session_key: str | None = getattr(session, "session_key", None)
        self.joined = False  # sent "ready"
        self.admitted = False  # the participant, let in by the therapist
        self.ended = False
        # The therapist's side: what its page was last told of the participant (None, "knock"
        # or "peer"), so that two hellos that crossed (both joining at once) knock once.
        self.told: str | None = None
        self.sent_at: collections.deque[float] = collections.deque()
        # The handshake's call on the handshake threads (socket_connect_db): a burst of
        # handshakes never waits behind open sockets' frames.
        code, reason = await socket_connect_db(self._open)(
            self.scope["url_route"]["kwargs"]["meeting"]
        )
        # Refusals accept first, then close with our code (see ThreadConsumer.connect).
        await self.accept()
        if code:
            if reason:
                await self._error(reason, "The video room is not open now.")
            await self.close(code=code)
            return
        await self.join_groups()
        # A meeting can outlast the layer's group expiry: its groups are joined again in time.
        group_renewal.add(self)
        self._watch = asyncio.ensure_future(self._watch_access())

    async def join_groups(self) -> None:
        if self.side is None:  # left meanwhile
            return
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(user_group(self.user_id), self.channel_name)

    def _open(self, public_id: str) -> tuple[int, str]:
        """(0, "") if this user may be in the room now, else the close code and, for one of
        the meeting's two people outside the window, the reason."""
        user = SessionCheck(self.user_id, self.session_key)()
        if user is None:
            return CLOSE_NOT_LOGGED_IN, ""
        try:
            meeting = selectors.meeting_or_404(user, public_id)
        except Http404:
            return CLOSE_NO_ACCESS, ""
        side = video.side(meeting, user)
        if side is None or meeting.kind != "video":
            return CLOSE_NO_ACCESS, ""
        if not video.meeting_room_open(meeting):
            return CLOSE_NO_ACCESS, "room_closed"
        self.side = side
        self.meeting_pk = meeting.pk
        self.group = room_group(meeting.public_id)
        self._session_check = SessionCheck(self.user_id, self.session_key)
        # The meeting as this user may still see it (care team, unit, participant), asked anew
        # each time: a reassignment, a cancellation or a move shows at the next check.
        visible = (
            selectors.meetings_for_staff(user) | selectors.meetings_for_participant(user)
        ).filter(pk=meeting.pk)
        self._meeting_row = Prepared(
            visible.values_list(
                "kind", "status", "starts_at", "ends_at", "therapist_id", "participant_id"
            )
        )
        return 0, ""

    # --- the re-checks ----------------------------------------------------------------------

    def _recheck(self, *, touch: bool) -> User:
        user = self._session_check(touch=touch)
        if user is None:
            raise _Closed(CLOSE_NOT_LOGGED_IN)
        rows = self._meeting_row.rows()
        if not rows:
            raise _Closed(CLOSE_NO_ACCESS)
        kind, status, starts_at, ends_at, therapist_id, participant_id = rows[0]
        if self.user_id not in (therapist_id, participant_id):
            raise _Closed(CLOSE_NO_ACCESS)
        if not video.room_open(kind=kind, status=status, starts_at=starts_at, ends_at=ends_at):
            raise _Closed(CLOSE_NO_ACCESS, "room_closed")
        return user

    def _recheck_then_record(self, step: str | None) -> None:
        user = self._recheck(touch=True)
        if step is not None:
            try:
                services.video_step_record(actor=user, meeting_id=self.meeting_pk, step=step)
            except PermissionDenied:
                raise _Closed(CLOSE_NO_ACCESS) from None

    async def _checked(self, step: str | None = None) -> None:
        await socket_db(self._recheck_then_record)(step)

    async def _watch_access(self) -> None:
        while self.side is not None:
            await asyncio.sleep(WATCH_SECONDS)
            if self.side is None:
                return
            try:
                await socket_db(self._recheck)(touch=False)
            except _Closed as closed:
                await self._close(closed)
                return
            except Exception as error:  # an outage: the next round, or the frame, tells
                logger.warning("video socket could not re-check: %s", type(error).__name__)

    async def disconnect(self, code: int) -> None:
        group_renewal.discard(self)
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        if self.side is None:
            return
        side, self.side = self.side, None
        if self.joined and not self.ended:
            # Gone without "leave" (a closed tab, a lost network): the other side waits.
            await self.channel_layer.group_send(
                self.group, {"type": "video.gone", "origin": self.channel_name, "side": side}
            )
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.channel_layer.group_discard(user_group(self.user_id), self.channel_name)

    async def _close(self, closed: _Closed) -> None:
        if closed.reason:
            await self._error(closed.reason, "The video room is not open now.")
        await self.disconnect(closed.code)
        await self.close(code=closed.code)

    # --- frames from the client -------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.side is None:
            return
        size = (
            len(bytes_data)
            if bytes_data is not None
            else len((text_data or "").encode("utf-8", "surrogatepass"))
        )
        if size > video.MAX_FRAME_BYTES:
            await self._error("too_large", "Frames are limited to 24 KB.")
            await self._close(_Closed(CLOSE_TOO_BIG))
            return
        if bytes_data is not None:
            await self._error("bad_frame", "Send JSON text frames.")
            return
        now = time.monotonic()
        while self.sent_at and now - self.sent_at[0] > video.FRAME_WINDOW_SECONDS:
            self.sent_at.popleft()
        if len(self.sent_at) >= video.MAX_FRAMES:
            await self._error("rate_limited", "Too many frames. Wait a moment.")
            return
        self.sent_at.append(now)
        try:
            frame = video.parse_frame(json.loads(text_data or ""))
        except (ValueError, RecursionError):
            await self._error("bad_json", "The frame is not valid JSON.")
            return
        except FrameError as error:
            await self._error(error.code, error.message)
            return
        try:
            await self._on_frame(frame)
        except _Closed as closed:
            await self._close(closed)

    async def _on_frame(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if self.ended:
            await self._error("ended", "The call has ended. Open the page again to rejoin.")
            return
        if kind == "ready":
            first = not self.joined
            await self._checked("joined" if first else None)
            self.joined = True
            if self.side == "participant" and not self.admitted:
                await self._send_json({"type": "waiting"})
            await self._group({"type": "video.hello", "side": self.side, "admitted": self.admitted})
            return
        if not self.joined:
            await self._error("not_ready", "Send ready first.")
            return
        if kind == "admit":
            if self.side != "therapist":
                await self._error("not_allowed", "Only the therapist lets the participant in.")
                return
            await self._checked("admitted")
            await self._group({"type": "video.admit"})
            return
        if kind == "leave":
            await self._checked("left")
            if self.side == "participant" and not self.admitted:
                # Out of the waiting room: ends no call; the therapist hears peer_left.
                await self._send_json({"type": "ended"})
                await self.disconnect(1000)
                await self.close(code=1000)
                return
            await self._group({"type": "video.ended"})
            await self._ended()
            return
        # offer, answer, candidate: only between the therapist and a participant let in.
        if self.side == "participant" and not self.admitted:
            await self._error("not_admitted", "Wait until your therapist lets you in.")
            return
        await self._checked()
        await self._group({"type": "video.relay", "frame": frame})

    # --- events from the room ---------------------------------------------------------------

    async def video_hello(self, event: dict[str, Any]) -> None:
        # Only a page that has joined (sent "ready") takes part: a page still checking its
        # camera neither knocks nor is told of a knock; when it joins, its own hello asks the
        # room, and the answer ("here") tells it once. Without this, a hello that crossed a
        # join reached a page twice (two knocks), or a page that had not joined yet.
        if not self._from_other(event) or not self.joined or self.ended:
            return
        if self.side == "therapist" and event["side"] == "participant":
            # A participant's page that (re)joined is not let in until the therapist says so.
            await self._tell(admitted=bool(event.get("admitted")))
        elif self.side == "participant" and event["side"] == "therapist":
            await self.channel_layer.send(
                event["origin"],
                {
                    "type": "video.here",
                    "origin": self.channel_name,
                    "side": self.side,
                    "admitted": self.admitted,
                },
            )

    async def video_here(self, event: dict[str, Any]) -> None:
        if not self.joined or self.ended or self.side != "therapist":
            return
        await self._tell(admitted=bool(event.get("admitted")))

    async def _tell(self, *, admitted: bool) -> None:
        """Tell the therapist's page the participant is waiting ("knock") or in ("peer"). A
        knock already told is not told again: the page would start over."""
        state = "peer" if admitted else "knock"
        if state == "knock" and self.told == "knock":
            return
        self.told = state
        await self._send_json({"type": state})

    async def video_admit(self, event: dict[str, Any]) -> None:
        if not self._from_other(event) or self.side != "participant":
            return
        self.admitted = True
        await self._send_json({"type": "admitted"})
        # The therapist's page makes the offer when it hears the participant is in.
        await self.channel_layer.send(
            event["origin"],
            {
                "type": "video.here",
                "origin": self.channel_name,
                "side": self.side,
                "admitted": True,
            },
        )

    async def video_relay(self, event: dict[str, Any]) -> None:
        if not self._from_other(event):
            return
        if self.side == "participant" and not self.admitted:
            return
        await self._send_json(event["frame"])

    async def video_gone(self, event: dict[str, Any]) -> None:
        if self._from_other(event):
            self.told = None
            await self._send_json({"type": "peer_left", "side": event["side"]})

    async def video_ended(self, event: dict[str, Any]) -> None:
        if self._from_other(event):
            await self._ended()

    async def force_disconnect(self, event: dict[str, Any]) -> None:
        ended = event.get("session_key") or ""
        if ended:
            if ended == self.session_key:
                await self._close(_Closed(CLOSE_NOT_LOGGED_IN))
            return
        try:
            await socket_db(self._recheck)(touch=False)
        except _Closed as closed:
            await self._close(closed)

    # --- helpers ----------------------------------------------------------------------------

    def _from_other(self, event: dict[str, Any]) -> bool:
        return (
            self.side is not None
            and self.joined
            and not self.ended
            and event.get("origin") != self.channel_name
        )

    async def _group(self, event: dict[str, Any]) -> None:
        await self.channel_layer.group_send(self.group, {**event, "origin": self.channel_name})

    async def _ended(self) -> None:
        """The call is over for this page: it says so, and the socket closes. The room stays
        open for a new call until its window ends (the page, opened again, rejoins)."""
        self.ended = True
        await self._send_json({"type": "ended"})
        await self.disconnect(1000)
        await self.close(code=1000)

    async def _send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content))

    async def _error(self, code: str, message: str) -> None:
        await self._send_json({"type": "error", "code": code, "message": message})
