"""The thread socket through the real ASGI application (config.asgi): who gets in, the
protocol, bad input, and who is thrown out when."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from accounts.services import user_lock
from config.asgi import application
from messaging.models import Message, Thread
from modules.services import enrollment_assign
from tests.helpers import (
    SOCKET_CONNECT_TIMEOUT,
    next_frame,
    open_socket,
    send,
    socket_headers,
    verified_client,
    wait_for_a_fresh_minute,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("socket_test")]


async def _closed_with(communicator) -> int | None:
    output = await communicator.receive_output(timeout=3)
    while output["type"] != "websocket.close":
        output = await communicator.receive_output(timeout=3)
    return output.get("code")


async def test_participant_sends_and_the_therapist_receives_it_live(thread, participant, therapist):
    p_socket, ok_p, _ = await open_socket(participant, thread)
    t_socket, ok_t, _ = await open_socket(therapist, thread)
    assert ok_p and ok_t
    client_id = str(uuid.uuid4())
    await p_socket.send_json_to(
        {"type": "send", "client_id": client_id, "body": "I had a hard evening yesterday"}
    )
    ack = await next_frame(p_socket, "ack")
    assert ack["client_id"] == client_id and ack["id"] == 1
    pushed = await next_frame(t_socket, "message")
    assert pushed["message"]["body"] == "I had a hard evening yesterday"
    assert pushed["message"]["mine"] is False and pushed["message"]["id"] == 1
    await p_socket.disconnect()
    await t_socket.disconnect()


async def test_the_senders_other_sockets_hear_the_message_and_the_sending_one_only_its_ack(
    thread, participant, therapist
):
    sending, ok_1, _ = await open_socket(participant, thread)
    other_tab, ok_2, _ = await open_socket(participant, thread)
    t_socket, ok_t, _ = await open_socket(therapist, thread)
    assert ok_1 and ok_2 and ok_t
    await sending.send_json_to({"type": "send", "client_id": str(uuid.uuid4()), "body": "Hej"})
    ack = await next_frame(sending, "ack")
    assert ack["message"]["mine"] is True and ack["message"]["body"] == "Hej"
    # Another tab of the sender's shows it as their own; the therapist's as the participant's.
    assert (await next_frame(other_tab, "message"))["message"]["mine"] is True
    assert (await next_frame(t_socket, "message"))["message"]["mine"] is False
    # Once the therapist's answer has arrived on the sending socket, nothing else came first.
    await t_socket.send_json_to({"type": "send", "client_id": str(uuid.uuid4()), "body": "Svar"})
    frame = await sending.receive_json_from(timeout=3)
    assert frame["type"] == "message" and frame["message"]["body"] == "Svar"
    for socket in (sending, other_tab, t_socket):
        await socket.disconnect()


async def test_a_resent_frame_is_acknowledged_with_the_same_message(thread, participant):
    socket, ok, _ = await open_socket(participant, thread)
    frame = {"type": "send", "client_id": str(uuid.uuid4()), "body": "Only once"}
    await socket.send_json_to(frame)
    first = await next_frame(socket, "ack")
    await socket.send_json_to(frame)
    second = await next_frame(socket, "ack")
    assert first["id"] == second["id"] == 1
    assert await sync_to_async(Message.objects.count)() == 1
    await socket.disconnect()


async def test_sync_returns_everything_after_the_last_id_with_read_markers(
    thread, participant, therapist
):
    for i in range(3):
        await sync_to_async(send)(therapist, thread, f"t{i}")
    socket, ok, _ = await open_socket(participant, thread)
    await socket.send_json_to({"type": "sync", "after": 1})
    frame = await next_frame(socket, "sync")
    assert [m["body"] for m in frame["messages"]] == ["t1", "t2"]
    assert frame["more"] is False
    assert frame["read"] == {"participant": 0, "team": 3}
    await socket.send_json_to({"type": "read", "up_to": 3})
    read = await next_frame(socket, "read")
    assert read == {"type": "read", "side": "participant", "up_to": 3}
    refreshed = await sync_to_async(Thread.objects.get)(pk=thread.pk)
    assert refreshed.participant_read_seq == 3
    await socket.disconnect()


async def test_socket_without_a_verified_second_factor_is_closed(thread, participant):
    socket, connected, code = await open_socket(participant, thread, verified=False)
    if connected:
        code = await _closed_with(socket)
    assert code == 4401


async def test_a_forged_origin_is_refused(thread, participant):
    socket, connected, code = await open_socket(participant, thread, origin="https://evil.example")
    assert not connected
    await socket.wait(timeout=2)  # the refused instance has ended


@pytest.mark.parametrize("who", ["other_therapist", "participant2", "partner_worker", "editor"])
async def test_another_persons_thread_is_refused_with_4403(request, thread, who):
    outsider = await sync_to_async(request.getfixturevalue)(who)
    socket, connected, code = await open_socket(outsider, thread)
    assert connected  # accepted, then closed with a code the page understands
    assert await _closed_with(socket) == 4403


async def test_a_thread_id_that_does_not_exist_looks_the_same(participant, thread):
    client = await sync_to_async(verified_client)(participant)
    for path in [f"/ws/messages/{uuid.uuid4()}/", "/ws/messages/not-a-uuid/"]:
        communicator = WebsocketCommunicator(application, path, headers=socket_headers(client))
        connected, _ = await communicator.connect(timeout=SOCKET_CONNECT_TIMEOUT)
        assert connected
        assert await _closed_with(communicator) == 4403


async def test_bad_input_gets_error_frames_and_stores_nothing(thread, participant):
    socket, ok, _ = await open_socket(participant, thread)
    await socket.send_to(text_data="{not json")
    assert (await next_frame(socket, "error"))["code"] == "bad_json"
    await socket.send_to(text_data=json.dumps([1, 2]))
    assert (await next_frame(socket, "error"))["code"] == "bad_frame"
    await socket.send_json_to({"type": "shout"})
    assert (await next_frame(socket, "error"))["code"] == "unknown_type"
    await socket.send_json_to({"type": "send", "client_id": "nope", "body": "x"})
    assert (await next_frame(socket, "error"))["code"] == "bad_client_id"
    client_id = str(uuid.uuid4())
    await socket.send_json_to({"type": "send", "client_id": client_id, "body": "x" * 5001})
    error = await next_frame(socket, "error")
    assert error["code"] == "too_long" and error["client_id"] == client_id
    await socket.send_json_to({"type": "send", "client_id": str(uuid.uuid4()), "body": " "})
    assert (await next_frame(socket, "error"))["code"] == "empty"
    await socket.send_json_to({"type": "sync", "after": "zero"})
    assert (await next_frame(socket, "error"))["code"] == "bad_frame"
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await next_frame(socket, "error"))["code"] == "bad_frame"
    assert await sync_to_async(Message.objects.count)() == 0
    # Still serving after all that.
    await socket.send_json_to({"type": "send", "client_id": str(uuid.uuid4()), "body": "ok"})
    assert (await next_frame(socket, "ack"))["id"] == 1
    await socket.disconnect()


async def test_an_oversized_frame_is_refused_and_the_socket_closed(thread, participant):
    socket, ok, _ = await open_socket(participant, thread)
    body = "x" * (65 * 1024)
    await socket.send_json_to({"type": "send", "client_id": str(uuid.uuid4()), "body": body})
    assert (await next_frame(socket, "error"))["code"] == "too_large"
    # 1009 was refused by daphne (applications close with 1000 or 3000-4999): see PROTOCOL.md.
    assert await _closed_with(socket) == 4413
    assert await sync_to_async(Message.objects.count)() == 0


@pytest.mark.parametrize(
    "frame",
    [
        '{"type": "send", "client_id": "%s", "body": "hej \\ud800 då"}',
        '{"type": "send", "client_id": "%s", "body": "\\udfff"}',
        '{"type": "send", "client_id": "%s", "body": "ok", "extra": ["\\ud83d"]}',
        '{"type": "\\ud800", "client_id": "%s"}',
    ],
)
async def test_a_lone_surrogate_gets_an_error_frame_and_stores_nothing(thread, participant, frame):
    socket, ok, _ = await open_socket(participant, thread)
    client_id = str(uuid.uuid4())
    await socket.send_to(text_data=frame % client_id)  # was a crash: close 1011
    error = await next_frame(socket, "error")
    assert error["code"] == "bad_text" and error["client_id"] == client_id
    assert await sync_to_async(Message.objects.count)() == 0
    # The socket goes on serving; a proper pair (an emoji) is fine.
    await socket.send_json_to({"type": "send", "client_id": str(uuid.uuid4()), "body": "hej 🙂"})
    assert (await next_frame(socket, "ack"))["message"]["body"] == "hej 🙂"
    await socket.disconnect()


@pytest.mark.parametrize(
    "frame",
    [
        "[" * 30_000 + "]" * 30_000,
        '{"type": "send", "body": ' + "[" * 15_000 + "]" * 15_000 + "}",
        '{"a": ' * 6_000 + "1" + "}" * 6_000,
        "[" * 60_000,
    ],
)
async def test_deeply_nested_json_gets_an_error_frame_and_stores_nothing(
    thread, participant, frame
):
    socket, ok, _ = await open_socket(participant, thread)
    assert len(frame.encode()) < 64 * 1024
    await socket.send_to(text_data=frame)  # was a crash: close 1011
    assert (await next_frame(socket, "error"))["code"] == "bad_json"
    assert await sync_to_async(Message.objects.count)() == 0
    await socket.send_json_to({"type": "ping"})
    assert (await next_frame(socket, "pong")) == {"type": "pong", "latest": 0}
    await socket.disconnect()


async def test_every_close_code_the_server_uses_is_one_daphne_sends():
    from messaging import consumers

    codes = [consumers.CLOSE_NOT_LOGGED_IN, consumers.CLOSE_NO_ACCESS, consumers.CLOSE_TOO_BIG]
    for code in codes:
        assert code == 1000 or 3000 <= code <= 4999
        assert str(code) in (Path(consumers.__file__).parent / "PROTOCOL.md").read_text()


async def test_a_flood_gets_rate_limited_errors(thread, participant):
    wait_for_a_fresh_minute()
    socket, ok, _ = await open_socket(participant, thread)
    for _ in range(settings.MESSAGE_RATE_LIMIT_PER_MINUTE):
        await socket.send_json_to({"type": "send", "client_id": str(uuid.uuid4()), "body": "x"})
        await next_frame(socket, "ack")
    await socket.send_json_to({"type": "send", "client_id": str(uuid.uuid4()), "body": "x"})
    assert (await next_frame(socket, "error"))["code"] == "rate_limited"
    assert await sync_to_async(Message.objects.count)() == settings.MESSAGE_RATE_LIMIT_PER_MINUTE
    await socket.disconnect()


async def test_logging_out_closes_that_sessions_socket_only(thread, participant):
    laptop = await sync_to_async(verified_client)(participant)
    phone = await sync_to_async(verified_client)(participant)
    laptop_socket, ok1, _ = await open_socket(participant, thread, client=laptop)
    phone_socket, ok2, _ = await open_socket(participant, thread, client=phone)
    assert ok1 and ok2
    await sync_to_async(laptop.post)("/account/logout/")
    assert await _closed_with(laptop_socket) == 4401
    await phone_socket.send_json_to({"type": "ping"})
    assert (await next_frame(phone_socket))["type"] == "pong"
    await phone_socket.disconnect()


async def test_a_locked_account_loses_its_socket(thread, participant, admin_user):
    socket, ok, _ = await open_socket(participant, thread)
    await sync_to_async(user_lock)(actor=admin_user, user=participant)
    assert await _closed_with(socket) == 4401


async def test_the_old_therapist_loses_the_socket_on_reassignment_the_new_one_gets_history(
    thread, enrollment, participant, therapist, other_therapist, admin_user
):
    await sync_to_async(send)(participant, thread, "Before the change")
    old_socket, ok, _ = await open_socket(therapist, thread)
    assert ok
    await sync_to_async(enrollment_assign)(
        actor=admin_user, enrollment=enrollment, therapist=other_therapist
    )
    assert await _closed_with(old_socket) == 4403
    new_socket, ok, _ = await open_socket(other_therapist, thread)
    await new_socket.send_json_to({"type": "sync", "after": 0})
    frame = await next_frame(new_socket, "sync")
    assert [m["body"] for m in frame["messages"]] == ["Before the change"]
    await new_socket.disconnect()


async def test_a_socket_whose_access_went_away_forwards_nothing(
    thread, enrollment, participant, therapist, other_therapist
):
    """Even without the disconnect event (a lost wake-up), the re-check on each pushed
    message keeps another's messages from reaching a therapist who left the team."""
    from modules.models import Enrollment

    old_socket, ok, _ = await open_socket(therapist, thread)
    await sync_to_async(Enrollment.objects.filter(pk=enrollment.pk).update)(
        therapist=other_therapist
    )
    await sync_to_async(send)(participant, thread, "Private")
    assert await _closed_with(old_socket) == 4403


