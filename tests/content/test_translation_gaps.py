"""A translation that lacks an exercise the original gained: the editor is told in the page
editor and can copy the missing exercises in (same block ids, the original's words) as a new
draft to translate."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import Locale

from accounts.models import Role
from content.models import ModulePage
from content.translation import missing_exercises
from tests.helpers import LOGIN, make_module, make_user, outcome_of, verified_client

pytestmark = pytest.mark.django_db

ADDED_ID = "88888888-8888-4888-8888-888888888888"
BODY = [
    {"type": "text", "value": "<p>Läs det här.</p>", "id": "11111111-1111-4111-8111-111111111111"},
    {
        "type": "reflection",
        "value": {"question": "Vad hände?"},
        "id": "22222222-2222-4222-8222-222222222222",
    },
]


@pytest.fixture
def pages(programme):
    """A Swedish module translated into English, and then given one more exercise in
    Swedish: (the Swedish original, the English translation)."""
    module = make_module(programme, BODY)
    english = Locale.objects.get_or_create(language_code="en")[0]
    programme.copy_for_translation(english).save_revision().publish()
    translation = module.copy_for_translation(english)
    translation.title = "Module in English"
    translation.save_revision().publish()
    module.body = [
        *module.body.raw_data,
        {"type": "reflection", "value": {"question": "Bara på svenska?"}, "id": ADDED_ID},
        {"type": "text", "value": "<p>Ny text, ingen övning.</p>", "id": ADDED_ID[:-1] + "9"},
    ]
    module.save_revision().publish()
    return ModulePage.objects.get(pk=module.pk), ModulePage.objects.get(pk=translation.pk)


@pytest.fixture
def editor():
    return make_user("editor@example.org", [Role.EDITOR])


def test_only_the_missing_exercise_counts_not_text_and_not_on_the_original(pages):
    original, translation = pages
    assert [c.id for c in missing_exercises(translation)] == [ADDED_ID]
    assert missing_exercises(original) == []


def test_the_editor_sees_the_gap_in_the_translation_and_copies_it_in(pages, editor):
    original, translation = pages
    client = verified_client(editor)
    url = reverse("content:translation_gaps", args=[translation.pk])
    edit = client.get(f"/cms/pages/{translation.pk}/edit/").content.decode()
    assert "Bara på svenska?" in edit and url in edit
    # The original's own editor says nothing of it.
    assert url not in client.get(f"/cms/pages/{original.pk}/edit/").content.decode()

    asked = client.get(url)
    assert asked.status_code == 200 and "Bara på svenska?" in asked.content.decode()
    done = client.post(url)
    assert done.status_code == 302 and done["Location"] == f"/cms/pages/{translation.pk}/edit/"

    draft = ModulePage.objects.get(pk=translation.pk).get_latest_revision_as_object()
    assert [c.id for c in draft.body][-1] == ADDED_ID
    assert draft.body[-1].value["question"] == "Bara på svenska?"
    assert draft.title == "Module in English"  # the rest of the translation as it was
    live = ModulePage.objects.get(pk=translation.pk)
    assert ADDED_ID not in {c.id for c in live.body}  # nothing published
    assert live.has_unpublished_changes
    # In step now: the editor no longer sees the notice, and a second copy adds nothing.
    assert url not in client.get(f"/cms/pages/{translation.pk}/edit/").content.decode()
    revisions = live.revisions.count()
    assert client.post(url).status_code == 302
    assert ModulePage.objects.get(pk=translation.pk).revisions.count() == revisions


def test_the_copy_goes_into_the_editors_latest_draft(pages, editor):
    _original, translation = pages
    draft = translation.get_latest_revision_as_object()
    draft.title = "A better English title"
    draft.save_revision(user=editor)
    verified_client(editor).post(reverse("content:translation_gaps", args=[translation.pk]))
    latest = ModulePage.objects.get(pk=translation.pk).get_latest_revision_as_object()
    assert latest.title == "A better English title"
    assert ADDED_ID in {c.id for c in latest.body}


@pytest.mark.parametrize("who", ["therapist", "participant", "anonymous"])
def test_nobody_but_editors_may_copy(pages, who, client):
    _original, translation = pages
    url = reverse("content:translation_gaps", args=[translation.pk])
    if who != "anonymous":
        client = verified_client(make_user(f"{who}@example.org", [who]))
    response = client.post(url)
    assert outcome_of(response) == (LOGIN if who == "anonymous" else 404)
    latest = ModulePage.objects.get(pk=translation.pk).get_latest_revision_as_object()
    assert ADDED_ID not in {c.id for c in latest.body}
