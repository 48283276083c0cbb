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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from accounts.models import User
from messaging.models import Message, Side, Thread
from tests.helpers import verified_client, wait_until_no_other_db_sessions
from tests.servers import HOST, Deadline, forget_redis_keys, postgres_url
from tests.servers import Server as DaphneServer

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
WINDOW = 4  # sends a client keeps in flight before it waits for an ack
STARTUP_TIMEOUT = 45.0  # both servers answering /healthz (two Django start-ups on 2 cores)
CONVERSATION_TIMEOUT = 90.0  # a bound for the whole exchange, far above its usual time
FRAME_TIMEOUT = 10.0  # opening a socket, or the answer to a sync
# Longer than channels_redis's blocking read of a server's channel (BZPOPMIN, 5 s): a quiet
# server must keep its sockets open through it.
QUIET_SECONDS = 6.5
STOP_TIMEOUT = 10.0


# --- Servers ---------------------------------------------------------------------------------


class Server(DaphneServer):
    def ws_url(self, thread: Thread) -> str:
        return f"ws://{HOST}:{self.port}/ws/messages/{thread.public_id}/"

    def log_tail(self, lines: int = 40) -> str:
        return f"--- {self.name} log ---\n" + super().log_tail(lines)


@pytest.fixture
def servers(thread: Thread, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Servers A and B: the same database (the test database), the same Redis, a channel
    prefix of their own so that parallel runs on one Redis never hear each other."""
    prefix = f"omtag-two-servers-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # The database pytest-django made (test_<name>).
        "DATABASE_URL": postgres_url(settings.DATABASES["default"]),
        "REDIS_URL": REDIS_URL,
        "CHANNEL_PREFIX": prefix,
        "CACHE_KEY_PREFIX": prefix,
        # Sessions are signed with the test process's key; the servers must share it.
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": HOST,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "STATIC_MANIFEST": "0",
        "OMTAG_VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "WARNING",
        # 200 messages in a few seconds is far over the 30 a minute a person may send.
        "MESSAGE_RATE_LIMIT_PER_MINUTE": "100000",
    }
    started = [
        Server(
            env,
            tmp_path / f"daphne-{name}.log",
            name=f"daphne {name}",
            startup_timeout=STARTUP_TIMEOUT,
            stop_timeout=STOP_TIMEOUT,
        )
        for name in ("A", "B")
    ]
    try:
        for server in started:  # both start at once; then each gets the rest of the time
            server.start()
        deadline = Deadline(STARTUP_TIMEOUT)
        for server in started:
            try:
                server.startup_timeout = deadline.remaining()
                server.wait_healthy()
            except (RuntimeError, TimeoutError) as problem:
                pytest.fail(str(problem))
        yield started[0], started[1]
    finally:
        for server in started:
            server.stop()
        wait_until_no_other_db_sessions()
        forget_redis_keys(REDIS_URL, prefix)


# --- A client that follows PROTOCOL.md ------------------------------------------------------


@dataclass
class Peer:
    """One person's page: what they write, what they have on screen, and what they wrote but
    never saw acknowledged."""

    name: str
    url: str
    origin: str
    cookie: str
    total: int  # messages the thread ends with
    rng: random.Random
    outbox: list[tuple[str, str]]  # (client_id, body) in the order written
    written: int = 0  # how many of outbox have been written (sent at least once)
    pending: dict[str, str] = field(default_factory=dict)  # written, not yet seen stored
    have: dict[int, dict[str, Any]] = field(default_factory=dict)  # by id
    # The highest id up to which the page has every message. A sync asks for what comes
    # after it; the highest id seen would not do, since pushes from two servers may arrive
    # out of order and a dropped connection can swallow the lower one.
    complete_to: int = 0
    connections: int = 0
    cut: int = 0  # connections cut without a closing handshake
    resent: int = 0
    other_by_push: int = 0
    other_by_sync: int = 0
    pushed_twice_on_one_socket: int = 0
    problems: list[str] = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def done(self) -> bool:
        written_all = self.written == len(self.outbox)
        return written_all and not self.pending and self.complete_to == self.total

    def place(self, message: dict[str, Any]) -> bool:
        """Put a message in place by id; False if the page already shows it."""
        if message.get("mine"):
            self.pending.pop(message["client_id"], None)
        seq = message["id"]
        shown = self.have.get(seq)
        if shown is not None:
            if shown["client_id"] != message["client_id"]:
                self.problems.append(f"id {seq} came with two client ids")
            return False
        self.have[seq] = message
        while self.complete_to + 1 in self.have:
            self.complete_to += 1
        return True

    async def run(self, deadline: float) -> None:
        while not self.done() and time.monotonic() < deadline:
            try:
                ws = await asyncio.wait_for(
                    connect(
                        self.url,
                        origin=self.origin,  # type: ignore[arg-type]
                        additional_headers={"Cookie": self.cookie},
                        open_timeout=FRAME_TIMEOUT,
                        close_timeout=2,
                        ping_interval=None,
                        max_size=2**23,
                    ),
                    FRAME_TIMEOUT,
                )
            except (OSError, TimeoutError) as error:
                self.problems.append(f"could not connect: {error!r}")
                await asyncio.sleep(0.2)
                continue
            self.connections += 1
            await self._converse(ws, deadline)
            await asyncio.sleep(self.rng.uniform(0, 0.05))  # the page's backoff, shortened

    async def _converse(self, ws: Any, deadline: float) -> None:
        synced = asyncio.Event()
        pushed_here: set[int] = set()

        async def reader() -> None:
            async for raw in ws:
                frame = json.loads(raw)
                kind = frame["type"]
                if kind == "sync":
                    for message in frame["messages"]:
                        if self.place(message) and not message["mine"]:
                            self.other_by_sync += 1
                    if frame["more"]:
                        await ws.send(json.dumps({"type": "sync", "after": self.complete_to}))
                    else:
                        synced.set()
                elif kind == "ack":
                    self.place(frame["message"])
                elif kind == "message":
                    message = frame["message"]
                    if message["id"] in pushed_here:
                        self.pushed_twice_on_one_socket += 1
                    pushed_here.add(message["id"])
                    if self.place(message) and not message["mine"]:
                        self.other_by_push += 1
                elif kind == "error":
                    self.problems.append(f"error frame: {frame}")
                self.wake.set()

        reading = asyncio.create_task(reader())
        # How long this connection lives: a number of new sends or a time, whichever first.
        sends_left = self.rng.randint(1, 60)
        ends_at = min(deadline, time.monotonic() + self.rng.uniform(0.2, 3.0))
        try:
            # First what was missed, then what was never acknowledged, then new messages.
            await ws.send(json.dumps({"type": "sync", "after": self.complete_to}))
            await asyncio.wait_for(synced.wait(), FRAME_TIMEOUT)
            for client_id, body in list(self.pending.items()):
                await ws.send(json.dumps({"type": "send", "client_id": client_id, "body": body}))
                self.resent += 1
            while not self.done() and not reading.done() and time.monotonic() < ends_at:
                if sends_left and self.written < len(self.outbox) and len(self.pending) < WINDOW:
                    client_id, body = self.outbox[self.written]
                    self.written += 1
                    self.pending[client_id] = body
                    await ws.send(
                        json.dumps({"type": "send", "client_id": client_id, "body": body})
                    )
                    sends_left -= 1
                    await asyncio.sleep(self.rng.uniform(0, 0.004))
                    continue
                if not sends_left:
                    break
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), max(0.0, ends_at - time.monotonic()))
        except ConnectionClosed:
            pass
        except TimeoutError:
            self.problems.append("no sync answer in time")
        finally:
            if reading.done():
                # The server ended the connection (or a frame made no sense): the only drops
                # planned are the client's own.
                error = None if reading.cancelled() else reading.exception()
                self.problems.append(f"socket ended by the server ({ws.close_code}): {error!r}")
            if self.done() or self.rng.random() < 0.5:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(ws.close(), 3)
            else:
                self.cut += 1
                ws.transport.abort()  # the network goes away mid-conversation
            reading.cancel()
            with contextlib.suppress(BaseException):
                await reading

    def summary(self) -> str:
        return (
            f"{self.name}: written {self.written}/{len(self.outbox)}, pending {len(self.pending)},"
            f" complete to {self.complete_to}/{self.total}, connections {self.connections}"
            f" ({self.cut} cut), resent {self.resent}, other side's by push {self.other_by_push}"
            f" by sync {self.other_by_sync}, problems {self.problems[:5]}"
        )


def _outbox(who: str) -> list[tuple[str, str]]:
    return [(str(uuid.uuid4()), f"{who} message {i}") for i in range(PER_SIDE)]


def _cookie(user: User) -> str:
    client = verified_client(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


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
        cookie=_cookie(participant),
        total=total,
        rng=random.Random(rng.random()),
        outbox=_outbox("participant"),
    )
    t = Peer(
        name="therapist@B",
        url=server_b.ws_url(thread),
        origin=server_b.origin,
        cookie=_cookie(therapist),
        total=total,
        rng=random.Random(rng.random()),
        outbox=_outbox("therapist"),
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
