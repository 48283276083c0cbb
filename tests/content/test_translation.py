"""Editors translate pages in the CMS (Wagtail's simple_translation): a new Swedish module
gets its English draft under the English programme."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import Locale

from accounts.models import Role
from content.models import ModulePage, ProgramPage
from tests.helpers import make_user, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_programme", stdout=StringIO())
    return ProgramPage.objects.get(locale__language_code="sv")


def test_an_editor_translates_a_new_module_into_english(seeded):
    editor = make_user("ed@example.org", [Role.EDITOR])
    module = ModulePage(title="Ny modul", slug="ny-modul", summary="Kort", body=[])
    seeded.add_child(instance=module)
    english = Locale.objects.get(language_code="en")
    assert not ModulePage.objects.filter(locale=english, slug="ny-modul").exists()
    response = verified_client(editor).post(
        f"/cms/translation/submit/page/{module.pk}/", {"locales": [english.pk]}
    )
    assert response.status_code == 302
    copy = ModulePage.objects.get(translation_key=module.translation_key, locale=english)
    # A draft under the English programme, for the editor to translate and submit for review.
    assert copy.get_parent().specific.locale == english and not copy.live


def test_an_editor_may_translate_and_a_therapist_may_not(seeded):
    editor = make_user("ed@example.org", [Role.EDITOR])
    therapist = make_user("th@example.org", [Role.THERAPIST])
    module = ModulePage.objects.child_of(seeded).first()
    url = f"/cms/translation/submit/page/{module.pk}/"
    assert verified_client(editor).get(url).status_code == 200
    assert verified_client(therapist).get(url).status_code in (302, 403, 404)
