"""Journey: an editor revises a module in /cms/, saves a draft, previews it and submits it to
the clinical review; a clinical lead approves it in the admin, and the change is live."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from accounts.models import Role, User
from tests.helpers import (
    SERVER_LOCK,
    TOTP_KEY,
    approve_in_editor,
    cms_module,
    log_in,
    log_out,
    make_user,
    path_is,
    screenshot,
    submit_for_review,
)

pytestmark = pytest.mark.browser

LEAD_KEY = "3837363534333231303938373635343332313039"  # not the editor's: no wait for a new step
NEW_TITLE = "Välkommen – reviderad"


def test_editor_submits_and_clinical_lead_approves(page: Page, base_url: str) -> None:
    with SERVER_LOCK:
        module = cms_module(
            [
                {
                    "type": "heading",
                    "value": "Om Omtag",
                    "id": "11111111-1111-4111-8111-111111111111",
                },
                {
                    "type": "reflection",
                    "value": {"question": "Vad vill du förändra?", "help_text": ""},
                    "id": "22222222-2222-4222-8222-222222222222",
                },
            ]
        )
        editor = make_user("editor@example.org", [Role.EDITOR], name="Erik")
        lead: User = make_user("lead@example.org", [Role.CLINICAL_LEAD], enrolled=False)
        TOTPDevice.objects.create(user=lead, name="app", key=LEAD_KEY, confirmed=True)
        assert TOTPDevice.objects.get(user=editor).key == TOTP_KEY
        programme_pk = module.get_parent().pk
    edit_url = f"{base_url}/cms/pages/{module.pk}/edit/"

    # 1. The editor opens the module and changes its title.
    log_in(page, base_url, "editor@example.org", TOTP_KEY)
    page.goto(edit_url)
    title = page.locator("#id_title")
    expect(title).to_have_value("Välkommen")
    title.fill(NEW_TITLE)

    # 2. Save a draft (the footer's main button for someone who may not publish).
    page.locator("footer button.action-save").click()
    path_is(page, base_url, f"/cms/pages/{module.pk}/edit/")
    expect(page.locator("#id_title")).to_have_value(NEW_TITLE)
    screenshot(page, "editor-draft-saved.png")
    with SERVER_LOCK:
        module.refresh_from_db()
        assert module.title == "Välkommen" and module.has_unpublished_changes

    # 3. The draft as a participant would see it (the participant template).
    response = page.request.get(f"{base_url}/cms/pages/{module.pk}/view_draft/")
    assert response.ok
    draft_html = response.text()
    assert NEW_TITLE in draft_html and 'id="help-box-title"' in draft_html

    # 4. Submit to the clinical review from the footer's action menu.
    submit_for_review(page, base_url, programme_pk)
    screenshot(page, "editor-submitted.png")
    with SERVER_LOCK:
        module.refresh_from_db()
        assert module.workflow_in_progress and module.title == "Välkommen"
    log_out(page, base_url)

    # 5. The clinical lead sees it awaiting review and approves it in the editor.
    log_in(page, base_url, "lead@example.org", LEAD_KEY)
    page.goto(base_url + "/cms/")
    expect(page.locator("main")).to_contain_text(NEW_TITLE)
    screenshot(page, "lead-dashboard.png")
    approve_in_editor(page, edit_url)
    screenshot(page, "lead-approved.png")

    with SERVER_LOCK:
        module.refresh_from_db()
        assert module.title == NEW_TITLE and module.live
        assert not module.has_unpublished_changes and not module.workflow_in_progress
