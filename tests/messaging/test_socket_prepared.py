"""What a socket compiles once and keeps (accounts.realtime.SessionCheck, Prepared;
messaging.services.MessageSender) is the question, never the answer: after a first message has
warmed all of it, access or a session taken away by a path that sends no event is refused on
the very next frame, and nothing more is stored."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied

from messaging.models import Message
from messaging.services import MessageSender
from tests.helpers import next_frame, open_socket, verified_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("socket_test")]


async def _closed_with(communicator) -> int | None:
    output = await communicator.receive_output(timeout=3)
    while output["type"] != "websocket.close":
        output = await communicator.receive_output(timeout=3)
    return output.get("code")


async def _warm(socket, body: str = "first") -> None:
    """One message through the socket: every compiled query and the decoded session in use."""
    await socket.send_json_to({"type": "send", "client_id": str(uuid.uuid4()), "body": body})
    assert (await next_frame(socket, "ack"))["id"] >= 1


async def _send(socket, body: str) -> None:
    await socket.send_json_to({"type": "send", "client_id": str(uuid.uuid4()), "body": body})


async def _stored(body: str) -> int:
    return await sync_to_async(Message.objects.filter(body=body).count)()


async def test_a_reassignment_without_an_event_refuses_the_next_frame(
    thread, enrollment, therapist, other_therapist
):
    from modules.models import Enrollment

    socket, ok, _ = await open_socket(therapist, thread)
    assert ok
    await _warm(socket)
    await sync_to_async(Enrollment.objects.filter(pk=enrollment.pk).update)(
        therapist=other_therapist
    )
    await _send(socket, "after the change")
    assert await _closed_with(socket) == 4403
    assert await _stored("after the change") == 0


async def test_a_session_ended_without_an_event_refuses_the_next_frame(thread, participant):
    from django.conf import settings
    from django.contrib.sessions.models import Session

    client = await sync_to_async(verified_client)(participant)
    socket, ok, _ = await open_socket(participant, thread, client=client)
    assert ok
    await _warm(socket)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    await sync_to_async(Session.objects.filter(session_key=key).delete)()
    await _send(socket, "after the logout")
    assert await _closed_with(socket) == 4401
    assert await _stored("after the logout") == 0


async def test_a_changed_password_refuses_the_next_frame_whatever_was_decoded(thread, participant):
    """The session's data is the same (its decoding is kept), the user's row is not: the
    session no longer matches the password and the socket closes."""

    def change_password() -> None:
        participant.set_password("a whole new password 2026")
        participant.save(update_fields=["password"])

    socket, ok, _ = await open_socket(participant, thread)
    assert ok
    await _warm(socket)
    await sync_to_async(change_password)()
    await _send(socket, "after the new password")
    assert await _closed_with(socket) == 4401
    assert await _stored("after the new password") == 0


async def test_an_ended_treatment_refuses_the_next_message(thread, enrollment, participant):
    from modules.models import Enrollment, EnrollmentStatus

    socket, ok, _ = await open_socket(participant, thread)
    assert ok
    await _warm(socket)
    await sync_to_async(Enrollment.objects.filter(pk=enrollment.pk).update)(
        status=EnrollmentStatus.COMPLETED
    )
    await _send(socket, "after the end")
    error = await next_frame(socket, "error")
    assert error["code"] == "closed"
    assert await _stored("after the end") == 0
    await socket.disconnect()


def test_a_message_sender_asks_for_access_on_every_send(
    thread, enrollment, therapist, other_therapist
):
    """The service's own check, behind the socket's: compiled once, answered anew."""
    from modules.models import Enrollment

    sender = MessageSender(sender_id=therapist.pk, thread=thread)
    first = sender.send(sender=therapist, body="one", client_id=uuid.uuid4())
    assert first.created and first.message.seq == 1
    Enrollment.objects.filter(pk=enrollment.pk).update(therapist=other_therapist)
    with pytest.raises(PermissionDenied):
        sender.send(sender=therapist, body="two", client_id=uuid.uuid4())
    assert Message.objects.filter(thread=thread).count() == 1


def test_a_resend_through_a_message_sender_stores_nothing_twice(thread, participant):
    sender = MessageSender(sender_id=participant.pk, thread=thread)
    client_id = uuid.uuid4()
    first = sender.send(sender=participant, body="once", client_id=client_id)
    again = sender.send(sender=participant, body="once", client_id=client_id)
    assert first.created and not again.created
    assert again.message.pk == first.message.pk and again.payload == first.payload
    assert Message.objects.filter(thread=thread).count() == 1


async def test_sessions_kept_outside_the_database_are_asked_of_their_store(
    thread, participant, settings
):
    """With another session engine (here the cache) the check asks the session store, then
    the user's row: a session ended there is refused on the next frame all the same."""
    from importlib import import_module

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    client = await sync_to_async(verified_client)(participant)
    socket, ok, _ = await open_socket(participant, thread, client=client)
    assert ok
    await _warm(socket)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = import_module(settings.SESSION_ENGINE).SessionStore
    await sync_to_async(store(key).delete)()
    await _send(socket, "after the logout")
    assert await _closed_with(socket) == 4401
    assert await _stored("after the logout") == 0
