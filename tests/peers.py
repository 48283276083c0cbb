"""Clients that follow messaging/PROTOCOL.md against real daphne processes, for the tests
that run several servers over PostgreSQL and Redis: the two-server test
(tests/messaging/test_two_servers.py, random drops) and the chaos test
(tests/messaging/test_chaos.py, killed servers and a killed Redis).

A Peer is one person's page: it syncs after `complete_to` on every (re)connect, resends what
was never acknowledged with the same client ids, places messages by id, and drops its own
connections at random (cleanly or by cutting TCP). Everything is bounded."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from accounts.models import User
from messaging.models import Thread
from tests.helpers import verified_client, wait_until_no_other_db_sessions
from tests.servers import HOST, Deadline, forget_redis_keys, postgres_url
from tests.servers import Server as DaphneServer

WINDOW = 4  # sends a client keeps in flight before it waits for an ack
FRAME_TIMEOUT = 10.0  # opening a socket, or the answer to a sync


class Server(DaphneServer):
    def ws_url(self, thread: Thread) -> str:
        return f"ws://{HOST}:{self.port}/ws/messages/{thread.public_id}/"

    def log_tail(self, lines: int = 40) -> str:
        return f"--- {self.name} log ---\n" + super().log_tail(lines)


@contextlib.contextmanager
def two_servers(
    *, redis_url: str, prefix: str, var_dir: Path, startup_timeout: float
) -> Iterator[tuple[Server, Server]]:
    """Servers A and B on the test database and `redis_url` under `prefix`: both start at
    once, then each gets the rest of `startup_timeout` to answer; a server that does not fails
    the test with its log. Afterwards both are stopped, their database sessions gone and their
    Redis keys forgotten."""
    import pytest

    env = server_env(redis_url=redis_url, prefix=prefix, var_dir=var_dir)
    started = [
        Server(env, var_dir / f"daphne-{name}.log", name=f"daphne {name}") for name in ("A", "B")
    ]
    try:
        for server in started:
            server.start()
        deadline = Deadline(startup_timeout)
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
        forget_redis_keys(redis_url, prefix)


def server_env(*, redis_url: str, prefix: str, var_dir: Path) -> dict[str, str]:
    """The environment of a daphne that serves the test database (the one pytest-django
    made) with the channel layer and cache on `redis_url`, under a prefix of its own so that
    parallel runs on one Redis never hear each other."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": postgres_url(settings.DATABASES["default"]),
        "REDIS_URL": redis_url,
        "CHANNEL_PREFIX": prefix,
        "CACHE_KEY_PREFIX": prefix,
        # Sessions are signed with the test process's key; the servers must share it.
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": HOST,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "STATIC_MANIFEST": "0",
        "OMTAG_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        # Hundreds of messages in seconds is far over the 30 a minute a person may send.
        "MESSAGE_RATE_LIMIT_PER_MINUTE": "100000",
    }


def outbox(who: str, count: int) -> list[tuple[str, str]]:
    return [(str(uuid.uuid4()), f"{who} message {i}") for i in range(count)]


