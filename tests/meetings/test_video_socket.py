"""The video meeting's signalling socket (/ws/meetings/<uuid>/) through the real ASGI
application: who gets in and when, the waiting room, the relay between the two people,
leaving, and bad frames (error frames, nothing stored, nothing relayed)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from accounts.realtime import CLOSE_NO_ACCESS, CLOSE_NOT_LOGGED_IN, CLOSE_TOO_BIG
from audit.models import AuditEvent
from config.asgi import application
from meetings.models import Kind, Meeting, Status
from tests.helpers import (
    SOCKET_CONNECT_TIMEOUT,
    enroll,
    next_frame,
    open_socket,
    socket_headers,
    unverified_client,
    verified_client,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("socket_test")]

SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
CANDIDATE = {
    "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
    "usernameFragment": "abcd",
}


def book(enrollment, *, kind=Kind.VIDEO, starts_in=timedelta(minutes=2), minutes=45, **extra):
    starts = timezone.now() + starts_in
    return Meeting.objects.create(
        enrollment=enrollment,
        therapist=enrollment.therapist,
        participant=enrollment.participant,
        kind=kind,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        **extra,
    )


@pytest.fixture
def meeting(enrollment):
    return book(enrollment)


async def connect(user, meeting, *, verified=True):
    make = verified_client if verified else unverified_client
    client = await sync_to_async(make)(user)
    communicator = WebsocketCommunicator(
        application, f"/ws/meetings/{meeting.public_id}/", headers=socket_headers(client)
    )
    connected, _ = await communicator.connect(timeout=SOCKET_CONNECT_TIMEOUT)
    assert connected  # refusals are accepted, then closed with our code
    return communicator


async def closed_with(communicator) -> tuple[int | None, list[dict]]:
    """The close code, and the frames sent before it."""
    frames = []
    while True:
        output = await communicator.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            return output.get("code"), frames
        frames.append(json.loads(output["text"]))


async def in_call(meeting, therapist, participant):
    """Both in the room, the participant let in: (therapist's socket, participant's)."""
    t = await connect(therapist, meeting)
    await t.send_json_to({"type": "ready"})
    p = await connect(participant, meeting)
    await p.send_json_to({"type": "ready"})
    assert (await next_frame(p))["type"] == "waiting"
    assert (await next_frame(t))["type"] == "knock"
    await t.send_json_to({"type": "admit"})
    assert (await next_frame(p))["type"] == "admitted"
    assert (await next_frame(t))["type"] == "peer"
    return t, p


async def video_events() -> list[tuple[str, int | None, str]]:
    return await sync_to_async(
        lambda: list(
            AuditEvent.objects.filter(action__startswith="video_")
            .order_by("pk")
            .values_list("action", "actor_id", "detail")
        )
    )()


async def test_waiting_room_admit_relay_and_leave_ends_it_for_both(meeting, therapist, participant):
    t, p = await in_call(meeting, therapist, participant)
    await t.send_json_to({"type": "offer", "sdp": SDP})
    assert await next_frame(p) == {"type": "offer", "sdp": SDP}
    await p.send_json_to({"type": "answer", "sdp": SDP})
    assert await next_frame(t) == {"type": "answer", "sdp": SDP}
    await p.send_json_to({"type": "candidate", "candidate": CANDIDATE})
    assert await next_frame(t) == {"type": "candidate", "candidate": CANDIDATE}
    await p.send_json_to({"type": "leave"})
    assert (await next_frame(p))["type"] == "ended"
    assert (await next_frame(t))["type"] == "ended"
    assert (await closed_with(t))[0] == 1000
    assert (await closed_with(p))[0] == 1000
    # Who joined, who let in, who ended: in the access log; nothing of the call itself.
    events = await video_events()
    assert [(a, actor) for a, actor, _ in events] == [
        ("video_joined", therapist.pk),
        ("video_joined", participant.pk),
        ("video_admitted", therapist.pk),
        ("video_left", participant.pk),
    ]
    assert all("v=0" not in detail for *_, detail in events)


async def test_the_participant_waits_until_let_in_and_cannot_signal_before(
    meeting, therapist, participant
):
    t = await connect(therapist, meeting)
    await t.send_json_to({"type": "ready"})
    p = await connect(participant, meeting)
    await p.send_json_to({"type": "ready"})
    assert (await next_frame(p))["type"] == "waiting"
    assert (await next_frame(t))["type"] == "knock"
    await p.send_json_to({"type": "offer", "sdp": SDP})
    assert (await next_frame(p))["code"] == "not_admitted"
    await p.send_json_to({"type": "admit"})  # only the therapist lets in
    assert (await next_frame(p))["code"] == "not_allowed"
    # The therapist's offer does not reach a participant who is not let in.
    await t.send_json_to({"type": "offer", "sdp": SDP})
    assert await p.receive_nothing(timeout=0.3)
    await t.disconnect()
    assert (await next_frame(p))["type"] == "peer_left"
    await p.disconnect()


async def test_a_therapist_who_comes_back_gets_the_admitted_participant_again(
    meeting, therapist, participant
):
    t, p = await in_call(meeting, therapist, participant)
    await t.disconnect()
    assert await next_frame(p) == {"type": "peer_left", "side": "therapist"}
    again = await connect(therapist, meeting)
    await again.send_json_to({"type": "ready"})
    assert (await next_frame(again))["type"] == "peer"  # make a new offer
    await again.send_json_to({"type": "offer", "sdp": SDP})
    assert (await next_frame(p))["type"] == "offer"
    await again.disconnect()
    await p.disconnect()


async def test_a_third_person_gets_the_refusal_of_someone_elses_thread(
    meeting, participant2, other_therapist, admin_user, partner_worker, enrollment
):
    thread = await sync_to_async(lambda: enrollment.thread)()
    for person in (participant2, other_therapist, admin_user, partner_worker):
        socket = await connect(person, meeting)
        code, frames = await closed_with(socket)
        assert code == CLOSE_NO_ACCESS and frames == [], person.email
        # The same as for a message thread that is not theirs.
        thread_socket, _, _ = await open_socket(person, thread)
        assert (await closed_with(thread_socket))[0] == code


async def test_a_password_only_session_is_refused(meeting, therapist, participant):
    for person in (therapist, participant):
        socket = await connect(person, meeting, verified=False)
        assert (await closed_with(socket))[0] == CLOSE_NOT_LOGGED_IN


async def test_a_meeting_of_another_therapist_is_refused(
    programme, therapist, other_therapist, participant2
):
    others = await sync_to_async(lambda: book(enroll(participant2, other_therapist, programme)))()
    socket = await connect(therapist, others)
    assert await closed_with(socket) == (CLOSE_NO_ACCESS, [])
    socket = await connect(other_therapist, others)  # theirs gets in
    await socket.send_json_to({"type": "ready"})
    await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


@pytest.mark.parametrize(
    "starts_in, status, kind",
    [
        (timedelta(minutes=11), Status.SCHEDULED, Kind.VIDEO),  # opens 10 minutes before
        (timedelta(minutes=-61), Status.SCHEDULED, Kind.VIDEO),  # ended 16 minutes ago
        (timedelta(minutes=2), Status.CANCELLED, Kind.VIDEO),
        (timedelta(minutes=2), Status.SCHEDULED, Kind.PHONE),
    ],
)
async def test_outside_the_window_or_not_a_live_video_meeting_is_refused(
    enrollment, therapist, participant, starts_in, status, kind
):
    meeting = await sync_to_async(book)(enrollment, starts_in=starts_in, status=status, kind=kind)
    for person in (therapist, participant):
        code, frames = await closed_with(await connect(person, meeting))
        assert code == CLOSE_NO_ACCESS
        if kind == Kind.VIDEO:  # one of its two people: told why
            assert [f["code"] for f in frames] == ["room_closed"]


async def test_the_window_still_open_at_its_edges(enrollment, therapist):
    for starts_in in (timedelta(minutes=9), timedelta(minutes=-59)):
        meeting = await sync_to_async(book)(enrollment, starts_in=starts_in)
        socket = await connect(therapist, meeting)
        await socket.send_json_to({"type": "ready"})
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()


async def test_a_call_whose_meeting_is_cancelled_meanwhile_ends_at_the_next_frame(
    meeting, therapist, participant
):
    t, p = await in_call(meeting, therapist, participant)
    await sync_to_async(Meeting.objects.filter(pk=meeting.pk).update)(status=Status.CANCELLED)
    await t.send_json_to({"type": "offer", "sdp": SDP})
    code, frames = await closed_with(t)
    assert code == CLOSE_NO_ACCESS and frames[-1]["code"] == "room_closed"
    # Nothing was relayed: the other side hears only that the therapist's page went.
    assert await next_frame(p) == {"type": "peer_left", "side": "therapist"}
    assert await p.receive_nothing(timeout=0.3)
    await p.disconnect()


BAD_FRAMES = [
    ("not json", "bad_json"),
    ("[1, 2]", "bad_frame"),
    ('{"sdp": "v=0"}', "bad_frame"),
    ('{"type": "sync"}', "unknown_type"),
    ('{"type": "offer"}', "bad_frame"),
    ('{"type": "offer", "sdp": 5}', "bad_frame"),
    ('{"type": "offer", "sdp": "<script>alert(1)</script>"}', "bad_frame"),
    (json.dumps({"type": "answer", "sdp": "v=0" + "a" * 17000}), "too_large"),
    ('{"type": "offer", "sdp": "v=0\\u0000"}', "bad_text"),
    ('{"type": "offer", "sdp": "v=0\\ud800"}', "bad_text"),
    ('{"type": "candidate"}', "bad_frame"),
    ('{"type": "candidate", "candidate": "candidate:1"}', "bad_frame"),
    (json.dumps({"type": "candidate", "candidate": {**CANDIDATE, "x": 1}}), "bad_frame"),
    (
        json.dumps({"type": "candidate", "candidate": {**CANDIDATE, "sdpMLineIndex": True}}),
        "bad_frame",
    ),
    (
        json.dumps({"type": "candidate", "candidate": {**CANDIDATE, "sdpMLineIndex": -1}}),
        "bad_frame",
    ),
    (
        json.dumps({"type": "candidate", "candidate": {**CANDIDATE, "candidate": "a=b"}}),
        "bad_frame",
    ),
    (
        json.dumps({"type": "candidate", "candidate": {"candidate": CANDIDATE["candidate"]}}),
        "bad_frame",
    ),
]


async def test_malformed_frames_get_error_frames_and_store_and_relay_nothing(
    meeting, therapist, participant
):
    t, p = await in_call(meeting, therapist, participant)
    stored = len(await video_events())
    for text, code in BAD_FRAMES:
        await t.send_to(text_data=text)
        frame = await next_frame(t)
        assert frame["type"] == "error" and frame["code"] == code, text[:80]
        assert frame["message"]
    await t.send_to(bytes_data=b"\x00\x01")
    assert (await next_frame(t))["code"] == "bad_frame"
    assert await p.receive_nothing(timeout=0.3), "nothing bad reaches the other side"
    assert len(await video_events()) == stored
    # The socket still works after all that.
    await t.send_json_to({"type": "offer", "sdp": SDP})
    assert (await next_frame(p))["type"] == "offer"
    # A frame over the limit closes it, as on the thread socket.
    await t.send_to(text_data=json.dumps({"type": "offer", "sdp": "v=0" + "a" * 30000}))
    code, frames = await closed_with(t)
    assert code == CLOSE_TOO_BIG and frames[-1]["code"] == "too_large"
    await p.disconnect()


async def test_signalling_before_ready_is_refused_with_an_error(meeting, therapist):
    t = await connect(therapist, meeting)
    await t.send_json_to({"type": "offer", "sdp": SDP})
    assert (await next_frame(t))["code"] == "not_ready"
    await t.disconnect()


async def test_a_flood_of_frames_is_cut_off(meeting, therapist, participant):
    t, p = await in_call(meeting, therapist, participant)
    codes = []
    for _ in range(130):
        await t.send_json_to({"type": "candidate", "candidate": CANDIDATE})
    while True:
        output = await t.receive_output(timeout=1)
        codes.append(json.loads(output["text"]).get("code"))
        if codes[-1] == "rate_limited":
            break
    await t.disconnect()
    await p.disconnect()


async def test_logging_out_closes_the_call_socket(meeting, therapist):
    from accounts.realtime import disconnect_user

    client = await sync_to_async(verified_client)(therapist)
    communicator = WebsocketCommunicator(
        application, f"/ws/meetings/{meeting.public_id}/", headers=socket_headers(client)
    )
    await communicator.connect(timeout=SOCKET_CONNECT_TIMEOUT)
    await communicator.send_json_to({"type": "ready"})
    key = client.session.session_key
    await sync_to_async(disconnect_user)(therapist.pk, session_key=key)
    assert (await closed_with(communicator))[0] == CLOSE_NOT_LOGGED_IN


async def test_a_ready_again_from_an_admitted_participant_keeps_them_in(
    meeting, therapist, participant
):
    t, p = await in_call(meeting, therapist, participant)
    await p.send_json_to({"type": "ready"})
    assert await next_frame(t) == {"type": "peer"}  # a new offer, not the waiting room
    assert await p.receive_nothing(timeout=0.2)
    await t.disconnect()
    await p.disconnect()


async def test_leaving_the_waiting_room_ends_no_call(meeting, therapist, participant):
    t = await connect(therapist, meeting)
    await t.send_json_to({"type": "ready"})
    p = await connect(participant, meeting)
    await p.send_json_to({"type": "ready"})
    assert (await next_frame(p))["type"] == "waiting"
    assert (await next_frame(t))["type"] == "knock"
    await p.send_json_to({"type": "leave"})
    assert (await next_frame(p))["type"] == "ended"
    assert (await closed_with(p))[0] == 1000
    # The therapist stays in the room and hears the participant went.
    assert await next_frame(t) == {"type": "peer_left", "side": "participant"}
    await t.send_json_to({"type": "ready"})
    assert await t.receive_nothing(timeout=0.3)
    await t.disconnect()


async def test_a_call_longer_than_the_layers_group_expiry_still_relays(
    settings, meeting, therapist, participant
):
    """The layer forgets a group member CHANNEL_GROUP_EXPIRY after it joined (30 minutes by
    default), and a meeting lasts longer: the room's members join again in time."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"group_expiry": 2},
        }
    }
    settings.CHANNEL_GROUP_RENEW_SECONDS = 0.5
    channel_layers.backends.clear()
    try:
        t, p = await in_call(meeting, therapist, participant)
        await asyncio.sleep(3)  # past the expiry of the memberships made at connect
        await t.send_json_to({"type": "offer", "sdp": SDP})
        assert await next_frame(p) == {"type": "offer", "sdp": SDP}
        await p.send_json_to({"type": "leave"})
        assert (await next_frame(t))["type"] == "ended"
    finally:
        channel_layers.backends.clear()
