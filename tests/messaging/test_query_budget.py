"""How many queries one message costs on the socket path: the frame that brings a `send`
(session and access re-check, the store, the ack) and each pushed copy (the re-check of the
socket it is forwarded to). The consumer's database work runs in worker threads, so the
queries are counted at the cursor, for every connection, and labelled with the step that ran
them (a context variable, which asgiref carries into those threads).

The budgets are upper bounds; a change that makes a step cost more should say why here."""

from __future__ import annotations

import contextvars
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db.backends.utils import CursorWrapper

from config.asgi import application
from messaging.consumers import ThreadConsumer
from tests.helpers import SOCKET_CONNECT_TIMEOUT, verified_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("socket_test")]

# The frame: its re-check (the user, the session's row and the access to the thread, in one
# query: 1), then the store (the thread's row locked if the sender may see it, with what the send
# needs of the enrollment; the message; the thread's counters; the risk words: 4; savepoints not
# counted), and the email task's row (1): 6. The participant's activity is written at most once
# a minute (1 more then). It was 10 before the socket compiled its queries once and the store
# stopped asking the roles and the retry apart (bench/README.md: the message path).
SEND_BUDGET = 6
PUSH_BUDGET = 1  # the access re-check of the receiving socket (the session every 10 s)

_step: contextvars.ContextVar[str] = contextvars.ContextVar("step", default="other")


@pytest.fixture
def queries(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """Every query any thread runs, as (step, sql), while the test runs."""
    seen: list[tuple[str, str]] = []
    execute, executemany = CursorWrapper.execute, CursorWrapper.executemany

    def counted_execute(self: CursorWrapper, sql: str, params: Any = None) -> Any:
        seen.append((_step.get(), sql))
        return execute(self, sql, params)

    def counted_executemany(self: CursorWrapper, sql: str, param_list: Any) -> Any:
        seen.append((_step.get(), sql))
        return executemany(self, sql, param_list)

    monkeypatch.setattr(CursorWrapper, "execute", counted_execute)
    monkeypatch.setattr(CursorWrapper, "executemany", counted_executemany)

    def labelled(name: str, method: Any) -> Any:
        async def wrapper(self: ThreadConsumer, *args: Any, **kwargs: Any) -> Any:
            token = _step.set(name)
            try:
                return await method(self, *args, **kwargs)
            finally:
                _step.reset(token)

        return wrapper

    monkeypatch.setattr(ThreadConsumer, "receive", labelled("frame", ThreadConsumer.receive))
    monkeypatch.setattr(ThreadConsumer, "message_new", labelled("push", ThreadConsumer.message_new))
    yield seen


def _is_counted(sql: str) -> bool:
    # Savepoints and transaction bookkeeping are not round trips worth budgeting.
    return not sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN"))


async def _open(user: Any, thread: Any) -> WebsocketCommunicator:
    client = await sync_to_async(verified_client)(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    communicator = WebsocketCommunicator(
        application,
        f"/ws/messages/{thread.public_id}/",
        headers=[(b"cookie", cookie.encode()), (b"origin", b"http://testserver")],
    )
    connected, _ = await communicator.connect(timeout=SOCKET_CONNECT_TIMEOUT)
    assert connected
    return communicator


async def _until(communicator: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    while True:
        frame = await communicator.receive_json_from(timeout=3)
        if frame["type"] == kind:
            return frame


def breakdown(seen: list[tuple[str, str]]) -> str:
    lines = Counter(f"{step:<6} {sql[:110]}" for step, sql in seen if _is_counted(sql))
    return "\n".join(f"{n:>3} × {line}" for line, n in lines.most_common())


async def test_one_message_costs_a_bounded_number_of_queries(
    thread, participant, therapist, queries, capsys
):
    p_socket = await _open(participant, thread)
    t_socket = await _open(therapist, thread)
    # A first message warms what is cached per process (content types, the risk words).
    for _ in range(2):
        queries.clear()
        await p_socket.send_json_to(
            {"type": "send", "client_id": str(uuid.uuid4()), "body": "Hej, en kväll till"}
        )
        await _until(p_socket, "ack")
        await _until(t_socket, "message")
    counted = [(step, sql) for step, sql in queries if _is_counted(sql)]
    per_step = Counter(step for step, _sql in counted)
    with capsys.disabled():
        print(f"\nqueries for one participant message: {dict(per_step)}\n{breakdown(queries)}")
    assert per_step["frame"] <= SEND_BUDGET, breakdown(queries)
    # One socket hears the message: the therapist's (the sending socket has it in the ack).
    assert per_step["push"] <= PUSH_BUDGET, breakdown(queries)
    assert per_step["other"] == 0, breakdown(queries)
    await p_socket.disconnect()
    await t_socket.disconnect()
