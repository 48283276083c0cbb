"""The care team reaches a thread only while the therapist role is held in the treatment's
unit: a therapist who works in two units and loses the grant in one loses that unit's threads,
over HTTP and on the socket, while keeping the other's."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from accounts.models import Role
from accounts.services import grant_roles
from messaging.models import Thread
from modules.services import enrollment_create, enrollment_start
from organisations.models import Unit
from organisations.selectors import first_unit
from tests.helpers import make_programme, make_user, next_frame, open_socket, send, verified_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("socket_test")]


def _two_units_world() -> dict:
    one = first_unit()
    two = Unit.objects.create(organisation=one.organisation, slug="second", name="Second")
    therapist = make_user("t@example.org", [Role.THERAPIST], unit=one, whole_organisation=False)
    grant_roles(therapist, [Role.THERAPIST], unit=two)
    programme = make_programme(modules=1, answers_per_module=1)
    threads = {}
    for unit, email in ((one, "p1@example.org"), (two, "p2@example.org")):
        participant = make_user(email, [Role.PARTICIPANT], unit=unit)
        enrollment = enrollment_create(
            actor=therapist,
            participant=participant,
            programme=programme,
            therapist=therapist,
            unit=unit,
        )
        enrollment_start(enrollment=enrollment)
        thread = Thread.objects.select_related("enrollment").get(enrollment=enrollment)
        threads[unit.slug] = (thread, participant)
    return {"one": one, "two": two, "therapist": therapist, "threads": threads}


async def _closed_with(communicator) -> int | None:
    output = await communicator.receive_output(timeout=3)
    while output["type"] != "websocket.close":
        output = await communicator.receive_output(timeout=3)
    return output.get("code")


async def test_a_therapist_whose_grant_in_the_unit_is_removed_loses_its_thread() -> None:
    world = await sync_to_async(_two_units_world)()
    therapist = world["therapist"]
    lost, lost_participant = world["threads"][world["one"].slug]
    kept, _kept_participant = world["threads"]["second"]
    client = await sync_to_async(verified_client)(therapist)
    url = reverse("messaging:thread", args=[lost.public_id])
    assert (await sync_to_async(client.get)(url)).status_code == 200
    socket, connected, _ = await open_socket(therapist, lost, client=client)
    assert connected

    await sync_to_async(grant_roles)(therapist, [], unit=world["one"])

    # Over HTTP: the thread, the inbox and the caseload know it no more; the other unit's
    # thread stays.
    assert (await sync_to_async(client.get)(url)).status_code == 404
    inbox = await sync_to_async(client.get)(reverse("messaging:inbox"))
    assert str(lost.public_id) not in inbox.content.decode()
    assert str(kept.public_id) in inbox.content.decode()
    caseload = await sync_to_async(client.get)(reverse("therapist:home"))
    assert str(lost.enrollment.public_id) not in caseload.content.decode()
    assert str(kept.enrollment.public_id) in caseload.content.decode()
    kept_url = reverse("messaging:thread", args=[kept.public_id])
    assert (await sync_to_async(client.get)(kept_url)).status_code == 200

    # On the socket: the participant's next message is not pushed; the socket closes.
    await sync_to_async(send)(lost_participant, lost, "Private")
    assert await _closed_with(socket) == 4403
    # A new socket is refused with the code of a thread that is not yours.
    again, connected, _ = await open_socket(therapist, lost, client=client)
    assert connected
    assert await _closed_with(again) == 4403
    assert await sync_to_async(lost.messages.filter(side="team").count)() == 0
    # The kept unit's socket still works.
    other, ok, _ = await open_socket(therapist, kept, client=client)
    assert ok
    await other.send_json_to({"type": "sync", "after": 0})
    assert (await next_frame(other, "sync"))["type"] == "sync"
    await other.disconnect()
