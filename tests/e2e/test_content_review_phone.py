"""Journey on a phone-sized screen, by keyboard only: a participant's module page fits the
width, its exercises are reached with Tab, an answer typed there saves by itself, and the
help box is on the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from modules.models import Answer
from modules.services import enrollment_create, enrollment_start
from tests.helpers import (
    SERVER_LOCK,
    TOTP_KEY,
    log_in,
    make_programme,
    make_user,
    modules_of,
    screenshot,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


def test_module_page_on_a_phone_by_keyboard(page: Page, base_url: str) -> None:
    with SERVER_LOCK:
        therapist = make_user("t@example.org", [Role.THERAPIST])
        participant = make_user("p@example.org", [Role.PARTICIPANT], name="Alex")
        programme = make_programme(modules=2)
        enrollment = enrollment_create(
            actor=therapist, participant=participant, programme=programme, therapist=therapist
        )
        enrollment_start(enrollment=enrollment)
        first = modules_of(programme)[0]
        reflection_id = first.body[1].id

    page.set_viewport_size(PHONE)
    log_in(page, base_url, participant.email, TOTP_KEY)
    page.goto(f"{base_url}/participant/modules/{first.translation_key}/")
    expect(page.locator("h1")).to_have_text("Module 1")

    # Nothing wider than the screen: no sideways scrolling to read or answer.
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, overflow
    for selector in ("textarea", ".help-box", ".form-actions .button"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    # Keyboard only: Tab from the top of the page reaches the first exercise.
    target = f"answer-{reflection_id}"
    page.locator("body").focus()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.name") == target:
            break
    else:
        pytest.fail("Tab never reached the first exercise")
    page.keyboard.type("Skrivet med tangentbordet")
    status = page.locator(f"[data-block-id='{reflection_id}'] .save-status")
    expect(status).to_have_class("save-status save-ok", timeout=10_000)
    with SERVER_LOCK:
        assert Answer.objects.get(block_id=reflection_id).value == "Skrivet med tangentbordet"
    expect(page.locator("#help-box-title")).to_be_visible()
    screenshot(page, "participant-module-phone.png")
