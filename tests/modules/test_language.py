"""A participant who reads in English gets the English module pages, with the same answers:
the translation shares the Swedish page's block ids."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from content.models import ModulePage
from content.seed import load_seed
from modules.services import default_programme, enrollment_create, enrollment_start
from tests.helpers import save_answer, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded_enrollment(settings, participant, therapist):
    settings.WAGTAIL_I18N_ENABLED = True
    settings.WAGTAIL_CONTENT_LANGUAGES = [("sv", "Svenska"), ("en", "English")]
    call_command("seed_programme", stdout=StringIO())
    programme = default_programme()
    assert programme is not None and programme.locale.language_code == "sv"
    enrollment = enrollment_create(
        actor=therapist, participant=participant, programme=programme, therapist=therapist
    )
    enrollment_start(enrollment=enrollment)
    return enrollment


def test_the_english_reader_gets_english_pages_and_the_same_answers(seeded_enrollment, participant):
    _, data = load_seed()
    first = data[0]
    module = ModulePage.objects.get(slug=first["slug"], locale__language_code="sv")
    reflection = next(block for block in module.body if block.block_type == "reflection")
    save_answer(participant, seeded_enrollment, module, reflection.id, "Mitt svar", version=0)
    # The module is read in parts (issue 14, item 4): open the part that holds the question.
    from content.parts import split_into_parts

    part = next(
        p.number
        for p in split_into_parts(list(module.body))
        if any(item.id == reflection.id for item in p.items)
    )
    url = reverse("modules:module", args=[module.translation_key]) + f"?part={part}"

    client = verified_client(participant)
    swedish = client.get(url).content.decode()
    assert first["sv"]["title"] in swedish and "Mitt svar" in swedish

    client.cookies["omtag_language"] = "en"
    english = client.get(url).content.decode()
    assert first["en"]["title"] in english
    assert first["sv"]["title"] not in english
    assert "Mitt svar" in english  # the answer belongs to the block, in both languages
    listing = client.get(reverse("modules:module_list")).content.decode()
    assert all(m["en"]["title"] in listing for m in data)


def test_a_question_only_in_the_translation_is_not_reported_saved(participant, therapist):
    """An English translation that an editor has let drift has a question the Swedish
    module lacks. Answers belong to the Swedish blocks: the English reader's text for that
    question is kept in the field with a clear message, never dropped under "saved"."""
    from wagtail.models import Locale

    from modules.models import Answer
    from tests.helpers import make_programme, modules_of

    programme = make_programme(modules=1)
    [module] = modules_of(programme)
    english = Locale.objects.get_or_create(language_code="en")[0]
    programme.copy_for_translation(english).save_revision().publish()
    translated = module.copy_for_translation(english)
    extra_id = "99999999-9999-4999-8999-999999999999"
    translated.body = [
        *translated.body.raw_data,
        {"type": "reflection", "value": {"question": "Only in English?"}, "id": extra_id},
    ]
    translated.save_revision().publish()
    enrollment = enrollment_create(
        actor=therapist, participant=participant, programme=programme, therapist=therapist
    )
    enrollment_start(enrollment=enrollment)
    shared_id = module.body[1].id

    client = verified_client(participant)
    client.cookies["omtag_language"] = "en"
    url = reverse("modules:module", args=[module.translation_key])
    response = client.post(
        url, {f"answer-{shared_id}": "Shared answer", f"answer-{extra_id}": "English only"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Only in English?" in page and "English only" in page
    assert "This question is not part of the module (any more)." in page
    assert Answer.objects.get(enrollment=enrollment, block_id=shared_id).value == "Shared answer"
    assert not Answer.objects.filter(block_id=extra_id).exists()


def test_a_question_only_in_the_original_is_shown_to_the_english_reader(participant, therapist):
    """The Swedish module gained an exercise after it was translated: the English reader
    sees it in the original's words (it is not hidden) and their answer is saved."""
    from wagtail.models import Locale

    from modules.models import Answer
    from tests.helpers import make_programme, modules_of

    programme = make_programme(modules=1)
    [module] = modules_of(programme)
    english = Locale.objects.get_or_create(language_code="en")[0]
    programme.copy_for_translation(english).save_revision().publish()
    module.copy_for_translation(english).save_revision().publish()
    added_id = "88888888-8888-4888-8888-888888888888"
    module.body = [
        *module.body.raw_data,
        {"type": "reflection", "value": {"question": "Bara på svenska?"}, "id": added_id},
    ]
    module.save_revision().publish()
    enrollment = enrollment_create(
        actor=therapist, participant=participant, programme=programme, therapist=therapist
    )
    enrollment_start(enrollment=enrollment)

    client = verified_client(participant)
    client.cookies["omtag_language"] = "en"
    url = reverse("modules:module", args=[module.translation_key])
    assert "Bara på svenska?" in client.get(url).content.decode()
    response = client.post(url, {f"answer-{added_id}": "My answer"})
    assert response.status_code == 302
    assert Answer.objects.get(enrollment=enrollment, block_id=added_id).value == "My answer"
