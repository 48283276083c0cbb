"""The video call of a video meeting: when its room is open, who may be in it, the ICE servers
the browsers get, and what a signalling frame may hold (the socket: meetings.consumers; the
protocol: meetings/VIDEO.md).

Omtag only relays the signalling (offers, answers and ICE candidates) between the meeting's
two people; the media go browser to browser, or through the TURN server. Nothing of a call is
stored but who joined, admitted and left (the access log), never an SDP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.models import User

from .models import Kind, Meeting, Status

# The room opens this long before the start (the participant may come early and wait) and
# closes this long after the booked end (a call that runs over is not cut off at once).
OPENS_BEFORE = timedelta(minutes=10)
CLOSES_AFTER = timedelta(minutes=15)
# A meeting whose outcome the therapist records during the call as attended stays open.
OPEN_STATUSES = (Status.SCHEDULED, Status.ATTENDED)

# Signalling limits. A browser's SDP for one audio and one video track is 3-6 KB.
MAX_FRAME_BYTES = 24 * 1024
MAX_SDP_BYTES = 16 * 1024
MAX_CANDIDATE_BYTES = 1024
# Frames one socket may send in FRAME_WINDOW_SECONDS (a call's set-up is a few dozen).
MAX_FRAMES = 120
FRAME_WINDOW_SECONDS = 10.0


# The signalling socket's route (meetings.routing).
SOCKET_ROUTE = "ws/meetings/<str:meeting>/"


def socket_path(public_id: object) -> str:
    """The socket's address, from the route itself (Channels' routes have no reverse)."""
    return "/" + SOCKET_ROUTE.replace("<str:meeting>", str(public_id))


def opens_at(meeting: Meeting) -> datetime:
    return meeting.starts_at - OPENS_BEFORE


def closes_at(meeting: Meeting) -> datetime:
    return meeting.ends_at + CLOSES_AFTER


def room_open(
    *, kind: str, status: str, starts_at: datetime, ends_at: datetime, now: datetime | None = None
) -> bool:
    """Whether a meeting's video room is open now: a video meeting, not cancelled, and now
    within [start - OPENS_BEFORE, end + CLOSES_AFTER]."""
    now = now or timezone.now()
    return (
        kind == Kind.VIDEO
        and status in OPEN_STATUSES
        and starts_at - OPENS_BEFORE <= now <= ends_at + CLOSES_AFTER
    )


def meeting_room_open(meeting: Meeting, now: datetime | None = None) -> bool:
    return room_open(
        kind=meeting.kind,
        status=meeting.status,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        now=now,
    )


def side(meeting: Meeting, user: User) -> str | None:
    """ "therapist" or "participant" for the meeting's two people; None for anyone else (a
    substitute who may see the meeting does not join its call)."""
    if user.pk == meeting.therapist_id:
        return "therapist"
    if user.pk == meeting.participant_id:
        return "participant"
    return None


# --- ICE servers -----------------------------------------------------------------------------


def turn_credentials(user: User, now: float | None = None) -> tuple[str, str]:
    """coturn's use-auth-secret (the "TURN REST API"): the username is "expiry:user id" and
    the password the base64 HMAC-SHA1 of it with the shared secret, so coturn checks it without
    asking Omtag and it stops working at the expiry."""
    expiry = int((now if now is not None else time.time()) + settings.WEBRTC_TURN_TTL_SECONDS)
    username = f"{expiry}:{user.public_id}"
    digest = hmac.new(
        settings.WEBRTC_TURN_SECRET.encode(), username.encode(), hashlib.sha1
    ).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(user: User) -> list[dict[str, Any]]:
    """The RTCIceServer list for this user's page: the configured STUN/TURN servers, and the
    TURN server with time-limited credentials of this user's own when one is configured."""
    servers: list[dict[str, Any]] = [dict(s) for s in settings.WEBRTC_ICE_SERVERS]
    if settings.WEBRTC_TURN_URLS:
        username, credential = turn_credentials(user)
        servers.append(
            {
                "urls": list(settings.WEBRTC_TURN_URLS),
                "username": username,
                "credential": credential,
            }
        )
    return servers


# --- Signalling frames -----------------------------------------------------------------------


@dataclass(frozen=True)
class FrameError(Exception):
    code: str
    message: str


CLIENT_TYPES = ("ready", "admit", "offer", "answer", "candidate", "leave")


def _text(value: Any, limit: int, name: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise FrameError("bad_frame", f"{name} must be text.")
    if len(value.encode("utf-8", "surrogatepass")) > limit:
        raise FrameError("too_large", f"{name} is longer than {limit} bytes.")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value) or "\x00" in value:
        raise FrameError("bad_text", f"{name} holds characters that are not allowed.")
    return value


def _candidate(value: Any) -> dict[str, Any]:
    """An RTCIceCandidateInit with its four fields typed; any other key is refused. An empty
    `candidate` is the end of the candidates, which the other side is told too."""
    if not isinstance(value, dict):
        raise FrameError("bad_frame", "candidate must be an object.")
    allowed = {"candidate", "sdpMid", "sdpMLineIndex", "usernameFragment"}
    extra = set(value) - allowed
    if extra:
        raise FrameError("bad_frame", f"candidate has unknown fields: {sorted(extra)[:3]}.")
    line = _text(value.get("candidate"), MAX_CANDIDATE_BYTES, "candidate.candidate")
    assert line is not None
    if line and not line.startswith("candidate:"):
        raise FrameError("bad_frame", "candidate.candidate must start with candidate:.")
    mid = _text(value.get("sdpMid"), 64, "candidate.sdpMid", optional=True)
    index = value.get("sdpMLineIndex")
    if index is not None and (
        not isinstance(index, int) or isinstance(index, bool) or not 0 <= index <= 64
    ):
        raise FrameError("bad_frame", "candidate.sdpMLineIndex must be a number from 0 to 64.")
    fragment = _text(
        value.get("usernameFragment"), 256, "candidate.usernameFragment", optional=True
    )
    if mid is None and index is None:
        raise FrameError("bad_frame", "candidate needs sdpMid or sdpMLineIndex.")
    return {"candidate": line, "sdpMid": mid, "sdpMLineIndex": index, "usernameFragment": fragment}


def parse_frame(content: Any) -> dict[str, Any]:
    """A client frame, decoded from JSON, checked and rebuilt with only the fields it may
    have (what is relayed is this, never what the client sent). Raises FrameError."""
    if not isinstance(content, dict) or not isinstance(content.get("type"), str):
        raise FrameError("bad_frame", "A frame is a JSON object with a type.")
    kind = content["type"]
    if kind not in CLIENT_TYPES:
        raise FrameError("unknown_type", f"Unknown frame type: {kind[:40]}")
    if kind in ("offer", "answer"):
        sdp = _text(content.get("sdp"), MAX_SDP_BYTES, "sdp")
        assert sdp is not None
        if not sdp.startswith("v=0"):
            raise FrameError("bad_frame", "sdp is not a session description.")
        return {"type": kind, "sdp": sdp}
    if kind == "candidate":
        return {"type": kind, "candidate": _candidate(content.get("candidate"))}
    return {"type": kind}
