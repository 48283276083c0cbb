"""What an editor meets in /cms/ and /editor/: Swedish block fields, no Wagtail placeholder
page, the modules in programme order, no "Promote" tab, and a landing page that lists what
they can act on now."""

from __future__ import annotations

import importlib
import re
from html import unescape
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.utils import translation
from wagtail import blocks as wagtail_blocks
from wagtail.models import Locale, Page, Site, TaskState

from content.blocks import ModuleBodyBlock
from content.models import HelpSettings, ModulePage
from content.seed import attach_review_workflow, review_workflow
from tests.helpers import make_module, module_form, verified_client

pytestmark = pytest.mark.django_db

WELCOME = "Welcome to your new Wagtail site!"
MIGRATION = "content.migrations.0008_remove_wagtail_welcome_page"


def _all_blocks(block: wagtail_blocks.Block) -> list[wagtail_blocks.Block]:
    found = [block]
    for child in getattr(block, "child_blocks", {}).values():
        found += _all_blocks(child)
    if isinstance(block, wagtail_blocks.ListBlock):
        found += _all_blocks(block.child_block)
    return found


def test_every_field_of_our_blocks_has_a_label_of_our_own():
    # Wagtail makes a label from the field's name ("Question", "Min label") when none is
    # given: English whatever the editor's language. Every one of ours is marked instead.
    body = ModuleBodyBlock()
    unlabelled = [
        f"{block.__class__.__name__}.{block.name}"
        for block in _all_blocks(body)[1:]
        if not block.meta.label
    ]
    assert unlabelled == []


def test_the_block_fields_read_in_swedish():
    body = ModuleBodyBlock()
    checklist = body.child_blocks["checklist"]
    with translation.override("sv"):
        assert str(checklist.child_blocks["question"].label) == "Fråga"
        assert str(checklist.child_blocks["options"].label) == "Alternativ"
        assert str(checklist.child_blocks["options"].child_block.label) == "Alternativ"
        assert str(body.child_blocks["homework"].child_blocks["task"].label) == "Uppgift"
        assert str(body.child_blocks["reflection"].child_blocks["help_text"].label) == "Hjälptext"
        help_text = body.child_blocks["single_choice"].child_blocks["options"].meta.help_text
        assert str(help_text) == "Deltagaren väljer ett av dem."


def test_inputs_without_a_label_element_are_named_by_their_label(editor, programme):
    module = make_module(
        programme,
        [
            {"type": "heading", "value": "Rubriken", "id": "a1111111-1111-4111-8111-111111111111"},
            {
                "type": "checklist",
                "value": {"question": "Vad stämmer?", "options": ["Ett", "Två"]},
                "id": "a2222222-2222-4222-8222-222222222222",
            },
            {"type": "text", "value": "<p>Text</p>", "id": "a3333333-3333-4333-8333-333333333333"},
        ],
    )
    page = verified_client(editor).get(f"/cms/pages/{module.pk}/edit/").content.decode()
    # The block definitions sent to the page's script carry the names, in Swedish.
    definitions = unescape(page)
    assert 'aria-label=\\"Rubrik\\"' in definitions  # a heading straight in the stream
    assert 'aria-label=\\"Alternativ\\"' in definitions  # a checklist's option
    assert '"ariaLabel": "Text"' in definitions  # the rich-text editor's text box
    assert '"ariaLabel": "Uppgift"' in definitions  # the homework's task, a rich text too


def test_the_wagtail_placeholder_page_is_gone_and_the_site_and_help_box_stay():
    assert not Page.objects.filter(title=WELCOME).exists()
    site = Site.objects.get(is_default_site=True)
    assert site.root_page.depth == 1


def test_the_migration_removes_the_placeholder_on_an_existing_database():
    migration = importlib.import_module(MIGRATION)

    root = Page.get_first_root_node()
    welcome = root.add_child(instance=Page(title=WELCOME, slug="home"))
    Site.objects.update(root_page=welcome)
    site = Site.objects.get(is_default_site=True)
    settings = HelpSettings.for_site(site)
    settings.emergency_number = "112 (kept)"
    settings.save()

    migration.remove_welcome_page(django_apps, None)

    assert not Page.objects.filter(pk=welcome.pk).exists()
    site.refresh_from_db()
    assert site.root_page_id == root.pk
    assert HelpSettings.for_site(site).emergency_number == "112 (kept)"
    root.refresh_from_db()
    assert root.numchild == root.get_children().count()
    assert Page.find_problems() == ([], [], [], [], [])


def test_the_migration_keeps_a_placeholder_that_was_made_into_something(programme):
    migration = importlib.import_module(MIGRATION)

    root = Page.get_first_root_node()
    used = root.add_child(instance=Page(title=WELCOME, slug="home"))
    used.add_child(instance=Page(title="Below", slug="below"))
    migration.remove_welcome_page(django_apps, None)
    assert Page.objects.filter(pk=used.pk).exists()