async def test_sync_pages_say_how_far_the_page_is_complete(
    thread, participant, therapist, monkeypatch
):
    """A paged sync answers complete_to, and the next page starts after it, whatever newer
    message a push may already have shown (syncing after that one would skip the rest)."""
    from messaging import selectors

    monkeypatch.setattr(selectors, "SYNC_LIMIT", 2)
    for i in range(1, 6):
        await sync_to_async(send)(therapist, thread, f"t{i}")
    socket, ok, _ = await open_socket(participant, thread)
    await socket.send_json_to({"type": "sync", "after": 0})
    first = await next_frame(socket, "sync")
    assert [m["id"] for m in first["messages"]] == [1, 2]
    assert first["complete_to"] == 2 and first["more"] is True
    # Message 6 arrives by push before the page has asked for the rest.
    await sync_to_async(send)(therapist, thread, "t6")
    assert (await next_frame(socket, "message"))["message"]["id"] == 6
    await socket.send_json_to({"type": "sync", "after": first["complete_to"]})
    second = await next_frame(socket, "sync")
    assert [m["id"] for m in second["messages"]] == [3, 4]
    assert second["complete_to"] == 4 and second["more"] is True
    await socket.send_json_to({"type": "sync", "after": second["complete_to"]})
    third = await next_frame(socket, "sync")
    assert [m["id"] for m in third["messages"]] == [5, 6]
    assert third["complete_to"] == 6 and third["more"] is False
    await socket.send_json_to({"type": "sync", "after": 6})
    last = await next_frame(socket, "sync")
    assert last["messages"] == [] and last["complete_to"] == 6 and last["more"] is False
    await socket.disconnect()


