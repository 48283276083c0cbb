"""Where programme and module pages may be created, and that Wagtail never serves them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory
from wagtail.models import Page

from content.models import ModulePage, ProgramPage
from tests.helpers import PAGE_BODY, make_module


def test_programme_only_under_the_root(programme):
    root = Page.get_first_root_node()
    assert ProgramPage.can_create_at(root)
    assert not ProgramPage.can_create_at(programme)
    assert ProgramPage.allowed_subpage_models() == [ModulePage]


def test_module_only_under_a_programme(programme):
    root = Page.get_first_root_node()
    module = make_module(programme, PAGE_BODY)
    assert ModulePage.can_create_at(programme)
    assert not ModulePage.can_create_at(root)
    assert not ModulePage.can_create_at(module)
    assert ModulePage.allowed_parent_page_models() == [ProgramPage]
    assert ModulePage.allowed_subpage_models() == []


def test_default_unlock_rule_is_the_therapist(programme):
    assert make_module(programme, []).unlock_rule == "therapist"


@pytest.mark.parametrize("user_kind", ["anonymous", "editor"])
def test_wagtail_never_serves_a_module_or_the_programme(programme, editor, user_kind):
    module = make_module(programme, PAGE_BODY)
    request = RequestFactory().get("/")
    request.user = AnonymousUser() if user_kind == "anonymous" else editor
    with pytest.raises(Http404):
        module.serve(request)
    with pytest.raises(Http404):
        programme.serve(request)


def test_preview_renders_as_the_participant_sees_it_with_empty_answers(programme, editor):
    module = make_module(programme, PAGE_BODY)
    request = RequestFactory().get("/")
    request.user = editor
    response = module.serve_preview(request, "")
    response.render()
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 id="module-title">Module</h1>' in html
    assert 'name="answer-22222222-2222-4222-8222-222222222222"' in html
    assert 'name="answer-33333333-3333-4333-8333-333333333333-1"' in html
    # Empty answers: every textarea closes right after it opens.
    assert html.count("<textarea") == 3
    assert html.count("></textarea>") == 3
    # The same help box every participant page has (safety rule 5).
    assert 'id="help-box-title"' in html


def test_programme_preview_lists_its_modules(programme, editor):
    make_module(programme, PAGE_BODY)
    request = RequestFactory().get("/")
    request.user = editor
    response = programme.serve_preview(request, "")
    response.render()
    assert "Module" in response.content.decode()


def test_view_draft_in_the_admin_uses_the_participant_template(programme, editor):
    from tests.helpers import verified_client

    module = make_module(programme, PAGE_BODY)
    editor.is_superuser = True  # page permissions are granted by a later seed step
    editor.save(update_fields=["is_superuser"])
    response = verified_client(editor).get(f"/cms/pages/{module.pk}/view_draft/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="module-title"' in html and 'id="help-box-title"' in html
    assert html.count("></textarea>") == 3


def test_preview_panel_may_frame_the_preview_and_nothing_else(programme, editor):
    """The editor's preview side panel frames /edit/preview/. Our CSP says frame-ancestors
    'none', which a browser obeys over the view's X-Frame-Options: SAMEORIGIN, so the
    preview response (rendered by Wagtail through the middleware chain a second time) must
    say 'self'; every other page keeps 'none'."""
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text
    from wagtail.test.utils.form_data import streamfield as stream

    from tests.helpers import verified_client

    module = make_module(programme, PAGE_BODY)
    editor.is_superuser = True  # page permissions are granted by a later seed step
    editor.save(update_fields=["is_superuser"])
    client = verified_client(editor)
    url = f"/cms/pages/{module.pk}/edit/preview/"
    form = nested_form_data(
        {
            "title": "Module",
            "slug": module.slug,
            "theme": "other",
            "summary": "Summary",
            "estimated_minutes": 30,
            "unlock_rule": "therapist",
            "body": stream([("text", rich_text("<p>Revised paragraph</p>"))]),
            "comments": inline_formset([]),
        }
    )
    assert client.post(url, form).json() == {"is_valid": True, "is_available": True}

    response = client.get(url, {"in_preview_panel": "true"})
    assert response.status_code == 200
    assert "Revised paragraph" in response.content.decode()
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    directives = [d.strip() for d in response["Content-Security-Policy"].split(";")]
    assert [d for d in directives if d.startswith("frame-ancestors")] == ["frame-ancestors 'self'"]
    assert "script-src 'self'" in directives  # the rest of the policy is untouched

    edit = client.get(f"/cms/pages/{module.pk}/edit/")
    assert "frame-ancestors 'none'" in edit["Content-Security-Policy"]
    assert edit["X-Frame-Options"] == "DENY"
