"""Journey: a participant opens the current module, types an answer that saves by itself,
reloads and finds it, finishes the module, fills in the weekly check-in, and meets the
friendly page at a locked module's address."""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from modules.models import Answer, ModuleProgress, ModuleState, RiskSignal
from modules.services import enrollment_create, enrollment_start
from tests.helpers import (
    PASSWORD,
    SERVER_LOCK,
    TOTP_KEY,
    make_programme,
    make_user,
    modules_of,
    next_code,
    screenshot,
)

pytestmark = pytest.mark.browser

SECRET = base64.b32encode(bytes.fromhex(TOTP_KEY)).decode().rstrip("=")


def test_participant_works_through_a_module_and_checks_in(page: Page, base_url: str) -> None:
    with SERVER_LOCK:
        therapist = make_user("t@example.org", [Role.THERAPIST])
        participant = make_user("p@example.org", [Role.PARTICIPANT], name="Alex")
        programme = make_programme(modules=3)
        enrollment = enrollment_create(
            actor=therapist, participant=participant, programme=programme, therapist=therapist
        )
        enrollment_start(enrollment=enrollment)
        first, second, _third = modules_of(programme)

    page.goto(base_url + "/account/login/")
    page.fill("input[name=login]", participant.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.fill("input[name=code]", next_code(SECRET))
    page.locator("main form button.button[type=submit]").click()
    expect(page.locator("progress")).to_be_visible()
    screenshot(page, "participant-path-home.png")

    # The current module, from the home page's button.
    page.locator("main a.button", has_text="Module 1").click()
    expect(page.locator("h1")).to_have_text("Module 1")
    # The heading shows before the deferred autosave script has run; typing earlier than
    # that would go unheard (a person cannot type that fast, the test can).
    page.wait_for_load_state("load")
    reflection = page.locator(f"textarea[name='answer-{first.body[1].id}']")
    reflection.fill("Jag märkte att jag blev arg när...")
    status = page.locator(f"[data-block-id='{first.body[1].id}'] .save-status")
    expect(status).to_have_class("save-status save-ok", timeout=10_000)
    page.reload()
    expect(reflection).to_have_value("Jag märkte att jag blev arg när...")
    with SERVER_LOCK:
        assert Answer.objects.get(block_id=first.body[1].id).value.startswith("Jag märkte")
    screenshot(page, "participant-path-module.png")

    # Finish the module: six exercises are still empty, so it asks once, listing them with
    # links to each; the second "yes" finishes it.
    page.locator("form.complete-form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Vill du avsluta modulen?")
    unanswered = page.locator(".unanswered-list a")
    expect(unanswered).to_have_count(6)
    expect(unanswered.first).to_have_attribute(
        "href", f"/participant/modules/{first.translation_key}/?part=1#block-{first.body[2].id}"
    )
    screenshot(page, "participant-path-confirm-finish.png")
    page.locator("form.confirm-form button[type=submit]").click()
    expect(page.locator(".message-success")).to_be_visible()
    with SERVER_LOCK:
        progress = ModuleProgress.objects.get(enrollment=enrollment, module=first)
        assert progress.state == ModuleState.COMPLETED

    # The weekly check-in: risk answers give a calm page, never the word "risk".
    page.goto(base_url + "/participant/checkin/")
    page.locator("input[name=violence][value=no]").check()
    page.locator("input[name=closeness][value='8']").check()
    page.locator("input[name=children][value=no]").check()
    page.locator("input[name=home][value=tense]").check()
    page.locator("input[name=harm_thoughts][value=no]").check()
    page.locator("form.checkin-form button[type=submit]").click()
    expect(page.locator("h1")).to_be_visible()
    assert "/participant/checkin/thanks/" in page.url
    assert "risk" not in page.locator("main").inner_text().lower()
    with SERVER_LOCK:
        assert RiskSignal.objects.filter(enrollment=enrollment).count() == 1

    # A locked module's address: the friendly page, not the content.
    response = page.goto(base_url + f"/participant/modules/{second.translation_key}/")
    assert response is not None and response.status == 403
    assert "What happened?" not in page.content()
    expect(page.locator("h1")).to_have_text("Module 2")
    screenshot(page, "participant-path-locked.png")
