"""Opening a module with a greeting when the therapist has used up the message limit: the
module opens (the participant gets their module), the greeting is not sent, the therapist is
told why, and their words wait in the message box."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from messaging.models import Message, Thread
from modules.models import ModuleProgress, ModuleState
from tests.helpers import in_english, modules_of, verified_client, wait_for_a_fresh_minute

pytestmark = pytest.mark.django_db

GREETING = "Nu kan du börja med nästa modul – läs den i lugn och ro."


def _use_up_the_limit(client: Client, thread: Thread, limit: int) -> None:
    url = reverse("messaging:thread", args=[thread.public_id])
    for n in range(limit):
        client.post(url, {"body": f"meddelande {n}", "client_id": str(uuid.uuid4())})
    assert Message.objects.filter(thread=thread).count() == limit


def test_the_module_opens_and_the_greeting_waits_when_the_limit_is_used_up(
    enrollment, therapist, participant, settings
):
    settings.MESSAGE_RATE_LIMIT_PER_MINUTE = 3
    wait_for_a_fresh_minute()
    thread = Thread.objects.get(enrollment=enrollment)
    client = in_english(verified_client(therapist))
    client.raise_request_exception = False
    _use_up_the_limit(client, thread, 3)
    module = modules_of(enrollment.programme)[1]
    url = reverse(
        "therapist:module_access", args=[enrollment.public_id, module.translation_key, "open"]
    )

    response = client.post(url, {"greeting": GREETING}, follow=True)

    assert response.status_code == 200  # was a 500
    progress = ModuleProgress.objects.get(enrollment=enrollment, module=module)
    assert progress.state == ModuleState.UNLOCKED and progress.unlocked_by == therapist
    assert not Message.objects.filter(body=GREETING).exists()
    text = response.content.decode()
    assert "The module is open for the participant." in text
    assert "Your greeting was not sent" in text
    assert "many messages in the last minute" in text
    # The words are not lost: they are in the overview's message box, once.
    assert f'aria-describedby="overview-message-help">{GREETING}</textarea>' in text
    again = client.get(reverse("therapist:participant", args=[enrollment.public_id]))
    assert GREETING not in again.content.decode()
    # The participant can open the module.
    participant_client = verified_client(participant)
    module_url = reverse("modules:module", args=[module.translation_key])
    assert participant_client.get(module_url).status_code == 200


def test_under_the_limit_the_greeting_is_sent_with_the_module(enrollment, therapist, settings):
    settings.MESSAGE_RATE_LIMIT_PER_MINUTE = 3
    wait_for_a_fresh_minute()
    client = verified_client(therapist)
    module = modules_of(enrollment.programme)[1]
    url = reverse(
        "therapist:module_access", args=[enrollment.public_id, module.translation_key, "open"]
    )
    response = client.post(url, {"greeting": GREETING}, follow=True)
    assert Message.objects.filter(body=GREETING, sender=therapist).count() == 1
    assert "Din hälsning skickades inte" not in response.content.decode()