def session_cookie(user: User) -> str:
    client = verified_client(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@dataclass
class Peer:
    """One person's page: what they write, what they have on screen, and what they wrote but
    never saw acknowledged.

    With `faults_expected` (servers and Redis killed under it), a refused connection and a
    socket ended by the server are counted, not problems: the page reconnects with a short
    backoff, as the real page does. `allowed` (default: all) is how many of the outbox may be
    written so far; a test raises it to let traffic flow phase by phase, and `wake`s it."""

    name: str
    url: str
    origin: str
    cookie: str
    total: int  # messages the thread ends with
    rng: random.Random
    outbox: list[tuple[str, str]]  # (client_id, body) in the order written
    faults_expected: bool = False
    send_gap: tuple[float, float] = (0.0, 0.004)  # seconds between two new sends
    allowed: int | None = None
    written: int = 0  # how many of outbox have been written (sent at least once)
    pending: dict[str, str] = field(default_factory=dict)  # written, not yet seen stored
    have: dict[int, dict[str, Any]] = field(default_factory=dict)  # by id
    # The highest id up to which the page has every message. A sync asks for what comes
    # after it; the highest id seen would not do, since pushes from two servers may arrive
    # out of order and a dropped connection can swallow the lower one.
    complete_to: int = 0
    connections: int = 0
    cut: int = 0  # connections cut without a closing handshake
    refused: int = 0  # connections that could not be opened (faults_expected)
    ended_by_server: Counter[int | None] = field(default_factory=Counter)  # by close code
    resent: int = 0
    other_by_push: int = 0
    other_by_sync: int = 0
    pushed_twice_on_one_socket: int = 0
    problems: list[str] = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def done(self) -> bool:
        written_all = self.written == len(self.outbox)
        return written_all and not self.pending and self.complete_to == self.total

    @property
    def acknowledged(self) -> int:
        """Own messages the page has seen stored (in an ack, a push or a sync)."""
        return self.written - len(self.pending)

    def _may_write(self) -> bool:
        limit = len(self.outbox) if self.allowed is None else min(self.allowed, len(self.outbox))
        return self.written < limit

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
            except (OSError, TimeoutError, InvalidHandshake) as error:
                # InvalidHandshake: a server killed in the middle of the handshake (no HTTP
                # answer, or half of one).
                if self.faults_expected:
                    self.refused += 1
                else:
                    self.problems.append(f"could not connect: {error!r}")
                await asyncio.sleep(0.2)
                continue
            self.connections += 1
            ended_by_server = await self._converse(ws, deadline)
            # The page's backoff, shortened; longer after the server ended the socket (it is
            # away, or says "try again").
            await asyncio.sleep(0.2 if ended_by_server else self.rng.uniform(0, 0.05))

    async def _converse(self, ws: Any, deadline: float) -> bool:
        """One connection; True when the server ended it."""
        synced = asyncio.Event()
        pushed_here: set[int] = set()

        async def reader() -> None:
            try:
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
            finally:
                # Whoever waits for the sync answer, or for a frame, sees the socket gone
                # at once instead of at its time-out.
                synced.set()
                self.wake.set()

        reading = asyncio.create_task(reader())
        # How long this connection lives: a number of new sends or a time, whichever first.
        sends_left = self.rng.randint(1, 60)
        ends_at = min(deadline, time.monotonic() + self.rng.uniform(0.2, 3.0))
        ended_by_server = False
        try:
            # First what was missed, then what was never acknowledged, then new messages.
            await ws.send(json.dumps({"type": "sync", "after": self.complete_to}))
            await asyncio.wait_for(synced.wait(), FRAME_TIMEOUT)
            for client_id, body in list(self.pending.items()):
                await ws.send(json.dumps({"type": "send", "client_id": client_id, "body": body}))
                self.resent += 1
            while not self.done() and not reading.done() and time.monotonic() < ends_at:
                if sends_left and self._may_write() and len(self.pending) < WINDOW:
                    client_id, body = self.outbox[self.written]
                    self.written += 1
                    self.pending[client_id] = body
                    await ws.send(
                        json.dumps({"type": "send", "client_id": client_id, "body": body})
                    )
                    sends_left -= 1
                    await asyncio.sleep(self.rng.uniform(*self.send_gap))
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
                # The server ended the connection (or a frame made no sense).
                ended_by_server = True
                error = None if reading.cancelled() else reading.exception()
                if self.faults_expected and (error is None or isinstance(error, ConnectionClosed)):
                    self.ended_by_server[ws.close_code] += 1
                else:
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
        return ended_by_server

    def summary(self) -> str:
        faults = (
            f", refused {self.refused}, ended by the server {dict(self.ended_by_server)}"
            if self.faults_expected
            else ""
        )
        return (
            f"{self.name}: written {self.written}/{len(self.outbox)}, pending {len(self.pending)},"
            f" complete to {self.complete_to}/{self.total}, connections {self.connections}"
            f" ({self.cut} cut{faults}), resent {self.resent}, other side's by push"
            f" {self.other_by_push} by sync {self.other_by_sync}, problems {self.problems[:5]}"
        )
