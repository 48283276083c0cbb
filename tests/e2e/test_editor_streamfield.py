"""Journey: an editor changes a paragraph and an exercise question of a module in /cms/,
previews it in the editor's preview panel as a participant would see it, and submits it to
the clinical review; a clinical lead approves, the revision goes live, and a participant who
had already answered that exercise sees their own answer beside the revised question."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from accounts.models import Role
from content.models import ModulePage
from modules.models import Answer
from modules.services import enrollment_create, enrollment_start
from tests.helpers import (
    SERVER_LOCK,
    approve_in_editor,
    cms_module,
    log_in,
    log_out,
    make_user,
    path_is,
    save_answer,
    screenshot,
    submit_for_review,
    user_with_key,
)

pytestmark = pytest.mark.browser

# A key per person (none shared with the other CMS journey): no waits for a new TOTP step.
EDITOR_KEY = "4142434445464748494a4b4c4d4e4f5051525354"
LEAD_KEY = "5152535455565758595a5b5c5d5e5f6061626364"
PARTICIPANT_KEY = "6162636465666768696a6b6c6d6e6f7071727374"

TEXT_ID = "33333333-3333-4333-8333-333333333333"
REFLECTION_ID = "44444444-4444-4444-8444-444444444444"
OLD_PARAGRAPH = "Här börjar programmet."
NEW_PARAGRAPH = "Här börjar programmet – i din egen takt, en modul i veckan."
OLD_QUESTION = "Vad vill du förändra?"
NEW_QUESTION = "Vad vill du förändra i hur du hanterar konflikter?"
ANSWER = "Jag vill sluta höja rösten när jag blir arg."


def _body() -> list[dict[str, object]]:
    return [
        {"type": "text", "value": f"<p>{OLD_PARAGRAPH}</p>", "id": TEXT_ID},
        {
            "type": "reflection",
            "value": {"question": OLD_QUESTION, "help_text": ""},
            "id": REFLECTION_ID,
        },
    ]


def test_editor_revises_paragraph_and_question_and_the_answer_stays(
    page: Page, base_url: str
) -> None:
    with SERVER_LOCK:
        module = cms_module(_body())
        programme = module.get_parent().specific
        user_with_key("editor@example.org", [Role.EDITOR], EDITOR_KEY, name="Erik")
        user_with_key("lead@example.org", [Role.CLINICAL_LEAD], LEAD_KEY, name="Karin")
        therapist = make_user("therapist@example.org", [Role.THERAPIST], enrolled=False)
        participant = user_with_key(
            "participant@example.org", [Role.PARTICIPANT], PARTICIPANT_KEY, name="Alex"
        )
        enrollment = enrollment_create(
            actor=therapist, participant=participant, programme=programme, therapist=therapist
        )
        enrollment_start(enrollment=enrollment)  # opens the first (and only) module
        save_answer(participant, enrollment, module, REFLECTION_ID, ANSWER)
    edit_url = f"{base_url}/cms/pages/{module.pk}/edit/"
    module_url = f"{base_url}/participant/modules/{module.translation_key}/"

    console_errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    page.on("console", record)

    # 1. The editor logs in with both factors and opens the module.
    log_in(page, base_url, "editor@example.org", EDITOR_KEY)
    page.goto(edit_url)
    text_block = page.locator(f"#block-{TEXT_ID}-content")
    paragraph = text_block.locator(".Draftail-Editor [contenteditable=true]")
    question = page.locator(f"#block-{REFLECTION_ID}-content input[name$='-value-question']")
    expect(paragraph).to_have_text(OLD_PARAGRAPH)
    expect(question).to_have_value(OLD_QUESTION)

    # 2. Rewrite the paragraph in Draftail (it keeps its own state: type as a person does)
    #    and the question in its text field.
    paragraph.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(NEW_PARAGRAPH)
    expect(paragraph).to_have_text(NEW_PARAGRAPH)
    # Draftail writes its content into the block's hidden input, which is what gets posted.
    expect(text_block.locator("[data-streamfield-widget] > input[type=hidden]")).to_have_value(
        re.compile(re.escape(f'"text":"{NEW_PARAGRAPH}"'))
    )
    question.fill(NEW_QUESTION)

    # 3. Preview: the side panel posts the form to the preview endpoint and frames the result.
    preview_toggle = page.locator("button[data-side-panel-toggle=preview]")
    preview_toggle.click()
    expect(preview_toggle).to_have_attribute("aria-expanded", "true")
    # Wagtail swaps in a new iframe when one has loaded; the id moves to the loaded one.
    preview = page.frame_locator("#w-preview-iframe")
    expect(preview.locator("#module-title")).to_have_text("Välkommen")
    expect(preview.locator(".block.block-text > .block-text")).to_have_text(NEW_PARAGRAPH)
    expect(preview.locator(f"label[for='answer-{REFLECTION_ID}']")).to_have_text(NEW_QUESTION)
    expect(preview.locator("main")).not_to_contain_text(OLD_PARAGRAPH)
    # The participant template, help box included, with the preview note and no one's answer.
    expect(preview.locator("#help-box-title")).to_be_visible()
    expect(preview.locator("main .message-info[role=note]")).to_contain_text("Förhandsvisning")
    expect(preview.locator(f"textarea[name='answer-{REFLECTION_ID}']")).to_have_value("")
    screenshot(page, "editor-streamfield-preview.png")
    preview.locator("#help-box-title").scroll_into_view_if_needed()
    screenshot(page, "editor-streamfield-preview-help-box.png")
    blocked = [e for e in console_errors if "Content Security Policy" in e]
    assert blocked == [], blocked
    with SERVER_LOCK:
        # Wagtail 8 may already have autosaved a draft revision; the live page is untouched.
        assert ModulePage.objects.get(pk=module.pk).body[1].value["question"] == OLD_QUESTION

    # 4. Save the draft, then submit it to the clinical review.
    page.locator("footer button.action-save").click()
    path_is(page, base_url, f"/cms/pages/{module.pk}/edit/")
    expect(question).to_have_value(NEW_QUESTION)
    expect(paragraph).to_have_text(NEW_PARAGRAPH)
    with SERVER_LOCK:
        module.refresh_from_db()
        assert module.has_unpublished_changes
        assert module.body[1].value["question"] == OLD_QUESTION  # live content: unchanged
    submit_for_review(page, base_url, programme.pk)
    screenshot(page, "editor-streamfield-submitted.png")
    log_out(page, base_url)

    # 5. The clinical lead approves; the revision goes live.
    log_in(page, base_url, "lead@example.org", LEAD_KEY)
    approve_in_editor(page, edit_url)
    with SERVER_LOCK:
        live = ModulePage.objects.get(pk=module.pk)
        assert live.live and not live.has_unpublished_changes and not live.workflow_in_progress
        # The blocks kept their ids, so the stored answer still belongs to the question.
        assert [(b.id, b.block_type) for b in live.body] == [
            (TEXT_ID, "text"),
            (REFLECTION_ID, "reflection"),
        ]
        assert live.body[1].value["question"] == NEW_QUESTION
        assert Answer.objects.get(enrollment=enrollment, block_id=REFLECTION_ID).value == ANSWER
    log_out(page, base_url)

    # 6. The participant opens the module: the revised text, with their own earlier answer.
    log_in(page, base_url, "participant@example.org", PARTICIPANT_KEY)
    page.goto(module_url)
    expect(page.locator("#module-title")).to_have_text("Välkommen")
    expect(page.locator(".block.block-text > .block-text")).to_have_text(NEW_PARAGRAPH)
    block = page.locator(f"[data-block-id='{REFLECTION_ID}']")
    expect(block.locator(f"label[for='answer-{REFLECTION_ID}']")).to_have_text(NEW_QUESTION)
    expect(block.locator(f"textarea[name='answer-{REFLECTION_ID}']")).to_have_value(ANSWER)
    expect(page.locator("main")).not_to_contain_text(OLD_QUESTION)
    expect(page.locator("#help-box-title")).to_be_visible()
    screenshot(page, "participant-revised-module.png")
