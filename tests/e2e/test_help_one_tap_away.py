"""Help is one tap away on a phone (issue 14, item 3): on every page a participant can reach,
the header's "Hjälp nu" link is in view at 375x800 without scrolling, and following it
brings the help box into view. And the safety section after a PHQ-9 answer about thoughts of
self-harm (item 2), as the participant sees it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from measures.models import Instrument
from measures.services import schedule_default
from modules.models import RiskSignal
from modules.services import enrollment_create, enrollment_start
from tests.helpers import SERVER_LOCK, log_in, make_programme, user_with_key

pytestmark = pytest.mark.browser

PARTICIPANT_KEY = b"help-one-tap-partic1".hex()
THERAPIST_KEY = b"help-one-tap-therap1".hex()

FIXED_PAGES = [
    "/participant/",
    "/participant/modules/",
    "/participant/checkin/",
    "/participant/checkin/thanks/",
    "/participant/checkins/",
    "/messages/",
    "/measures/intake/phq-9/",
    "/measures/thanks/",
    "/account/security/",
    "/account/security/confirm/",
    "/records/my-data/",
]


def _in_view(page: Page, selector: str) -> dict:
    return page.evaluate(
        """(selector) => {
            const r = document.querySelector(selector).getBoundingClientRect();
            return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                    width: innerWidth, height: innerHeight, scrollY: scrollY,
                    scrollX: scrollX, docWidth: document.documentElement.scrollWidth};
        }""",
        selector,
    )


def _participant(with_measures: bool = False):
    therapist = user_with_key("t-help@example.org", [Role.THERAPIST], THERAPIST_KEY)
    participant = user_with_key(
        "p-help@example.org", [Role.PARTICIPANT], PARTICIPANT_KEY, name="Alex"
    )
    programme = make_programme(modules=2)
    if with_measures:
        schedule_default(programme)
    enrollment = enrollment_create(
        actor=therapist, participant=participant, programme=programme, therapist=therapist
    )
    enrollment_start(enrollment=enrollment)
    return participant, enrollment


def test_the_help_link_is_in_view_on_every_participant_page_and_reaches_the_help_box(
    page: Page, base_url: str
) -> None:
    with SERVER_LOCK:
        participant, enrollment = _participant(with_measures=True)
        assert Instrument.objects.filter(key="phq-9").exists()
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, base_url, participant.email, PARTICIPANT_KEY)
    page.goto(base_url + "/participant/modules/")
    modules = sorted(
        set(
            re.findall(
                r'href="(/participant/modules/[0-9a-f-]{36}/)"',
                page.content(),
            )
        )
    )
    assert len(modules) == 1  # the open module; the locked one is not linked
    with SERVER_LOCK:
        from content.models import ModulePage

        locked = ModulePage.objects.child_of(enrollment.programme).order_by("path").last()
        modules.append(f"/participant/modules/{locked.translation_key}/")  # its friendly page
    for path in FIXED_PAGES + modules:
        page.goto(base_url + path)
        link = page.locator("header a.help-now")
        expect(link, path).to_have_text("Hjälp nu")
        box = _in_view(page, "header a.help-now")
        assert box["scrollY"] == 0, path
        assert box["top"] >= 0 and box["bottom"] <= box["height"], (path, box)
        assert box["left"] >= 0 and box["right"] <= box["width"], (path, box)
        link.click()
        expect(page).to_have_url(re.compile(r"#help-box$"))
        help_box = _in_view(page, "#help-box")
        # In view: its heading and first line at least, without any further scrolling.
        assert help_box["top"] >= -1 and help_box["top"] < help_box["height"] - 100, (
            path,
            help_box,
        )
        expect(page.locator("#help-box a[href^='tel:']").first).to_be_in_viewport()


def test_a_phq9_answer_about_self_harm_shows_what_to_do_now(page: Page, base_url: str) -> None:
    with SERVER_LOCK:
        participant, enrollment = _participant(with_measures=True)
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, base_url, participant.email, PARTICIPANT_KEY)
    page.goto(base_url + "/measures/intake/phq-9/")
    fieldsets = page.locator("fieldset.measure-item")
    expect(fieldsets).to_have_count(9)
    for number in range(1, 10):
        value = "1" if number == 9 else "0"
        page.locator(f"input[name='{number}'][value='{value}']").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Tack för dina svar")
    section = page.locator("#safety-now")
    expect(section).to_be_visible()
    expect(section.locator("a[href='tel:90101']")).to_be_visible()
    expect(section.locator("a[href='tel:112']")).to_be_visible()
    expect(section).to_contain_text("Din terapeut ser det")
    # On the phone, the section starts within the first screen.
    assert _in_view(page, "#safety-now")["top"] < 800
    with SERVER_LOCK:
        signal = RiskSignal.objects.get(enrollment=enrollment)
        assert signal.source == "measure" and signal.details[0]["number"] == 9
