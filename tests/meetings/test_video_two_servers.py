"""The video room across two daphne processes behind one Redis channel layer: the therapist's
socket on server A, the participant's on server B. The room keeps no state on the server
(a joining socket says hello to the meeting's group, the others answer to it alone), so the
waiting room, the admission, the relay and the leave must work across them exactly as in one
process. Runs with REDIS_URL and a PostgreSQL DATABASE_URL (CI's second pass), like
tests/messaging/test_two_servers.py; every wait is bounded."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone
from websockets.asyncio.client import ClientConnection, connect

from meetings.models import Kind, Meeting
from tests.peers import Server, session_cookie, two_servers

REDIS_URL = os.environ.get("REDIS_URL", "")
IS_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.skipif(
        not (REDIS_URL and IS_POSTGRES),
        reason="needs REDIS_URL and a PostgreSQL DATABASE_URL: two daphne processes share "
        "their channel layer through Redis and their data through PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]

STARTUP_TIMEOUT = 45.0
FRAME_TIMEOUT = 5.0
SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


@pytest.fixture(autouse=True)
async def _close_worker_thread_connections():
    """sync_to_async's worker thread keeps a connection, which would hold the test database
    open at its teardown."""
    yield
    from django.db import connections

    await sync_to_async(connections.close_all)()


@pytest.fixture
def meeting(enrollment) -> Meeting:
    starts = timezone.now() + timedelta(minutes=2)
    return Meeting.objects.create(
        enrollment=enrollment,
        therapist=enrollment.therapist,
        participant=enrollment.participant,
        kind=Kind.VIDEO,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
    )


@pytest.fixture
def servers(meeting: Meeting, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    prefix = f"omtag-video-{uuid.uuid4().hex[:12]}"
    with two_servers(
        redis_url=REDIS_URL, prefix=prefix, var_dir=tmp_path, startup_timeout=STARTUP_TIMEOUT
    ) as started:
        yield started


async def _open(server: Server, cookie: str, meeting: Meeting) -> ClientConnection:
    url = server.origin.replace("http", "ws") + f"/ws/meetings/{meeting.public_id}/"
    return await asyncio.wait_for(
        connect(url, origin=server.origin, additional_headers={"Cookie": cookie}),  # type: ignore[arg-type]
        FRAME_TIMEOUT,
    )


async def _next(ws: ClientConnection) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT))


async def test_the_room_works_with_the_two_people_on_different_servers(
    servers, meeting, therapist, participant
):
    a, b = servers
    t_cookie = await sync_to_async(session_cookie)(therapist)
    p_cookie = await sync_to_async(session_cookie)(participant)
    t = await _open(a, t_cookie, meeting)
    p = await _open(b, p_cookie, meeting)
    try:
        await t.send(json.dumps({"type": "ready"}))
        await asyncio.sleep(0.3)  # the therapist is in the room first
        await p.send(json.dumps({"type": "ready"}))
        assert (await _next(p))["type"] == "waiting"
        assert (await _next(t))["type"] == "knock"
        await t.send(json.dumps({"type": "admit"}))
        assert (await _next(p))["type"] == "admitted"
        assert (await _next(t))["type"] == "peer"
        await t.send(json.dumps({"type": "offer", "sdp": SDP}))
        assert await _next(p) == {"type": "offer", "sdp": SDP}
        await p.send(json.dumps({"type": "answer", "sdp": SDP}))
        assert await _next(t) == {"type": "answer", "sdp": SDP}
        await t.send(json.dumps({"type": "leave"}))
        assert (await _next(t))["type"] == "ended"
        assert (await _next(p))["type"] == "ended"
    finally:
        await t.close()
        await p.close()
    for server in servers:
        assert server.log_errors() == "", server.log_errors()