def _titles_in_order(html: str, titles: list[str]) -> list[str]:
    positions = {title: html.find(title) for title in titles}
    assert all(p >= 0 for p in positions.values()), positions
    return sorted(titles, key=positions.__getitem__)


def test_the_cms_lists_a_programmes_modules_in_programme_order(editor, programme):
    first = make_module(programme, [], slug="first")
    first.title = "Modul ett"
    first.save_revision().publish()
    second = make_module(programme, [], slug="second")
    second.title = "Modul två"
    second.save_revision().publish()
    # The first module is the one changed last: by date it would be listed first anyway,
    # so change the second after it.
    second.save_revision()
    html = verified_client(editor).get(f"/cms/pages/{programme.pk}/").content.decode()
    assert _titles_in_order(html, ["Modul två", "Modul ett"]) == ["Modul ett", "Modul två"]


def test_no_promote_tab_and_a_new_module_gets_its_slug_from_the_title(editor, programme):
    client = verified_client(editor)
    add = client.get(f"/cms/pages/add/content/modulepage/{programme.pk}/").content.decode()
    assert "Marknadsför" not in add and 'name="slug"' not in add
    assert 'name="title"' in add
    response = client.post(
        f"/cms/pages/add/content/modulepage/{programme.pk}/",
        module_form("Att lyssna"),
    )
    assert response.status_code == 302
    module = ModulePage.objects.get(title="Att lyssna")
    assert module.slug == "att-lyssna"
    # A second module of the same title is not refused for its slug.
    response = client.post(
        f"/cms/pages/add/content/modulepage/{programme.pk}/",
        module_form("Att lyssna"),
    )
    assert response.status_code == 302
    assert ModulePage.objects.filter(title="Att lyssna").count() == 2
    edit = client.get(f"/cms/pages/{module.pk}/edit/").content.decode()
    assert "Marknadsför" not in edit and "seo_title" not in edit


# --- /editor/ ------------------------------------------------------------------------------


def _links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)">', html)


def test_the_editor_page_lists_their_drafts_but_not_others_or_those_in_review(
    editor, clinical_lead, programme
):
    mine = make_module(programme, [], slug="mine")
    mine.title = "Mitt utkast"
    mine.save_revision(user=editor)
    theirs = make_module(programme, [], slug="theirs")
    theirs.title = "Någon annans"
    theirs.save_revision(user=clinical_lead)
    sent = make_module(programme, [], slug="sent")
    sent.title = "Skickat"
    attach_review_workflow()
    sent.save_revision(user=editor)
    review_workflow().start(sent, editor)

    response = verified_client(editor).get("/editor/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Dina utkast" in html and "Mitt utkast" in html
    assert f"/cms/pages/{mine.pk}/edit/" in _links(html)
    assert "Någon annans" not in html
    assert "Skickat" not in html  # the reviewer's now
    assert "Inget väntar på din granskning." in html  # editors review nothing


def test_the_clinical_lead_sees_what_awaits_their_review(editor, clinical_lead, programme):
    module = make_module(programme, [], slug="review-me")
    module.title = "Granska mig"
    attach_review_workflow()
    module.save_revision(user=editor)
    review_workflow().start(module, editor)
    assert TaskState.objects.filter(status="in_progress").exists()

    html = verified_client(clinical_lead).get("/editor/").content.decode()
    assert "Väntar på din granskning" in html
    assert "Granska mig" in html and f"/cms/pages/{module.pk}/edit/" in _links(html)


def test_the_editor_page_lists_translations_that_lack_exercises(editor, programme):
    module = make_module(programme, [], slug="exercises")
    english_locale, _ = Locale.objects.get_or_create(language_code="en")
    programme.copy_for_translation(english_locale).save_revision().publish()
    translation_page = module.copy_for_translation(english_locale)
    translation_page.save_revision().publish()
    module.body = [
        {
            "type": "reflection",
            "value": {"question": "Ny fråga?", "help_text": ""},
            "id": "b1111111-1111-4111-8111-111111111111",
        }
    ]
    module.save_revision().publish()

    html = verified_client(editor).get("/editor/").content.decode()
    assert "Översättningar som saknar övningar" in html
    assert "saknar en övning" in html
    assert f"/editor/translations/{translation_page.pk}/missing-exercises/" in _links(html)


def test_the_editor_page_says_when_there_is_nothing(editor, programme):
    html = verified_client(editor).get("/editor/").content.decode()
    assert "Du har inga opublicerade utkast." in html
    assert "Alla översättningar har originalets övningar." in html


@pytest.mark.parametrize("role", ["participant", "therapist", "partner_worker", "admin"])
def test_only_editors_and_clinical_leads_reach_the_editor_page(cast: dict[str, Any], role):
    assert verified_client(cast[role]).get("/editor/").status_code in (403, 404)
