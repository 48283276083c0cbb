"""A long module read in parts (content.parts): the part count of the seeded "Våld" module,
moving between parts, bad part numbers, the remembered part, saving one part without losing
another's answers, and finishing a module with exercises still unanswered."""

from __future__ import annotations

import re
from typing import Any

import pytest

from content.models import ModulePage, ProgramPage
from content.parts import RawItem, split_into_parts
from content.seed import load_seed, raw_body
from modules.models import Answer, Enrollment, ModuleProgress, ModuleState
from tests.helpers import enroll, offer_everywhere, verified_client, wagtail_root


def _seed_module(slug: str) -> dict[str, Any]:
    _programme, modules = load_seed()
    return next(m for m in modules if m["slug"] == slug)


def test_the_seeded_vald_module_is_four_parts_split_at_its_headings() -> None:
    data = _seed_module("vald")
    for language in ("sv", "en"):
        parts = split_into_parts([RawItem(b["type"], b["value"]) for b in data[language]["body"]])
        assert len(parts) == 4, language
        # Every part starts at a heading and keeps its exercises with the text before them.
        assert all(part.items[0].block_type == "heading" for part in parts)
    titles = [
        p.title
        for p in split_into_parts([RawItem(b["type"], b["value"]) for b in data["sv"]["body"]])
    ]
    assert titles == [
        "Vad är våld?",
        "Våldets former",
        "Första, värsta och senaste gången",
        "Inför veckan",
    ]


def test_every_seeded_module_has_the_same_parts_in_both_languages() -> None:
    _programme, modules = load_seed()
    for data in modules:
        counts = {
            language: len(
                split_into_parts([RawItem(b["type"], b["value"]) for b in data[language]["body"]])
            )
            for language in ("sv", "en")
        }
        assert counts["sv"] == counts["en"], data["slug"]
        assert 3 <= counts["sv"] <= 8, (data["slug"], counts)


# --- The participant's page ----------------------------------------------------------------


@pytest.fixture
def vald(db: None) -> ModulePage:
    """A programme whose only module is the seeded "Våld" module, in Swedish."""
    data = _seed_module("vald")
    programme = ProgramPage(title="Programmet", slug="programmet", intro="<p>x</p>")
    wagtail_root().add_child(instance=programme)
    programme.save_revision().publish()
    offer_everywhere(programme)
    module = ModulePage(
        title=data["sv"]["title"], slug="vald", body=raw_body("vald", data["sv"]["body"])
    )
    programme.add_child(instance=module)
    module.save_revision().publish()
    return module


@pytest.fixture
def vald_enrollment(vald: ModulePage, participant, therapist) -> Enrollment:
    return enroll(participant, therapist, ProgramPage.objects.get(slug="programmet"))


def url(module: ModulePage, suffix: str = "") -> str:
    return f"/participant/modules/{module.translation_key}/{suffix}"


def blocks_of(module: ModulePage, block_type: str) -> list[Any]:
    return [child for child in module.body if child.block_type == block_type]


def version_fields(page: str) -> set[str]:
    return set(re.findall(r'name="version-([0-9a-f-]+)"', page))


@pytest.mark.django_db
def test_the_module_opens_at_part_one_and_shows_one_part_at_a_time(
    vald, vald_enrollment, participant
):
    client = verified_client(participant)
    page = client.get(url(vald)).content.decode()
    assert "Del 1 av 4" in page
    assert "Vad är våld?" in page
    assert "Den första gången" not in page.split("</details>", 1)[1]  # not part 3's exercise
    assert 'value="next"' in page and 'value="previous"' not in page
    assert "Jag är klar med den här modulen" not in page  # only on the last part
    third = client.get(url(vald) + "?part=3").content.decode()
    assert "Del 3 av 4" in third
    assert "Den första gången" in third and "Den värsta gången" in third
    assert "Våldets former</h2>" not in third  # part 2's heading block is not on the page
    # The form posts only its own part's answers: part 3 has three worksheets and a reflection.
    worksheets = {b.id for b in blocks_of(vald, "worksheet")}
    reflections = {b.id for b in blocks_of(vald, "reflection")}
    assert version_fields(third) == worksheets | reflections
    last = client.get(url(vald) + "?part=4").content.decode()
    assert 'value="next"' not in last and "Jag är klar med den här modulen" in last


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["abc", "-1", "0", "999", "", "2.5", "٣"])
def test_a_bad_part_number_falls_back_to_the_remembered_part_with_a_note(
    vald, vald_enrollment, participant, bad
):
    client = verified_client(participant)
    client.get(url(vald) + "?part=2")
    response = client.get(url(vald), {"part": bad})
    assert response.status_code == 302
    assert response["Location"] == url(vald) + "?part=2"
    page = client.get(response["Location"]).content.decode()
    assert "Del 2 av 4" in page
    assert "Den delen av modulen finns inte" in page


