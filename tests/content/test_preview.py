"""The editor's preview of a module is the participant's page: the participant's header and
help box around the same template, empty answers, and nothing that acts as the editor."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from wagtail.models import Locale

from content.models import ModulePage
from tests.helpers import PAGE_BODY, check_accessibility, make_module, module_form, verified_client


@pytest.fixture
def cms_editor(editor):
    editor.is_superuser = True  # page permissions are granted by a later seed step
    editor.save(update_fields=["is_superuser"])
    return editor


def _preview(client, module: ModulePage, title: str = "Module") -> str:
    """The preview as the side panel and the new-tab preview get it: post the edit form's
    state, then fetch the page Wagtail renders from it."""
    url = f"/cms/pages/{module.pk}/edit/preview/"
    form = module_form(title, slug=module.slug)
    assert client.post(url, form).json()["is_valid"] is True
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _header(html: str) -> str:
    return html[html.index("<header") : html.index("</header>")]


def test_preview_has_the_participants_header_and_help_box_not_the_editors(programme, cms_editor):
    module = make_module(programme, PAGE_BODY)
    html = _preview(verified_client(cms_editor), module)
    header = _header(html)

    # The participant's navigation, in the participant's order ("My treatment" first).
    labels = re.findall(r'<a aria-disabled="true">([^<]+)</a>', header)
    assert labels[0] == "Min behandling"
    assert "Konto och säkerhet" in labels
    assert "Logga ut" in header

    # None of the editor's own navigation, and nothing that would act on their session:
    # no link anywhere in the header, no form (log-out, language), no CSRF token.
    assert "Innehåll" not in header  # the editor's "Content"
    assert "href=" not in header
    assert "<form" not in header
    for url in (
        reverse("content:editor_home"),
        reverse("account_logout"),
        reverse("accounts:security"),
        reverse("set_language"),
    ):
        assert f'"{url}"' not in html, url

    # The help box every participant page has (safety rule 5).
    assert 'id="help-box-title"' in html
    assert 'href="tel:112"' in html and "020-555 666" in html
    assert "läses inte i realtid" in html
    check_accessibility(html, "preview")  # one h1, a language, a skip link, every field labelled


def test_preview_shows_the_exercises_empty_and_saves_nothing(programme, cms_editor):
    module = make_module(programme, PAGE_BODY)
    # The module as stored (a reflection and a two-field worksheet), through the admin's
    # "view draft", which calls the same serve_preview as the preview panel.
    html = verified_client(cms_editor).get(f"/cms/pages/{module.pk}/view_draft/")
    html = html.content.decode()
    assert 'name="answer-22222222-2222-4222-8222-222222222222"' in html
    assert html.count("<textarea") == 3 and html.count("></textarea>") == 3
    # No form that could post the answers anywhere (the preview URL included), no version
    # fields, no autosave, the buttons shown but disabled.
    main = html[html.index("<main") : html.index("</main>")]
    assert "<form" not in main and "csrfmiddlewaretoken" not in main
    assert 'name="version-' not in main and "data-autosave-url" not in main
    assert "autosave.js" not in html
    assert main.count("disabled") == 2  # "Save my answers" and "I am done with this module"


def test_preview_says_where_the_module_stands_like_the_participants_page(programme, cms_editor):
    make_module(programme, PAGE_BODY, slug="first")
    second = make_module(programme, PAGE_BODY, slug="second")
    html = _preview(verified_client(cms_editor), second)
    assert "Modul 2 av 2" in html


def test_preview_leaves_the_editors_messages_for_the_admin(programme, cms_editor):
    module = make_module(programme, PAGE_BODY)
    client = verified_client(cms_editor)
    # Saving a draft leaves a message ("Page 'Saved draft' has been updated") for the
    # admin's next page; rendering the preview must neither show nor consume it.
    saved = client.post(f"/cms/pages/{module.pk}/edit/", module_form("Saved draft", slug="m"))
    assert saved.status_code == 302
    html = _preview(client, module, "Saved draft")
    assert 'class="messages"' not in html
    edit = client.get(saved["Location"]).content.decode()
    assert "Sida &#x27;Saved draft&#x27; har blivit uppdaterad" in edit


def test_an_english_module_is_previewed_in_english(programme, cms_editor):
    module = make_module(programme, PAGE_BODY)
    english = Locale.objects.get_or_create(language_code="en")[0]
    programme.copy_for_translation(english).save_revision().publish()
    translated = module.copy_for_translation(english)
    translated.save_revision().publish()
    response = verified_client(cms_editor).get(f"/cms/pages/{translated.pk}/view_draft/")
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "My treatment" in _header(page) and "Log out" in _header(page)
    assert "Need help right now?" in page and "not read in real time" in page
    assert "Save my answers" in page
