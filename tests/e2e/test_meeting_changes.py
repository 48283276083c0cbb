"""Journey: the participant books a meeting themselves (their organisation allows it), tries a
forged time and an over-long reason, moves it; the therapist sees the move on "My hours",
cannot open another therapist's meeting by its id, and cancels; the participant, on a 360 px
phone, sees the cancellation and its reason at home."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import Role
from meetings.models import Meeting, Status
from meetings.selectors import free_times
from meetings.services import hours_add, meeting_book
from modules.services import enrollment_create, enrollment_start
from tests.helpers import (
    DEFAULT_TIMEOUT_MS,
    SERVER_LOCK,
    log_in,
    log_out,
    make_programme,
    make_user,
    screenshot,
    user_with_key,
)

pytestmark = pytest.mark.browser

THERAPIST_KEY = "c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4"
PARTICIPANT_KEY = "d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4"
PHONE = {"width": 360, "height": 800}


def test_the_participant_books_and_moves_and_the_therapist_cancels(
    page: Page, browser: Browser, base_url: str
) -> None:
    with SERVER_LOCK:
        therapist = user_with_key("tc@example.org", [Role.THERAPIST], THERAPIST_KEY, name="Tove")
        sam = user_with_key("samc@example.org", [Role.PARTICIPANT], PARTICIPANT_KEY, name="Sam")
        programme = make_programme(modules=2)
        enrollment = enrollment_create(
            actor=therapist, participant=sam, programme=programme, therapist=therapist
        )
        enrollment_start(enrollment=enrollment)
        organisation = enrollment.unit.organisation
        organisation.participants_book_meetings = True
        organisation.save(update_fields=["participants_book_meetings"])
        for weekday in range(7):
            hours_add(actor=therapist, weekday=weekday, starts=time(9), ends=time(16))
        # Another therapist's meeting, whose id our therapist will try.
        other = make_user("other-t@example.org", [Role.THERAPIST], name="Tim")
        robin = make_user("robin@example.org", [Role.PARTICIPANT], name="Robin")
        hours_add(actor=other, weekday=0, starts=time(9), ends=time(16))
        theirs_enrollment = enrollment_create(
            actor=other, participant=robin, programme=programme, therapist=other
        )
        enrollment_start(enrollment=theirs_enrollment)
        theirs = meeting_book(
            actor=other, enrollment=theirs_enrollment, kind="phone",
            starts_at=free_times(other)[0],
        )  # fmt: skip

    # The participant books one of the offered times.
    log_in(page, base_url, sam.email, PARTICIPANT_KEY)
    page.goto(base_url + "/meetings/")
    page.get_by_role("link", name="Boka ett möte").click()
    page.select_option("#starts-at", index=1)
    page.get_by_label("Telefon").check()
    page.get_by_role("button", name="Boka mötet").click()
    expect(page.get_by_text("Mötet är bokat.")).to_be_visible()
    with SERVER_LOCK:
        meeting = Meeting.objects.get(enrollment=enrollment)
        assert meeting.booked_by == sam and meeting.kind == "phone"

    # A forged option (03:00 at night, outside the free time): a clear message, nothing moved.
    night = (meeting.starts_at + timedelta(days=1)).replace(hour=2, minute=0)
    page.evaluate(
        "v => { document.querySelector('#move-to option').value = v; }", night.isoformat()
    )
    page.select_option("#move-to", index=0)
    page.fill("#move-reason", "Jobbpass")
    page.get_by_role("button", name="Flytta mötet").click()
    expect(page.locator(".form-errors")).to_contain_text("utanför")
    expect(page.locator("#move-reason")).to_have_value("Jobbpass")  # what was written is kept
    # An over-long reason (past the field's maxlength, as a forged form would send it).
    page.evaluate("() => document.querySelector('#move-reason').removeAttribute('maxlength')")
    page.fill("#move-reason", "x" * 301)
    page.select_option("#move-to", index=2)
    page.get_by_role("button", name="Flytta mötet").click()
    expect(page.locator(".form-errors")).to_contain_text("Håll skälet under 300 tecken.")
    with SERVER_LOCK:
        meeting.refresh_from_db()
        assert meeting.change_reason == "" and meeting.changed_at is None
    # The real move.
    page.fill("#move-reason", "Jobbpass")
    page.select_option("#move-to", index=2)
    page.get_by_role("button", name="Flytta mötet").click()
    expect(page.get_by_text("Mötet är flyttat. Den andra personen får veta det.")).to_be_visible()
    with SERVER_LOCK:
        moved = Meeting.objects.get(pk=meeting.pk)
        assert moved.starts_at != meeting.starts_at and moved.change_reason == "Jobbpass"
    log_out(page, base_url)

    # The therapist sees the move, cannot open another therapist's meeting, and cancels.
    log_in(page, base_url, therapist.email, THERAPIST_KEY)
    page.goto(base_url + "/meetings/hours/")
    notice = page.locator(".message-warning", has_text="Ett möte har flyttats:")
    expect(notice).to_contain_text("Jobbpass")
    response = page.goto(f"{base_url}/meetings/{theirs.public_id}/")
    assert response is not None and response.status == 404
    page.goto(base_url + "/meetings/hours/")
    notice.get_by_role("link").click()
    page.fill("#cancel-reason", "Sjuk")
    page.get_by_role("button", name="Avboka mötet").click()
    expect(page.get_by_text("Mötet är avbokat. Den andra personen får veta det.")).to_be_visible()
    expect(page.get_by_text("Avbokat", exact=True)).to_be_visible()
    screenshot(page, "meeting-cancelled-therapist.png")
    with SERVER_LOCK:
        assert Meeting.objects.get(pk=meeting.pk).status == Status.CANCELLED
        assert Meeting.objects.get(pk=theirs.pk).status == Status.SCHEDULED
    log_out(page, base_url)

    # The participant, on a phone, sees the cancellation and why.
    context = browser.new_context(locale="sv-SE", viewport=PHONE, is_mobile=True)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    phone = context.new_page()
    try:
        log_in(phone, base_url, sam.email, PARTICIPANT_KEY)
        phone.goto(base_url + "/participant/")
        card = phone.locator("section[aria-labelledby=meeting-title]")
        expect(card).to_contain_text("Ett möte har avbokats:")
        expect(card).to_contain_text("Sjuk")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(phone, "meeting-cancelled-participant-phone.png")
    finally:
        context.close()
