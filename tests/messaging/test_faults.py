"""The thread socket under faults: a push the channel layer dropped (a socket over its
capacity) is noticed by the page through the pong's latest id, and a live socket renews its
group membership before the layer's group expiry forgets it."""

from __future__ import annotations

import asyncio
import subprocess
import time

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers, get_channel_layer

from messaging import services
from messaging.selectors import is_online
from tests.helpers import next_frame, open_socket, send, verified_client

pytestmark = pytest.mark.django_db(transaction=True)


def _layer(settings, **config) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": config}
    }
    channel_layers.backends.clear()


@pytest.fixture
def tiny_layer(settings):
    """Room for one event per socket: a burst drops the rest, as an overloaded layer does."""
    _layer(settings, capacity=1)
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
async def _close_worker_thread_connections():
    yield
    from tests.helpers import close_worker_connections

    await close_worker_connections()


async def test_a_dropped_push_is_named_by_the_next_pong_and_sync_brings_it(
    tiny_layer, thread, participant, therapist, monkeypatch
):
    t_socket, ok, _ = await open_socket(therapist, thread)
    assert ok
    held: list[tuple[str, dict]] = []
    monkeypatch.setattr(services, "group_send", lambda group, event: held.append((group, event)))
    for body in ("one", "two", "three"):
        await sync_to_async(send)(participant, thread, body)
    monkeypatch.undo()
    layer = get_channel_layer()
    # A burst: all three are put on the socket's channel before it gets a turn to read.
    await asyncio.gather(*(layer.group_send(group, event) for group, event in held))

    pushed = await next_frame(t_socket, "message")
    assert pushed["message"]["id"] == 1
    assert await t_socket.receive_nothing(timeout=0.5)  # 2 and 3 were dropped: over capacity

    await t_socket.send_json_to({"type": "ping"})
    assert await next_frame(t_socket, "pong") == {"type": "pong", "latest": 3}
    await t_socket.send_json_to({"type": "sync", "after": 1})
    synced = await next_frame(t_socket, "sync")
    assert [m["body"] for m in synced["messages"]] == ["two", "three"]
    assert synced["complete_to"] == 3
    await t_socket.disconnect()


async def test_a_live_socket_renews_its_groups_before_they_expire(
    settings, thread, participant, therapist
):
    _layer(settings, group_expiry=2)
    settings.CHANNEL_GROUP_RENEW_SECONDS = 0.5
    try:
        t_socket, ok, _ = await open_socket(therapist, thread)
        assert ok
        await asyncio.sleep(3)  # past the expiry of the membership made at connect
        await sync_to_async(send)(participant, thread, "still there?")
        pushed = await next_frame(t_socket, "message")
        assert pushed["message"]["body"] == "still there?"
        await t_socket.disconnect()
    finally:
        channel_layers.backends.clear()


# --- the database or Redis away ---------------------------------------------------------------


async def _close_code(communicator) -> int | None:
    output = await communicator.receive_output(timeout=5)
    while output["type"] != "websocket.close":
        output = await communicator.receive_output(timeout=5)
    return output.get("code")


def _one_line_each(caplog) -> list[str]:
    lines = [r for r in caplog.records if "closed 4503" in r.getMessage()]
    assert all(r.exc_info is None for r in lines)  # no traceback
    return [r.getMessage() for r in lines]


async def test_the_database_away_at_the_handshake_closes_with_try_again(
    in_memory_channel_layer, thread, participant, monkeypatch, caplog
):
    from django.db import OperationalError

    from accounts import realtime

    async def away(*args, **kwargs):
        raise OperationalError("connection refused")

    client = await sync_to_async(verified_client)(participant)
    monkeypatch.setattr(realtime, "_session_is_verified", away)
    socket, connected, code = await open_socket(participant, thread, client=client)
    assert connected  # accepted, then closed: a refused handshake would be an HTTP 500
    assert await _close_code(socket) == 4503
    assert len(_one_line_each(caplog)) == 1


async def test_the_database_away_on_an_open_socket_closes_it_with_try_again(
    in_memory_channel_layer, thread, participant, monkeypatch, caplog
):
    from django.db import OperationalError

    from accounts.realtime import SessionCheck

    socket, connected, _ = await open_socket(participant, thread)
    assert connected

    def away(self, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionCheck, "__call__", away)
    await socket.send_json_to({"type": "ping"})
    assert await _close_code(socket) == 4503
    assert len(_one_line_each(caplog)) == 1


async def test_a_socket_closed_by_an_outage_leaves_no_one_online(
    in_memory_channel_layer, thread, participant, monkeypatch, caplog
):
    """The outage path (4503) never runs the consumer's disconnect: the presence the socket
    set must still be taken back, or the participant counts as online (and gets no email of
    a new message) until ONLINE_WITHIN has passed."""
    from django.db import OperationalError

    from accounts.realtime import SessionCheck

    socket, connected, _ = await open_socket(participant, thread)
    assert connected
    assert await sync_to_async(is_online)(participant.pk)

    def away(self, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionCheck, "__call__", away)
    await socket.send_json_to({"type": "ping"})
    assert await _close_code(socket) == 4503
    assert not await sync_to_async(is_online)(participant.pk)


async def test_a_socket_refused_at_the_handshake_takes_no_one_offline(
    in_memory_channel_layer, thread, participant, therapist, monkeypatch
):
    """A socket that never got as far as marking its user online clears nothing: the
    therapist's live socket on another tab keeps them online."""
    from django.db import OperationalError

    from accounts import realtime

    live, connected, _ = await open_socket(therapist, thread)
    assert connected
    client = await sync_to_async(verified_client)(therapist)

    async def away(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(realtime, "_session_is_verified", away)
    refused, connected, _ = await open_socket(therapist, thread, client=client)
    assert await _close_code(refused) == 4503
    assert await sync_to_async(is_online)(therapist.pk)
    monkeypatch.undo()
    await live.disconnect()


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own on a free port, which the test can stop."""
    from tests.servers import free_port

    port = free_port()
    proc = subprocess.Popen(
        ["/usr/bin/redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port, socket_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            assert time.monotonic() < deadline, "the test's Redis did not start"
            time.sleep(0.05)
    try:
        yield proc, f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


async def test_redis_away_closes_open_sockets_and_handshakes_with_try_again(
    settings, own_redis, thread, participant, therapist, caplog
):
    proc, url = own_redis
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_timeout": 2}]},
        }
    }
    channel_layers.backends.clear()
    try:
        socket, connected, _ = await open_socket(participant, thread)
        assert connected
        await socket.send_json_to({"type": "ping"})
        assert (await next_frame(socket, "pong"))["type"] == "pong"

        assert await sync_to_async(is_online)(participant.pk)
        proc.kill()  # Redis dies under an open socket
        proc.wait(timeout=10)
        assert await _close_code(socket) == 4503
        # The database still answers: the socket takes its presence back on the way out.
        assert not await sync_to_async(is_online)(participant.pk)

        late, connected, _ = await open_socket(therapist, thread)
        assert connected
        assert await _close_code(late) == 4503
        assert len(_one_line_each(caplog)) == 2
    finally:
        channel_layers.backends.clear()
