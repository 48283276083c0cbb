"""The therapist's "My hours" page in a real browser: free time is added through the forms, bad
times get a clear message and save nothing, and each row's "Remove" button is a real button of
the project's style (not bare browser chrome) beside its time on a laptop and a 360 px phone."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import Role
from meetings import times
from meetings.models import OpenSlot, WeeklyHours
from tests.helpers import DEFAULT_TIMEOUT_MS, SERVER_LOCK, log_in, screenshot, user_with_key

pytestmark = pytest.mark.browser

THERAPIST_KEY = "b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4"
PHONE = {"width": 360, "height": 800}
LAPTOP = {"width": 1280, "height": 900}


def _button_style(page: Page) -> dict[str, str]:
    return page.evaluate(
        """() => {
            const b = document.querySelector('.free-time-list button');
            const s = getComputedStyle(b);
            const r = b.getBoundingClientRect();
            return {color: s.color, border: s.borderTopColor, width: s.borderTopWidth,
                    radius: s.borderTopLeftRadius, height: String(r.height),
                    weight: s.fontWeight, cursor: s.cursor};
        }"""
    )


def test_free_time_is_added_and_removed_with_styled_buttons(
    page: Page, browser: Browser, base_url: str
) -> None:
    with SERVER_LOCK:
        therapist = user_with_key("hours@example.org", [Role.THERAPIST], THERAPIST_KEY, name="Tove")
    page.set_viewport_size(LAPTOP)
    log_in(page, base_url, therapist.email, THERAPIST_KEY)
    page.goto(base_url + "/meetings/hours/")

    # Weekly hours through the form.
    page.select_option("#weekday", "1")
    page.fill("#weekly-starts", "09:00")
    page.fill("#weekly-ends", "12:00")
    page.get_by_role("button", name="Lägg till veckotid").click()
    expect(page.get_by_text("Din lediga tid är sparad.")).to_be_visible()

    # Bad input: the end before the start, a date that has passed. Clear message, nothing saved.
    page.select_option("#weekday", "2")
    page.fill("#weekly-starts", "12:00")
    page.fill("#weekly-ends", "09:00")
    page.get_by_role("button", name="Lägg till veckotid").click()
    expect(page.locator(".form-errors")).to_contain_text("Sluttiden måste vara efter starttiden.")
    yesterday = timezone.localdate(timezone.now(), times.zone()) - timedelta(days=1)
    page.fill("#slot-day", yesterday.isoformat())
    page.fill("#slot-starts", "09:00")
    page.fill("#slot-ends", "10:00")
    page.get_by_role("button", name="Lägg till en ledig tid").click()
    expect(page.locator(".form-errors")).to_contain_text("från och med i dag")
    with SERVER_LOCK:
        assert WeeklyHours.objects.filter(therapist=therapist).count() == 1
        assert not OpenSlot.objects.filter(therapist=therapist).exists()
        tomorrow = timezone.localdate(timezone.now(), times.zone()) + timedelta(days=1)
        OpenSlot.objects.create(therapist=therapist, day=tomorrow, starts=time(13), ends=time(15))
    page.goto(base_url + "/meetings/hours/")

    # The "Remove" buttons: the project's secondary button in the danger colour, full height.
    style = _button_style(page)
    assert style["color"] == "rgb(155, 28, 28)" and style["border"] == "rgb(155, 28, 28)"
    assert style["width"] == "2px" and style["radius"] != "0px" and style["cursor"] == "pointer"
    assert float(style["height"]) >= 44  # a target a finger can hit
    # Beside its time on a laptop.
    row = page.locator(".free-time-list li").first
    text_box = row.locator("span").first.bounding_box()
    button_box = row.get_by_role("button").bounding_box()
    assert text_box and button_box and abs(text_box["y"] - button_box["y"]) < 30
    assert button_box["x"] > text_box["x"] + text_box["width"]
    screenshot(page, "meeting-hours-1280.png")

    # The same on a 360 px phone: nothing wider than the screen.
    context = browser.new_context(locale="sv-SE", viewport=PHONE, is_mobile=True)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    phone = context.new_page()
    try:
        log_in(phone, base_url, therapist.email, THERAPIST_KEY)
        phone.goto(base_url + "/meetings/hours/")
        assert float(_button_style(phone)["height"]) >= 44
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(phone, "meeting-hours-360.png")
    finally:
        context.close()

    # Each button says which time it removes (to a screen reader too); removing one keeps
    # the other.
    page.get_by_role("button", name="Ta bort tisdag 09:00–12:00").click()
    expect(page.get_by_text("Den lediga tiden är borttagen.")).to_be_visible()
    with SERVER_LOCK:
        assert not WeeklyHours.objects.filter(therapist=therapist).exists()
        assert OpenSlot.objects.filter(therapist=therapist).count() == 1
