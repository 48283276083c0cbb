"""Journey (issue 14, item 1): a participant writes; the therapist opens the conversation and
is called away. Reading is not answering: the participant still waits on the caseload, in
its "waiting for me" filter, in the inbox and in the menu's count, until the therapist
answers (here from the participant's overview, where the therapist stays) and the wait ends.
Screenshots of the caseload, the overview and the inbox at 1280x900 and 375x800 go to
test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from messaging.models import Message, Thread
from modules.services import enrollment_create, enrollment_start
from tests.helpers import SERVER_LOCK, log_in, log_out, make_programme, screenshot, user_with_key

pytestmark = pytest.mark.browser

THERAPIST_KEY = b"waiting-therapist-01".hex()
PARTICIPANT_KEY = b"waiting-participant1".hex()
WAITING = "Jag hade en jobbig kväll igår, kan vi prata om det?"
REPLY = "Tack för att du skriver. Ja, det gör vi. Vad hände?"
WAITS = "1 meddelande väntar på ditt svar"
WIDTHS = ({"width": 1280, "height": 900}, {"width": 375, "height": 800})


def _shoot(page: Page, name: str) -> None:
    for size in WIDTHS:
        page.set_viewport_size(size)
        screenshot(page, f"waiting-{name}-{size['width']}.png")
    page.set_viewport_size(WIDTHS[0])


def test_a_read_message_waits_until_the_therapist_answers(page: Page, base_url: str) -> None:
    with SERVER_LOCK:
        therapist = user_with_key("tw@example.org", [Role.THERAPIST], THERAPIST_KEY, name="Tove")
        sam = user_with_key("sw@example.org", [Role.PARTICIPANT], PARTICIPANT_KEY, name="Sam")
        programme = make_programme(modules=3)
        enrollment = enrollment_create(
            actor=therapist, participant=sam, programme=programme, therapist=therapist
        )
        enrollment_start(enrollment=enrollment)
        thread = Thread.objects.get(enrollment=enrollment)

    # 1. The participant writes (the ordinary form: the live server has no socket).
    log_in(page, base_url, sam.email, PARTICIPANT_KEY)
    page.goto(base_url + "/messages/")
    page.fill("#message-body", WAITING)
    page.locator("#message-form button[type=submit]").click()
    expect(page.locator("#message-list")).to_contain_text(WAITING)
    log_out(page, base_url)

    # 2. The therapist sees Sam waiting, opens the conversation, reads it, and leaves.
    log_in(page, base_url, therapist.email, THERAPIST_KEY)
    page.goto(base_url + "/therapist/")
    row = page.locator("table.caseload tbody tr", has_text="Sam")
    expect(row).to_contain_text(WAITS)
    row.get_by_role("link", name=WAITS).click()
    expect(page.locator("#message-list")).to_contain_text(WAITING)
    expect(page.locator("#wait")).to_contain_text(WAITS)
    _shoot(page, "thread")
    with SERVER_LOCK:
        assert Thread.objects.get(pk=thread.pk).team_read_seq == 1  # read
    page.goto(base_url + "/therapist/")

    # 3. Still waiting: on the caseload, in its filter, in the menu's count and in the inbox.
    expect(page.locator("table.caseload tbody tr", has_text="Sam")).to_contain_text(WAITS)
    menu = page.locator("header nav").get_by_role("link", name="Meddelanden")
    expect(menu).to_contain_text("1 väntar på svar")
    _shoot(page, "caseload")
    page.get_by_role("link", name="Väntar på mig").click()
    expect(page.locator("table.caseload tbody tr")).to_have_count(1)
    expect(page.locator("table.caseload tbody tr")).to_contain_text("Sam")
    menu.click()
    first = page.locator("table.inbox tbody tr").first
    expect(first).to_contain_text("Sam")
    expect(first).to_contain_text(WAITING)  # the preview
    expect(first).to_contain_text("väntat")
    _shoot(page, "inbox")

    # 4. The therapist answers from Sam's overview and stays there, with the reply shown.
    first.get_by_role("link", name="Sam").click()
    page.get_by_role("link", name="Tillbaka till översikten för Sam").click()
    expect(page.locator("h1")).to_have_text("Sam")
    messages = page.locator("#messages")
    expect(messages.locator("#wait")).to_contain_text(WAITS)
    _shoot(page, "overview-waiting")
    messages.get_by_label("Ditt meddelande").fill(REPLY)
    messages.get_by_role("button", name="Skicka").click()
    expect(page.locator("h1")).to_have_text("Sam")
    expect(messages).to_contain_text("Ditt meddelande är skickat.")
    expect(messages.locator(".msg-list")).to_contain_text(REPLY)
    expect(messages.locator("#wait")).to_have_count(0)
    assert page.url.endswith("#messages")
    _shoot(page, "overview-answered")

    # 5. The wait has ended everywhere.
    with SERVER_LOCK:
        assert list(Message.objects.filter(thread=thread).values_list("body", flat=True)) == [
            WAITING,
            REPLY,
        ]
    page.goto(base_url + "/therapist/?show=waiting")
    expect(page.locator("main")).to_contain_text("Ingen här just nu")
    expect(page.locator("header nav").get_by_role("link", name="Meddelanden")).not_to_contain_text(
        "väntar"
    )
    page.goto(base_url + "/messages/")
    expect(page.locator("table.inbox tbody tr").first).not_to_contain_text("väntat")
