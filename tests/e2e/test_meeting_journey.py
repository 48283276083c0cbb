"""Journey: a therapist publishes nothing new (their weekly hours are there), books a video
meeting with their participant from the overview, and the participant finds it on their home
page, on a laptop and on a 360 px phone, and opens it."""

from __future__ import annotations

from datetime import time

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import Role
from meetings.models import Meeting
from meetings.services import hours_add
from modules.services import enrollment_create, enrollment_start
from tests.helpers import (
    DEFAULT_TIMEOUT_MS,
    SERVER_LOCK,
    log_in,
    log_out,
    make_programme,
    screenshot,
    user_with_key,
)

pytestmark = pytest.mark.browser

THERAPIST_KEY = "9192939495969798999a9b9c9d9e9fa0a1a2a3a4"
PARTICIPANT_KEY = "a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4"
PHONE = {"width": 360, "height": 800}


def test_a_therapist_books_and_the_participant_sees_it_at_home(
    page: Page, browser: Browser, base_url: str
) -> None:
    with SERVER_LOCK:
        therapist = user_with_key("t@example.org", [Role.THERAPIST], THERAPIST_KEY, name="Tove")
        sam = user_with_key("sam@example.org", [Role.PARTICIPANT], PARTICIPANT_KEY, name="Sam")
        enrollment = enrollment_create(
            actor=therapist, participant=sam, programme=make_programme(modules=2),
            therapist=therapist,
        )  # fmt: skip
        enrollment_start(enrollment=enrollment)
        for weekday in range(7):
            hours_add(actor=therapist, weekday=weekday, starts=time(9), ends=time(16))

    # The therapist: the overview's "Book a meeting", a free time, video.
    log_in(page, base_url, therapist.email, THERAPIST_KEY)
    page.goto(f"{base_url}/therapist/participants/{enrollment.public_id}/")
    page.locator("#meetings").get_by_role("link", name="Boka ett möte").click()
    expect(page.locator("h1")).to_have_text("Boka ett möte med Sam")
    chosen = page.locator("#starts-at option").nth(2)
    chosen_text = chosen.inner_text()
    page.select_option("#starts-at", chosen.get_attribute("value"))
    page.get_by_label("Video").check()
    page.get_by_role("button", name="Boka mötet").click()
    expect(page.get_by_text("Mötet är bokat. Deltagaren får veta det.")).to_be_visible()
    screenshot(page, "meeting-booked.png")
    with SERVER_LOCK:
        meeting = Meeting.objects.get(enrollment=enrollment)
        assert meeting.kind == "video" and meeting.therapist == therapist
    clock = chosen_text.rsplit(" ", 1)[-1]  # "tisdag 8 december, 10:00" → "10:00"
    log_out(page, base_url)

    # The participant, on a 360 px phone: the home page shows the meeting.
    context = browser.new_context(locale="sv-SE", viewport=PHONE, is_mobile=True)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    phone = context.new_page()
    try:
        log_in(phone, base_url, sam.email, PARTICIPANT_KEY)
        phone.goto(base_url + "/participant/")
        card = phone.locator("section[aria-labelledby=meeting-title]")
        expect(card).to_contain_text("Ditt nästa möte")
        expect(card).to_contain_text(clock)
        expect(card).to_contain_text("Video")
        screenshot(phone, "meeting-participant-home-phone.png")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        card.get_by_role("link", name="Se mötet").click()
        expect(phone.locator(".meeting-when")).to_contain_text(clock)
        expect(phone.get_by_role("link", name="Lägg till i din kalender (.ics)")).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(phone, "meeting-detail-phone.png")
    finally:
        context.close()
