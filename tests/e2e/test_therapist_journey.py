"""Journey: a therapist logs in, finds the participant with a waiting message at the top of
the caseload, reads their answers, replies, and opens the next module with a greeting; the
participant then finds the new module open and the greeting in their messages."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from messaging.models import Message, Thread
from modules.models import ModuleProgress, ModuleState
from modules.services import enrollment_create, enrollment_start, module_complete
from tests.helpers import (
    SERVER_LOCK,
    log_in,
    log_out,
    make_programme,
    modules_of,
    save_answer,
    screenshot,
    user_with_key,
)

pytestmark = pytest.mark.browser

THERAPIST_KEY = "7172737475767778797a7b7c7d7e7f8081828384"
PARTICIPANT_KEY = "8182838485868788898a8b8c8d8e8f9091929394"
ANSWER = "Jag höjde rösten när hon kom hem sent."
WAITING = "Jag hade en jobbig kväll igår."
REPLY = "Tack för att du skriver. Vi tittar på det i nästa modul."
GREETING = "Nu är modul 2 öppen. Ta den i din egen takt."


def test_therapist_attends_to_the_waiting_participant_first(page: Page, base_url: str) -> None:
    with SERVER_LOCK:
        therapist = user_with_key("t@example.org", [Role.THERAPIST], THERAPIST_KEY, name="Tove")
        sam = user_with_key("sam@example.org", [Role.PARTICIPANT], PARTICIPANT_KEY, name="Sam")
        programme = make_programme(modules=3)
        first, second, _third = modules_of(programme)
        for name in ("Kim", "Noa"):  # quieter participants, nothing waiting
            other = user_with_key(
                f"{name.lower()}@example.org", [Role.PARTICIPANT], uuid.uuid4().hex * 1, name=name
            )
            e = enrollment_create(
                actor=therapist, participant=other, programme=programme, therapist=therapist
            )
            enrollment_start(enrollment=e)
        enrollment = enrollment_create(
            actor=therapist, participant=sam, programme=programme, therapist=therapist
        )
        enrollment_start(enrollment=enrollment)
        save_answer(sam, enrollment, first, first.body[1].id, ANSWER)
        module_complete(participant=sam, enrollment=enrollment, module=first)
        thread = Thread.objects.get(enrollment=enrollment)
        # Straight into the table: message_send's after-commit broadcast cannot run on the
        # test thread, where Playwright's event loop is running.
        Message.objects.create(
            thread=thread,
            seq=1,
            sender=sam,
            side="participant",
            body=WAITING,
            client_id=uuid.uuid4(),
        )
        Thread.objects.filter(pk=thread.pk).update(last_seq=1, participant_read_seq=1)

    # 1. The caseload: Sam, with the waiting message, is at the top.
    log_in(page, base_url, therapist.email, THERAPIST_KEY)
    page.goto(base_url + "/therapist/")
    first_row = page.locator("table.caseload tbody tr").first
    expect(first_row).to_contain_text("Sam")
    expect(first_row).to_contain_text("1 meddelande väntar på ditt svar")
    screenshot(page, "therapist-caseload.png")

    # 2. Open Sam, read the answers.
    first_row.get_by_role("link", name="Sam").click()
    expect(page.locator("h1")).to_have_text("Sam")
    page.locator("nav.tabs").get_by_role("link", name="Svar").click()
    expect(page.locator("main")).to_contain_text(ANSWER)
    screenshot(page, "therapist-answers.png")

    # 3. Reply to the message.
    page.locator("nav.tabs").get_by_role("link", name="Meddelanden").click()
    expect(page.locator("#message-list")).to_contain_text(WAITING)
    page.fill("#message-body", REPLY)
    page.locator("#message-form button[type=submit]").click()
    expect(page.locator("#message-list")).to_contain_text(REPLY)

    # 4. Open the next module with a greeting.
    page.goto(base_url + f"/therapist/participants/{enrollment.public_id}/")
    row = page.locator("tr", has_text="2. Module 2")
    row.locator("textarea[name=greeting]").fill(GREETING)
    row.get_by_role("button", name="Öppna modulen").click()
    expect(page.locator(".message-success")).to_be_visible()
    expect(page.locator("tr", has_text="2. Module 2")).to_contain_text("Stäng igen")
    screenshot(page, "therapist-participant.png")
    with SERVER_LOCK:
        progress = ModuleProgress.objects.get(enrollment=enrollment, module=second)
        assert progress.state == ModuleState.UNLOCKED and progress.unlocked_by == therapist
        assert list(Message.objects.filter(thread=thread).values_list("body", flat=True)) == [
            WAITING,
            REPLY,
            GREETING,
        ]
    log_out(page, base_url)

    # 5. The participant finds the module open and the words waiting for them.
    log_in(page, base_url, sam.email, PARTICIPANT_KEY)
    page.goto(base_url + "/participant/")
    expect(page.locator("main")).to_contain_text("Din terapeut har skrivit till dig")
    page.locator("main a.button", has_text="Module 2").click()
    expect(page.locator("h1")).to_have_text("Module 2")
    page.goto(base_url + "/messages/")
    expect(page.locator("#message-list")).to_contain_text(GREETING)
    expect(page.locator("#message-list")).to_contain_text(REPLY)
    screenshot(page, "participant-after-unlock.png")
