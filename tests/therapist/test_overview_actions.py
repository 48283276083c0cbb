"""Acting from the participant's overview keeps the therapist there (issue 14, item 10):
a reply comes back to the conversation with the reply shown, "no reply needed" likewise,
opening a module comes back to its row; the next module is the one with the greeting box."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from messaging.models import Message, Thread, WaitClosure
from modules.models import ModuleProgress, ModuleState
from tests.helpers import modules_of, send, verified_client

pytestmark = pytest.mark.django_db


def _overview(enrollment) -> str:
    return reverse("therapist:participant", args=[enrollment.public_id])


def _section(page: str, section_id: str) -> str:
    start = page.index(f'<section id="{section_id}"')
    return page[start : page.index("</section>", start)]


def test_a_reply_from_the_overview_comes_back_to_the_conversation_with_the_reply_shown(
    enrollment, therapist, participant
):
    thread = Thread.objects.get(enrollment=enrollment)
    send(participant, thread, "Jag hade en jobbig kväll igår, kan vi prata om det?")
    client = verified_client(therapist)
    overview = client.get(_overview(enrollment)).content.decode()
    assert "1 meddelande väntar på ditt svar" in _section(overview, "messages")
    response = client.post(
        reverse("messaging:thread", args=[thread.public_id]),
        {
            "body": "Ja, vi tar det på torsdag.",
            "client_id": str(uuid.uuid4()),
            "return_to": "overview",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _overview(enrollment) + "#messages"
    messages = _section(client.get(response["Location"]).content.decode(), "messages")
    assert "Ditt meddelande är skickat." in messages
    assert "Ja, vi tar det på torsdag." in messages
    assert "väntar på ditt svar" not in messages  # answered
    # The note is shown once.
    assert "Ditt meddelande är skickat." not in client.get(_overview(enrollment)).content.decode()


def test_return_to_is_a_fixed_word_not_an_address(enrollment, therapist, participant):
    thread = Thread.objects.get(enrollment=enrollment)
    client = verified_client(therapist)
    for value in ("https://evil.example/", "//evil.example", "/therapist/"):
        response = client.post(
            reverse("messaging:thread", args=[thread.public_id]),
            {"body": "Hej", "client_id": str(uuid.uuid4()), "return_to": value},
        )
        assert response["Location"].startswith(
            reverse("messaging:thread", args=[thread.public_id]) + "#m-"
        )


def test_a_participant_cannot_be_sent_to_the_therapists_overview(enrollment, participant):
    thread = Thread.objects.get(enrollment=enrollment)
    response = verified_client(participant).post(
        reverse("messaging:thread", args=[thread.public_id]),
        {"body": "Hej", "client_id": str(uuid.uuid4()), "return_to": "overview"},
    )
    assert response["Location"].startswith(reverse("messaging:thread", args=[thread.public_id]))


def test_no_reply_needed_from_the_overview_stays_on_the_overview(
    enrollment, therapist, participant
):
    thread = Thread.objects.get(enrollment=enrollment)
    send(participant, thread, "Tack för svaret!")
    client = verified_client(therapist)
    response = client.post(
        reverse("messaging:close_wait", args=[thread.public_id]),
        {"return_to": "overview", "up_to": "1"},
    )
    assert response["Location"] == _overview(enrollment) + "#messages"
    messages = _section(client.get(response["Location"]).content.decode(), "messages")
    assert "Markerat som att det inte kräver svar" in messages
    assert "Kräver inget svar" not in messages
    assert WaitClosure.objects.filter(thread=thread, closed_by=therapist).exists()


def test_the_thread_page_links_back_to_the_participant(enrollment, therapist):
    thread = Thread.objects.get(enrollment=enrollment)
    page = verified_client(therapist).get(reverse("messaging:thread", args=[thread.public_id]))
    assert f'href="{_overview(enrollment)}"' in page.content.decode()
    assert "Tillbaka till översikten för Alex" in page.content.decode()


def test_only_the_next_module_carries_the_greeting_box(enrollment, therapist):
    first, second, third = modules_of(enrollment.programme)
    page = verified_client(therapist).get(_overview(enrollment)).content.decode()
    modules = _section(page, "modules")
    rows = {
        key: row
        for key, row in re.findall(r'<tr id="module-([0-9a-f-]+)"(.*?)</tr>', modules, re.DOTALL)
    }
    assert 'class="row-next"' in rows[str(second.translation_key)]
    assert "Nästa att öppna" in rows[str(second.translation_key)]
    assert 'name="greeting"' in rows[str(second.translation_key)]
    assert 'name="greeting"' not in rows[str(third.translation_key)]
    assert "Öppna" in rows[str(third.translation_key)]  # a plain action, no form to fill
    assert modules.count('name="greeting"') == 1


def test_opening_a_module_returns_to_its_row_and_moves_the_greeting_box_on(enrollment, therapist):
    first, second, third = modules_of(enrollment.programme)
    client = verified_client(therapist)
    response = client.post(
        reverse(
            "therapist:module_access", args=[enrollment.public_id, second.translation_key, "open"]
        ),
        {"greeting": "Välkommen till nästa del."},
    )
    assert response["Location"] == f"{_overview(enrollment)}#module-{second.translation_key}"
    assert ModuleProgress.objects.get(enrollment=enrollment, module=second).state == (
        ModuleState.UNLOCKED
    )
    assert Message.objects.filter(body="Välkommen till nästa del.").exists()
    modules = _section(client.get(response["Location"]).content.decode(), "modules")
    assert "Modulen är öppen för deltagaren." in modules
    assert modules.count('name="greeting"') == 1
    next_row = modules[modules.index('class="row-next"') - 60 :]
    assert str(third.translation_key) in next_row[:200]


def test_opening_a_later_module_out_of_order_takes_no_greeting(enrollment, therapist):
    first, second, third = modules_of(enrollment.programme)
    response = verified_client(therapist).post(
        reverse(
            "therapist:module_access", args=[enrollment.public_id, third.translation_key, "open"]
        )
    )
    assert response["Location"].endswith(f"#module-{third.translation_key}")
    assert ModuleProgress.objects.get(enrollment=enrollment, module=third).state == (
        ModuleState.UNLOCKED
    )
    assert not Message.objects.exists()
