"""Two daphne processes behind one Redis channel layer and one PostgreSQL database: the
participant's socket on server A, the therapist's on server B, 200 messages each way while
both clients drop their connections at random (some cleanly, some by cutting the TCP
connection) and reconnect the way PROTOCOL.md says: sync after the last id (the highest id up
to which the client has every message), then resend everything never acknowledged, with the
same client ids.

Every message must reach the other side exactly once and in order, and the database must
hold exactly 400. Runs only with REDIS_URL and a PostgreSQL DATABASE_URL (CI's second pass);
the servers read the test database that pytest-django made. Everything is bounded: a hang
fails the test instead of blocking the run."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from accounts.models import User
from messaging.models import Message, Side, Thread
from tests.peers import FRAME_TIMEOUT, Peer, Server, outbox, session_cookie, two_servers

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

PER_SIDE = 200  # messages each way
STARTUP_TIMEOUT = 45.0  # both servers answering /healthz (two Django start-ups on 2 cores)
CONVERSATION_TIMEOUT = 90.0  # a bound for the whole exchange, far above its usual time
# Longer than channels_redis's blocking read of a server's channel (BZPOPMIN, 5 s): a quiet
# server must keep its sockets open through it.
QUIET_SECONDS = 6.5


# --- Servers ---------------------------------------------------------------------------------


@pytest.fixture
def servers(thread: Thread, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Servers A and B: the same database (the test database), the same Redis, a channel
    prefix of their own so that parallel runs on one Redis never hear each other."""
    prefix = f"omtag-two-servers-{uuid.uuid4().hex[:12]}"
    with two_servers(
        redis_url=REDIS_URL, prefix=prefix, var_dir=tmp_path, startup_timeout=STARTUP_TIMEOUT
    ) as started:
        yield started


async def _quiet_sockets_stay_open(peers: list[Peer]) -> list[str]:
    """A socket per peer, nothing said for QUIET_SECONDS, then a ping each must answer."""
    problems: list[str] = []
    sockets = []
    try:
        for peer in peers:
            sockets.append(
                await asyncio.wait_for(
                    connect(
                        peer.url,
                        origin=peer.origin,  # type: ignore[arg-type]
                        additional_headers={"Cookie": peer.cookie},
                        ping_interval=None,
                    ),
                    FRAME_TIMEOUT,
                )
            )
        await asyncio.sleep(QUIET_SECONDS)
        for peer, ws in zip(peers, sockets, strict=True):
            try:
                await ws.send(json.dumps({"type": "ping"}))
                while json.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT))["type"] != (
                    "pong"
                ):
                    pass
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
                problems.append(f"{peer.name}: the server closed a quiet socket ({code})")
            except TimeoutError:
                problems.append(f"{peer.name}: no pong after a quiet while")
    finally:
        for ws in sockets:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 3)
    return problems


async def _conversation(participant: Peer, therapist: Peer) -> None:
    deadline = time.monotonic() + CONVERSATION_TIMEOUT
    runs = asyncio.gather(participant.run(deadline), therapist.run(deadline))
    with contextlib.suppress(TimeoutError):  # the assertions say what is missing
        await asyncio.wait_for(runs, CONVERSATION_TIMEOUT + 15)


def test_two_servers_deliver_every_message_once_in_order_through_random_drops(
    servers: tuple[Server, Server], thread: Thread, participant: User, therapist: User
) -> None:
    server_a, server_b = servers
    seed = int(os.environ.get("TWO_SERVERS_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    total = 2 * PER_SIDE
    p = Peer(
        name="participant@A",
        url=server_a.ws_url(thread),
        origin=server_a.origin,
        cookie=session_cookie(participant),
        total=total,
        rng=random.Random(rng.random()),
        outbox=outbox("participant", PER_SIDE),
    )
    t = Peer(
        name="therapist@B",
        url=server_b.ws_url(thread),
        origin=server_b.origin,
        cookie=session_cookie(therapist),
        total=total,
        rng=random.Random(rng.random()),
        outbox=outbox("therapist", PER_SIDE),
    )
    # First a quiet while: Redis's blocking read must not end a socket that hears nothing.
    quiet = asyncio.run(_quiet_sockets_stay_open([p, t]))
    assert not quiet, f"{quiet}\n{server_a.log_tail()}\n{server_b.log_tail()}"
    started = time.monotonic()
    asyncio.run(_conversation(p, t))
    elapsed = time.monotonic() - started
    report = (
        f"seed {seed} (TWO_SERVERS_SEED={seed} repeats the drops), {elapsed:.1f} s,"
        f" server CPU A {server_a.cpu_seconds():.1f} s, B {server_b.cpu_seconds():.1f} s\n"
        f"{p.summary()}\n{t.summary()}\n{server_a.log_tail()}\n{server_b.log_tail()}"
    )
    print(report)

    assert p.done() and t.done(), report
    assert not p.problems and not t.problems, report
    for me, other in ((p, t), (t, p)):
        # Exactly once: one id per client id, every id from 1 to 400 present.
        assert sorted(me.have) == list(range(1, total + 1)), report
        assert len({m["client_id"] for m in me.have.values()}) == total, report
        assert me.pushed_twice_on_one_socket == 0, report
        in_order = [me.have[seq] for seq in sorted(me.have)]
        theirs = [m for m in in_order if not m["mine"]]
        mine = [m for m in in_order if m["mine"]]
        # In order: the other side's messages, by id, are in the order they were written;
        # and so are one's own.
        assert [m["client_id"] for m in theirs] == [c for c, _ in other.outbox], report
        assert [m["body"] for m in theirs] == [b for _, b in other.outbox], report
        assert [m["client_id"] for m in mine] == [c for c, _ in me.outbox], report
        # The cross-server push really carried messages: not everything came by sync.
        assert me.other_by_push >= PER_SIDE // 10, report
    # The drops happened, and some of them in the middle of unacknowledged sends.
    assert p.connections + t.connections >= 10, report
    assert p.cut + t.cut >= 2, report

    stored = list(
        Message.objects.filter(thread=thread).order_by("seq").values_list("seq", "client_id")
    )
    assert [seq for seq, _ in stored] == list(range(1, total + 1))
    assert len(stored) == total == Message.objects.count()
    assert {str(c) for _, c in stored} == {c for c, _ in p.outbox + t.outbox}
    assert Message.objects.filter(thread=thread, side=Side.PARTICIPANT).count() == PER_SIDE
    assert Message.objects.filter(thread=thread, side=Side.TEAM).count() == PER_SIDE
    assert Thread.objects.get(pk=thread.pk).last_seq == total
