"""Journeys on a phone through a module read in parts (the seeded "Välkommen" and "Våld"
modules): moving part by part, the autosave status beside the field being typed in,
opening where one left off, the keyboard (Enter on a checkbox or radio never submits, Space
ticks), touch targets of at least 44 px and the 0-10 scale in one piece at 360 px."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from tests.helpers import SERVER_LOCK, log_in, offer_everywhere, screenshot, user_with_key

pytestmark = pytest.mark.browser

PARTICIPANT_KEY = "3a" * 20
PHONE = {"width": 375, "height": 800}


def _world() -> dict[str, Any]:
    """A programme of the seeded "Välkommen" and "Våld" modules, both open to Alex."""
    from content.models import ModulePage, ProgramPage
    from content.seed import load_seed, raw_body
    from modules.services import enrollment_create, enrollment_start, module_unlock
    from tests.helpers import wagtail_root

    therapist = user_with_key("t-parts@example.org", [Role.THERAPIST], "4b" * 20)
    participant = user_with_key(
        "p-parts@example.org", [Role.PARTICIPANT], PARTICIPANT_KEY, name="Alex"
    )
    _programme, seeded = load_seed()
    programme = ProgramPage(title="Programmet", slug="programmet", intro="<p>x</p>")
    wagtail_root().add_child(instance=programme)
    programme.save_revision().publish()
    offer_everywhere(programme)
    pages = {}
    for data in seeded[:2]:
        module = ModulePage(
            title=data["sv"]["title"],
            slug=data["slug"],
            summary=data["sv"]["summary"],
            body=raw_body(data["slug"], data["sv"]["body"]),
        )
        programme.add_child(instance=module)
        module.save_revision().publish()
        pages[data["slug"]] = module
    enrollment = enrollment_create(
        actor=therapist, participant=participant, programme=programme, therapist=therapist
    )
    enrollment_start(enrollment=enrollment)
    module_unlock(actor=therapist, enrollment=enrollment, module=pages["vald"])
    return {"participant": participant, "enrollment": enrollment, **pages}


def _module_url(base_url: str, module: Any, part: int | None = None) -> str:
    url = f"{base_url}/participant/modules/{module.translation_key}/"
    return url if part is None else f"{url}?part={part}"


def _box(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None
    return box


def test_on_a_phone_a_module_is_read_part_by_part_and_saves_where_one_types(
    page: Page, base_url: str
) -> None:
    from modules.models import Answer, ModuleProgress

    with SERVER_LOCK:
        world = _world()
    vald = world["vald"]
    page.set_viewport_size(PHONE)
    log_in(page, base_url, world["participant"].email, PARTICIPANT_KEY)

    page.goto(_module_url(base_url, vald))
    expect(page.locator(".part-position")).to_contain_text("Del 1 av 4")
    screenshot(page, "parts-phone-part-1.png")
    page.get_by_role("button", name="Nästa del").click()
    expect(page).to_have_url(re.compile(r"\?part=2$"))
    expect(page.locator(".part-position")).to_contain_text("Del 2 av 4")
    expect(page.locator("h2.block-heading")).to_have_text("Våldets former")
    page.get_by_role("button", name="Nästa del").click()
    expect(page).to_have_url(re.compile(r"\?part=3$"))
    expect(page.locator(".part-position")).to_contain_text("Del 3 av 4")
    page.wait_for_load_state("load")  # the deferred autosave script is running

    # Typing in the first worksheet's first field: "Saving…/Saved" shows right under it,
    # inside the phone's screen, without scrolling.
    with SERVER_LOCK:
        worksheet = next(c for c in vald.body if c.block_type == "worksheet")
    field = page.locator(f"textarea[name='answer-{worksheet.id}-0']")
    field.click()
    field.press_sequentially("Det var en kväll i mars", delay=20)
    status = page.locator(f"[data-block-id='{worksheet.id}'] .save-status")
    expect(status).to_have_class(re.compile("save-ok"), timeout=10_000)
    expect(status).to_have_attribute("aria-live", "polite")
    field_box, status_box = _box(field), _box(status)
    assert status_box["y"] >= field_box["y"] + field_box["height"] - 1
    assert status_box["y"] - (field_box["y"] + field_box["height"]) < 40
    assert status_box["y"] >= 0 and status_box["y"] + status_box["height"] <= PHONE["height"]
    screenshot(page, "parts-phone-part-3-saved.png")
    with SERVER_LOCK:
        assert Answer.objects.get(block_id=worksheet.id).value[0] == "Det var en kväll i mars"

    # Another visit (the module's address without a part) opens where they left off, with
    # the answer there.
    page.goto(base_url + "/participant/")
    page.goto(_module_url(base_url, vald))
    expect(page.locator(".part-position")).to_contain_text("Del 3 av 4")
    expect(field).to_have_value("Det var en kväll i mars")
    with SERVER_LOCK:
        progress = ModuleProgress.objects.get(enrollment=world["enrollment"], module=vald)
        assert progress.last_part == 3

    # The list of parts, and back one part with the button.
    page.locator(".part-list summary").click()
    expect(page.locator(".part-list a[aria-current=step]")).to_have_text(
        "Första, värsta och senaste gången"
    )
    page.get_by_role("button", name="Föregående del").click()
    expect(page).to_have_url(re.compile(r"\?part=2$"))

    # A full save keeps the reader at the save button, with the note beside it.
    page.get_by_role("button", name="Spara mina svar").click()
    expect(page).to_have_url(re.compile(r"\?part=2#part-save$"))
    saved = page.locator(".part-saved")
    expect(saved).to_have_text("Dina svar är sparade.")
    box = _box(saved)
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    screenshot(page, "parts-phone-part-2-saved.png")


def test_keyboard_enter_on_a_checkbox_or_radio_never_submits_and_targets_are_44px(
    page: Page, base_url: str
) -> None:
    from modules.models import Answer, CheckIn

    with SERVER_LOCK:
        world = _world()
    vald = world["vald"]
    page.set_viewport_size(PHONE)
    log_in(page, base_url, world["participant"].email, PARTICIPANT_KEY)
    page.goto(_module_url(base_url, vald, 2))
    page.wait_for_load_state("load")
    with SERVER_LOCK:
        checklist = next(c for c in vald.body if c.block_type == "checklist")
    first = page.locator(f"#answer-{checklist.id}-0")

    # Keyboard only: Tab from the part's heading to the first checkbox.
    page.locator("h2.block-heading").click()
    for _ in range(80):
        page.keyboard.press("Tab")
        if first.evaluate("el => el === document.activeElement"):
            break
    expect(first).to_be_focused()
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    url = page.url
    page.keyboard.press("Enter")
    page.wait_for_timeout(800)
    assert navigations == [] and page.url == url
    expect(first).not_to_be_checked()
    page.keyboard.press("Space")
    expect(first).to_be_checked()
    status = page.locator(f"[data-block-id='{checklist.id}'] .save-status")
    expect(status).to_have_class(re.compile("save-ok"), timeout=10_000)
    with SERVER_LOCK:
        assert Answer.objects.get(block_id=checklist.id).value == [
            str(checklist.value["options"][0])
        ]
    assert navigations == []

    # Every option row of the checklist and the part's buttons: at least 44 x 44 px.
    labels = page.locator(f"[data-block-id='{checklist.id}'] .choice label")
    assert labels.count() == len(checklist.value["options"])
    for i in range(labels.count()):
        box = _box(labels.nth(i))
        assert box["height"] >= 44 and box["width"] >= 44, (i, box)
    buttons = page.locator(".part-actions .button")
    for i in range(buttons.count()):
        box = _box(buttons.nth(i))
        assert box["height"] >= 44 and box["width"] >= 44, (i, box)
    # Clicking the label's left edge (over the box) ticks the box: the row is one target.
    second = page.locator(f"#answer-{checklist.id}-1")
    second_box = _box(second)
    page.mouse.click(second_box["x"] + 4, second_box["y"] + second_box["height"] / 2)
    expect(second).to_be_checked()

    # The check-in: Enter on a radio button does not send it; Space chooses.
    page.goto(base_url + "/participant/checkin/")
    page.wait_for_load_state("load")
    radio = page.locator("input[name=violence][value=yes]")
    page.locator("h1").click()
    for _ in range(40):
        page.keyboard.press("Tab")
        if radio.evaluate("el => el === document.activeElement"):
            break
    expect(radio).to_be_focused()
    navigations.clear()
    page.keyboard.press("Enter")
    page.wait_for_timeout(800)
    assert navigations == [] and page.url.endswith("/participant/checkin/")
    expect(page.locator(".form-errors")).to_have_count(0)
    page.keyboard.press("Space")
    expect(radio).to_be_checked()
    with SERVER_LOCK:
        assert not CheckIn.objects.exists()
    for selector in (
        "input[name=violence] >> xpath=..",
        "input[name=violence_kinds] >> xpath=..",
        "input[name=home] >> xpath=..",
        "input[name=closeness] >> xpath=..",
    ):
        targets = page.locator(selector)
        for i in range(targets.count()):
            box = _box(targets.nth(i))
            assert box["height"] >= 44, (selector, i, box)
            assert box["width"] >= (24 if "closeness" in selector else 44), (selector, i, box)
    send = _box(page.locator("form.checkin-form button[type=submit]"))
    assert send["height"] >= 44 and send["width"] >= 44


def test_the_0_to_10_scale_fits_360px_in_one_row(page: Page, base_url: str) -> None:
    with SERVER_LOCK:
        world = _world()
    page.set_viewport_size({"width": 360, "height": 800})
    log_in(page, base_url, world["participant"].email, PARTICIPANT_KEY)

    def one_row_without_overflow(steps: Any) -> None:
        assert steps.count() == 11
        tops = {round(_box(steps.nth(i))["y"]) for i in range(11)}
        assert len(tops) == 1, tops  # 0 to 10 on one line
        for i in range(11):
            box = _box(steps.nth(i))
            assert box["height"] >= 44 and box["width"] >= 24, (i, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360, (i, box)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0

    # The module's scale (Välkommen, part 3 "Dina mål").
    page.goto(_module_url(base_url, world["valkommen"], 3))
    expect(page.locator(".part-position")).to_contain_text("Del 3 av")
    one_row_without_overflow(page.locator(".exercise-scale .scale-step label"))
    ends = page.locator(".exercise-scale .scale-ends")
    expect(ends).to_contain_text("0 =")
    expect(ends).to_contain_text("10 =")
    page.locator(".exercise-scale").scroll_into_view_if_needed()
    screenshot(page, "parts-360-module-scale.png")
    # Clicking a number chooses it.
    page.locator(".exercise-scale .scale-step label", has_text=re.compile(r"^7$")).click()
    expect(page.locator(".exercise-scale input[value='7']")).to_be_checked()

    # The check-in's scale.
    page.goto(base_url + "/participant/checkin/")
    one_row_without_overflow(page.locator("input[name=closeness] >> xpath=.."))
    page.locator("input[name=closeness]").first.scroll_into_view_if_needed()
    screenshot(page, "parts-360-checkin-scale.png")