@pytest.mark.django_db
def test_the_module_opens_where_the_participant_left_off(vald, vald_enrollment, participant):
    client = verified_client(participant)
    client.get(url(vald) + "?part=3")
    progress = ModuleProgress.objects.get(enrollment=vald_enrollment, module=vald)
    assert progress.last_part == 3
    # Another day, another device: the module (and the home page's button) opens at part 3.
    again = verified_client(participant).get(url(vald)).content.decode()
    assert "Del 3 av 4" in again and "Den första gången" in again
    # Moving on with the form's "Next part" button remembers the new part too.
    response = client.post(url(vald) + "?part=3", {"part": "3", "go": "next"})
    assert response.status_code == 302 and response["Location"] == url(vald) + "?part=4"
    progress.refresh_from_db()
    assert progress.last_part == 4


@pytest.mark.django_db
def test_answers_in_part_three_are_saved_without_losing_part_twos(
    vald, vald_enrollment, participant
):
    client = verified_client(participant)
    checklist = blocks_of(vald, "checklist")[0]
    options = [str(option) for option in checklist.value["options"]]
    response = client.post(
        url(vald) + "?part=2",
        {"part": "2", f"answer-{checklist.id}": options[:2], f"version-{checklist.id}": "0"},
    )
    assert response.status_code == 302
    assert response["Location"] == url(vald) + "?part=2#part-save"
    page = client.get(response["Location"]).content.decode()
    assert "Dina svar är sparade." in page  # beside the save button, where the reader is
    first = blocks_of(vald, "worksheet")[0]
    third_part_post: dict[str, Any] = {"part": "3", "go": "next"}
    for child in blocks_of(vald, "worksheet") + blocks_of(vald, "reflection"):
        third_part_post[f"version-{child.id}"] = "0"
    third_part_post[f"answer-{first.id}-0"] = "En kväll hemma"
    response = client.post(url(vald) + "?part=3", third_part_post)
    assert response.status_code == 302 and response["Location"] == url(vald) + "?part=4"
    stored = {a.block_id: a.value for a in Answer.objects.filter(enrollment=vald_enrollment)}
    assert stored[checklist.id] == options[:2]
    assert stored[first.id][0] == "En kväll hemma"
    # Part 2's ticks are still on part 2's page.
    page = client.get(url(vald) + "?part=2").content.decode()
    for option in options[:2]:
        assert re.search(r'value="' + re.escape(option) + r'"\s+checked', page), option


@pytest.mark.django_db
def test_unticking_every_box_of_the_posted_part_is_saved(vald, vald_enrollment, participant):
    client = verified_client(participant)
    checklist = blocks_of(vald, "checklist")[0]
    option = str(checklist.value["options"][0])
    client.post(
        url(vald) + "?part=2",
        {"part": "2", f"answer-{checklist.id}": [option], f"version-{checklist.id}": "0"},
    )
    client.post(url(vald) + "?part=2", {"part": "2", f"version-{checklist.id}": "1"})
    assert Answer.objects.get(block_id=checklist.id).value == []


# --- Finishing with exercises unanswered ---------------------------------------------------


@pytest.mark.django_db
def test_finishing_with_empty_exercises_asks_once_and_lists_them_with_links(
    vald, vald_enrollment, participant
):
    client = verified_client(participant)
    checklist = blocks_of(vald, "checklist")[0]
    client.post(
        url(vald) + "?part=2",
        {
            "part": "2",
            f"answer-{checklist.id}": [str(checklist.value["options"][0])],
            f"version-{checklist.id}": "0",
        },
    )
    response = client.post(url(vald, "complete/"))
    assert response.status_code == 200
    page = response.content.decode()
    progress = ModuleProgress.objects.get(enrollment=vald_enrollment, module=vald)
    assert progress.state != ModuleState.COMPLETED
    worksheets = blocks_of(vald, "worksheet")
    homework = blocks_of(vald, "homework")[0]
    for child in worksheets:
        assert f'href="{url(vald)}?part=3#block-{child.id}"' in page
        assert child.value["title"] in page
    assert f'href="{url(vald)}?part=4#block-{homework.id}"' in page
    assert checklist.value["question"] not in page  # answered: not listed
    assert "5 övningar" in page  # three worksheets, the reflection and the homework
    # The link lands on the exercise in its part.
    target = client.get(f"{url(vald)}?part=3").content.decode()
    assert f'id="block-{worksheets[0].id}"' in target
    # The second submit, from the confirmation, finishes the module.
    response = client.post(url(vald, "complete/"), {"confirm": "1"})
    assert response.status_code == 302 and response["Location"] == "/participant/"
    progress.refresh_from_db()
    assert progress.state == ModuleState.COMPLETED


@pytest.mark.django_db
def test_finishing_with_every_exercise_answered_does_not_ask(vald, vald_enrollment, participant):
    from tests.helpers import answer_every_block

    client = verified_client(participant)
    assert client.post(url(vald), answer_every_block(vald)).status_code == 302
    response = client.post(url(vald, "complete/"))
    assert response.status_code == 302
    progress = ModuleProgress.objects.get(enrollment=vald_enrollment, module=vald)
    assert progress.state == ModuleState.COMPLETED


@pytest.mark.django_db
def test_the_editors_preview_shows_every_part_marked(vald, editor):
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    request = RequestFactory().get("/cms/preview/")
    request.user = editor
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    response = vald.serve_preview(request, "")
    assert response.status_code == 200
    page = response.content.decode()
    for number in range(1, 5):
        assert f"Del {number} av 4" in page
    assert "Den första gången" in page and "Inför veckan" in page
    assert 'name="version-' not in page