async def test_a_removed_role_closes_the_socket_on_its_next_frame_and_push(
    thread, participant, therapist
):
    """Access is asked of the database on every frame and push, never of what the socket
    remembers about its user: taking the therapist role away (no event is sent for it) is
    enough to close both of the therapist's sockets."""
    from accounts.models import Role, RoleGrant

    frame_socket, ok1, _ = await open_socket(therapist, thread)
    push_socket, ok2, _ = await open_socket(therapist, thread)
    assert ok1 and ok2
    await sync_to_async(RoleGrant.objects.filter(user=therapist, role=Role.THERAPIST).delete)()
    await frame_socket.send_json_to({"type": "send", "client_id": str(uuid.uuid4()), "body": "x"})
    assert await _closed_with(frame_socket) == 4403
    await sync_to_async(send)(participant, thread, "Private")
    assert await _closed_with(push_socket) == 4403
    assert await sync_to_async(Message.objects.filter(side="team").count)() == 0


async def test_an_admin_removing_the_role_closes_the_socket_at_once(thread, therapist, admin_user):
    """Through the admin's service the change is also announced: the socket re-checks and
    closes without waiting for a frame or a push."""
    from accounts.services import user_set_roles

    socket, ok, _ = await open_socket(therapist, thread)
    assert ok
    await sync_to_async(user_set_roles)(actor=admin_user, user=therapist, roles=["editor"])
    assert await _closed_with(socket) == 4403
