"""The sockets' database threads (accounts.realtime.socket_executor): a handshake never waits
behind another socket's slow database call, one socket's slow call holds up no other socket,
and a socket's own frames still run one after another, in order.

Each test blocks one socket's call inside the service it calls (on a threading.Event), so the
call holds its thread for as long as the test wants, and then checks what the other sockets
can still do. Until the pools, every socket's call in a process ran on one thread, and each of
these checks timed out."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from messaging import services
from tests.helpers import next_frame, open_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("socket_test")]

REPO = Path(__file__).resolve().parents[2]
# What a handshake or a frame may take while another socket's call is held: far under the
# 5 s after which daphne drops a handshake, far over what it takes on a loaded machine.
BOUND = 3.0


class Held:
    """services.thread_mark_read, held on an Event until `release()`."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.released = threading.Event()

    def __call__(self, **kwargs: Any) -> int:
        self.entered.set()
        assert self.released.wait(30), "the test never released the held call"
        return 0

    async def wait_entered(self) -> None:
        assert await asyncio.to_thread(self.entered.wait, BOUND), "the call was never made"

    def release(self) -> None:
        self.released.set()


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[Held]:
    call = Held()
    monkeypatch.setattr(services, "thread_mark_read", call)
    yield call
    call.release()  # however the test ended, free the thread before the connections close


async def _hold_a_read(socket: Any, held: Held) -> None:
    await socket.send_json_to({"type": "read", "up_to": 0})
    await held.wait_entered()


async def test_a_handshake_does_not_wait_behind_another_sockets_slow_call(
    thread, participant, therapist, held, settings
):
    settings.SOCKET_DB_THREADS = 1  # the one frame thread is the one held
    p_socket, ok, _ = await open_socket(participant, thread)
    assert ok
    await _hold_a_read(p_socket, held)

    started = time.monotonic()
    t_socket, ok, code = await open_socket(therapist, thread)
    took = time.monotonic() - started
    assert ok and code is None, f"the handshake failed while another socket's call was held: {code}"
    assert took < BOUND, f"the handshake took {took:.2f} s behind another socket's call"

    held.release()
    await p_socket.send_json_to({"type": "ping"})
    assert (await next_frame(p_socket, "pong"))["type"] == "pong"
    await p_socket.disconnect()
    await t_socket.disconnect()


async def test_a_slow_call_holds_up_its_own_socket_only_and_its_frames_keep_their_order(
    thread, participant, therapist, held, settings
):
    settings.SOCKET_DB_THREADS = 2
    p_socket, ok_p, _ = await open_socket(participant, thread)
    t_socket, ok_t, _ = await open_socket(therapist, thread)
    assert ok_p and ok_t
    await _hold_a_read(p_socket, held)

    # Another socket's frame runs on the other thread at once.
    started = time.monotonic()
    await t_socket.send_json_to({"type": "ping"})
    assert (await next_frame(t_socket, "pong", timeout=BOUND))["type"] == "pong"
    assert time.monotonic() - started < BOUND

    # The held socket's next frame waits for its read, although a thread is free: a socket's
    # frames are handled one after another, in the order they came.
    await p_socket.send_json_to({"type": "ping"})
    assert await p_socket.receive_nothing(timeout=0.5)
    held.release()
    assert (await next_frame(p_socket, "pong", timeout=BOUND))["type"] == "pong"
    await p_socket.disconnect()
    await t_socket.disconnect()


def _settings_error(**env: str) -> str:
    """Import the settings with `env` and return what they refuse with (stderr)."""
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=REPO,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("SOCKET_", "DATABASE"))},
            "PYTHONPATH": str(REPO / "platform"),
            "SECRET_KEY": "x",
            "ALLOWED_HOSTS": "localhost",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0, "the settings accepted it"
    return result.stderr


def test_a_pool_of_no_threads_is_refused_with_a_clear_message():
    assert "SOCKET_DB_THREADS must be 1 or more (it is 0)" in _settings_error(SOCKET_DB_THREADS="0")


def test_socket_threads_that_would_take_the_whole_database_pool_are_refused():
    error = _settings_error(
        DATABASE_URL="postgres://omtag@127.0.0.1:5432/omtag",
        DATABASE_POOL_MAX="6",
        SOCKET_DB_THREADS="4",
        SOCKET_CONNECT_THREADS="2",
    )
    assert "must be less than DATABASE_POOL_MAX (6)" in error


def test_handshake_calls_run_oldest_handshake_first():
    """A burst of handshakes: each handshake's next step goes before the newer handshakes'
    steps, so they finish one after another instead of all together at the end (past
    daphne's 5 s, all of them)."""
    import contextvars

    from accounts.realtime import HANDSHAKE_BEGAN, OldestHandshakeFirst

    pool = OldestHandshakeFirst(max_workers=1, thread_name_prefix="test-oldest-first")
    ran: list[str] = []
    busy = threading.Event()
    pool.submit(busy.wait, 10)  # the one thread is held while the others queue

    def submit_as(began: float, name: str) -> Any:
        context = contextvars.copy_context()
        context.run(HANDSHAKE_BEGAN.set, began)
        return context.run(pool.submit, ran.append, name)

    futures = [
        submit_as(3.0, "third handshake, step 1"),
        submit_as(1.0, "first handshake, step 2"),
        submit_as(2.0, "second handshake, step 1"),
    ]
    busy.set()
    for future in futures:
        future.result(timeout=BOUND)
    assert ran == [
        "first handshake, step 2",
        "second handshake, step 1",
        "third handshake, step 1",
    ]
    # A call that raises hands its error to the caller (an outage closes the socket with 4503).
    assert isinstance(pool.submit(int, "x").exception(timeout=BOUND), ValueError)
