"""axe-core on a seeded module's edit page in /cms/, as an editor sees it, at laptop and phone
width: zero critical and zero serious violations, and our blocks' fields speak Swedish.

Wagtail names a StructBlock's fields with <label for>, but not a block placed directly in the
stream (a heading), not a ListBlock's items (checklist options) and not the rich-text editor's
text box; our blocks put their label on those inputs (content/blocks.py). axe-core comes
from node_modules (package.json; `make test` installs it), never from a CDN.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from content.models import ModulePage
from content.seed import seed_programme
from tests.helpers import REPO_ROOT, SERVER_LOCK, log_in, screenshot, user_with_key

pytestmark = pytest.mark.browser

AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
EDITOR_KEY = "7172737475767778797a7b7c7d7e7f8081828384"

# The seeded modules whose bodies hold every kind of block the seed uses: headings, text,
# callouts, reflections, worksheets, scales and the time-out plan (Välkommen), checklists
# (Våld), single choice (Alternativ).
MODULES = ["valkommen", "vald", "alternativ"]
WIDTHS = [(1280, 900), (375, 800)]

# Elements of Wagtail's own chrome, outside our blocks, that fail a rule: each excluded by
# selector, with the reason. None fails a critical or serious rule in Wagtail 8.0.1 today;
# add one here only with its reason, never a selector inside the body field.
EXCLUDED: dict[str, str] = {}

BODY = "[data-contentpath='body']"


def _require_axe() -> Path:
    if AXE.exists():
        return AXE
    message = f"{AXE} is missing: run `npm install` (make test does)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: may not be skipped)", pytrace=False)
    pytest.skip(message)


def _serious(page: Page) -> list[dict]:
    options = {"resultTypes": ["violations"]}
    context = {"include": [["html"]], "exclude": [[selector] for selector in EXCLUDED]}
    result = page.evaluate(
        f"async () => (await axe.run({json.dumps(context)}, {json.dumps(options)})).violations"
        ".filter(v => v.impact === 'critical' || v.impact === 'serious')"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return list(result)


def test_a_module_edit_page_passes_axe_and_speaks_swedish(page: Page, base_url: str) -> None:
    axe_source = _require_axe().read_text()
    with SERVER_LOCK:
        seed_programme()
        user_with_key("editor@example.org", [Role.EDITOR], EDITOR_KEY, name="Erik")
        modules = {
            slug: ModulePage.objects.get(slug=slug, locale__language_code="sv") for slug in MODULES
        }
    log_in(page, base_url, "editor@example.org", EDITOR_KEY)

    found: list[str] = []
    for slug, module in modules.items():
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{base_url}/cms/pages/{module.pk}/edit/")
            body = page.locator(BODY)
            expect(body).to_be_visible()
            # Our blocks are drawn (client-side), with their fields: axe sees them.
            expect(body.locator("[data-streamfield-child]").first).to_be_attached()
            assert body.locator("input[type=text], textarea, [contenteditable=true]").count() > 5
            if slug == "vald":
                # The blocks' fields are named in Swedish: a checklist's question and its
                # options, a heading, a text.
                expect(body.get_by_role("textbox", name="Fråga").first).to_be_attached()
                expect(body.get_by_role("textbox", name="Alternativ").first).to_be_attached()
                expect(body.get_by_role("textbox", name="Rubrik").first).to_be_attached()
                expect(body.get_by_role("textbox", name="Text").first).to_be_attached()
            # No "Promote" tab on this closed site.
            expect(page.get_by_role("tab", name="Marknadsför")).to_have_count(0)
            page.evaluate(axe_source)
            for violation in _serious(page):
                found.append(f"{slug} at {width}px: {violation}")
            if width == 375 and slug == "vald":
                screenshot(page, "cms-module-edit-375")
    # Leave the editor, so that its background requests (editing-session pings) stop before
    # the live server's database is flushed.
    page.goto("about:blank")
    assert not found, "\n".join(found)
