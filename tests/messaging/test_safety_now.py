"""Risk words in a participant's message show them what to do now on the conversation page:
after the no-JavaScript post, on the next visits that day, and (through the socket's ack)
at once on the live page (issue 14, item 2)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from messaging.models import Message
from modules.models import RiskLevel, RiskSignal, RiskTerm
from modules.services import risk_signal_raise
from tests.helpers import SOCKET_CONNECT_TIMEOUT, send, verified_client


def _url(thread) -> str:
    return reverse("messaging:thread", args=[thread.public_id])


def _post(client, thread, body: str):
    response = client.post(_url(thread), {"body": body, "client_id": str(uuid.uuid4())})
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


def _shown(page: str) -> bool:
    start = page.find('<section class="safety-now"')
    if start < 0:
        return False
    return " hidden>" not in page[start : page.index(">", start) + 1]


@pytest.mark.django_db
def test_risk_words_show_what_to_do_now_after_sending_without_javascript(thread, participant):
    client = verified_client(participant)
    page = _post(client, thread, "Jag orkar inte, jag tänker på självmord")
    assert _shown(page)
    section = page.split('<section class="safety-now"', 1)[1].split("</section>", 1)[0]
    assert 'href="tel:90101"' in section and 'href="tel:112"' in section
    assert 'href="tel:1177"' in section and "Din terapeut ser det" in section
    # The next visit that day shows it too; a day later it is gone.
    assert _shown(client.get(_url(thread)).content.decode())
    Message.objects.filter(thread=thread).update(created_at=timezone.now() - timedelta(hours=25))
    assert not _shown(client.get(_url(thread)).content.decode())


@pytest.mark.django_db
def test_an_ordinary_message_does_not(thread, participant):
    page = _post(verified_client(participant), thread, "Jag hade en lugn vecka, tack")
    assert not _shown(page)
    assert 'id="safety-now"' in page  # drawn hidden, for the live page's script


@pytest.mark.django_db
def test_the_therapists_words_and_partner_contact_signals_never_show_it(
    thread, participant, therapist, enrollment
):
    send(therapist, thread, "Har du tankar på självmord?")
    # A signal from partner contact (safety rule 1: nothing of the partner's side shows).
    risk_signal_raise(enrollment=enrollment, source="partner_contact", level=RiskLevel.ACUTE)
    page = verified_client(participant).get(_url(thread)).content.decode()
    assert not _shown(page)
    # The therapist's own page never has the section.
    assert "safety-now" not in verified_client(therapist).get(_url(thread)).content.decode()


@pytest.mark.django_db
def test_the_signal_says_which_message_and_word_and_the_text_stays_escaped(
    thread, participant, therapist, enrollment
):
    _post(verified_client(participant), thread, "<script>alert(1)</script> jag vill döda")
    signal = RiskSignal.objects.get(enrollment=enrollment)
    assert signal.source == "message" and signal.reasons == ["message 1: döda*"]
    client = verified_client(therapist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("therapist:participant", args=[enrollment.public_id]))
    html = page.content.decode()
    risk = html.split('id="risk"', 1)[1].split("</section>", 1)[0]
    assert "Message 1: “döda*”" in risk
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


@pytest.mark.django_db(transaction=True)
async def test_the_live_ack_carries_the_flag(thread, participant, in_memory_channel_layer):
    await sync_to_async(RiskTerm.objects.get_or_create)(
        phrase="självmord*", language="sv", defaults={"level": RiskLevel.ACUTE}
    )
    client = await sync_to_async(verified_client)(participant)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    communicator = WebsocketCommunicator(
        __import__("config.asgi", fromlist=["application"]).application,
        f"/ws/messages/{thread.public_id}/",
        headers=[(b"cookie", cookie.encode()), (b"origin", b"http://testserver")],
    )
    connected, _code = await communicator.connect(timeout=SOCKET_CONNECT_TIMEOUT)
    assert connected
    try:
        acks = []
        for body in ("Hej, en vanlig fråga", "Jag tänker på självmord"):
            await communicator.send_json_to(
                {"type": "send", "client_id": str(uuid.uuid4()), "body": body}
            )
            frame = await communicator.receive_json_from(timeout=3)
            while frame["type"] != "ack":
                frame = await communicator.receive_json_from(timeout=3)
            acks.append(frame)
        assert [a["safety"] for a in acks] == [False, True]
        assert "safety" not in acks[1]["message"]  # the message itself is as everyone sees it
    finally:
        await communicator.disconnect()
        from tests.helpers import close_worker_connections

        await close_worker_connections()
