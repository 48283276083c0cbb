from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from modules import services
from modules.models import Answer, CheckIn, ModuleProgress, ModuleState, RiskSignal
from tests.helpers import (
    answer_every_block,
    make_programme,
    modules_of,
    save_answer,
    verified_client,
)


def url(module, suffix=""):
    return f"/participant/modules/{module.translation_key}/{suffix}"


@pytest.mark.django_db
def test_home_shows_where_the_participant_is(enrollment, programme, participant):
    page = verified_client(participant).get("/participant/").content.decode()
    assert "0 av 3" in page  # finished 0 of 3 modules
    assert "modul 1 av 3" in page
    assert "Module 1" in page and "Module 2" in page
    assert "020-555 666" in page


@pytest.mark.django_db
def test_home_says_when_the_first_checkin_is_due_not_that_it_is_done(enrollment, participant):
    from datetime import timedelta

    from django.utils import timezone

    from tests.helpers import in_english

    client = in_english(verified_client(participant))
    page = client.get("/participant/").content.decode()
    due = timezone.localdate() + timedelta(days=enrollment.checkin_interval_days)
    assert f"Your first check-in is due on {due.day} {due:%B}" in page
    assert "done for this week" not in page
    services.checkin_submit(
        participant=participant,
        enrollment=enrollment,
        answers={
            "violence": "no",
            "violence_kinds": [],
            "closeness": 2,
            "children": "no",
            "home": "calm",
            "harm_thoughts": "no",
            "free_text": "",
        },
    )
    page = client.get("/participant/").content.decode()
    assert "Your check-in is done for this week. The next one is due on" in page


@pytest.mark.django_db
def test_locked_module_answers_403_with_a_friendly_page_and_no_content(
    enrollment, programme, participant
):
    second = modules_of(programme)[1]
    response = verified_client(participant).get(url(second))
    assert response.status_code == 403
    page = response.content.decode()
    assert "låser upp" in page
    assert "What happened?" not in page and "Read this." not in page


@pytest.mark.django_db
def test_module_of_another_programme_or_unknown_is_404(enrollment, participant):
    other = modules_of(make_programme(modules=1))[0]
    client = verified_client(participant)
    assert client.get(url(other)).status_code == 404
    assert client.get(f"/participant/modules/{uuid.uuid4()}/").status_code == 404


@pytest.mark.django_db
def test_other_roles_get_404_on_participant_pages(
    enrollment, programme, therapist, admin_user, editor
):
    first = modules_of(programme)[0]
    for user in (therapist, admin_user, editor):
        client = verified_client(user)
        for path in [
            "/participant/",
            url(first),
            "/participant/checkin/",
            "/participant/checkins/",
        ]:
            assert client.get(path).status_code == 404, (user, path)


@pytest.mark.django_db
def test_another_participant_never_sees_my_answers(
    enrollment, programme, participant, participant2, therapist
):
    first = modules_of(programme)[0]
    save_answer(participant, enrollment, first, first.body[1].id, "my secret answer", version=0)
    other = services.enrollment_create(
        actor=therapist, participant=participant2, programme=programme, therapist=therapist
    )
    services.enrollment_start(enrollment=other)
    page = verified_client(participant2).get(url(first)).content.decode()
    assert "my secret answer" not in page


def _post_all(first):
    b = first.body
    return {
        f"answer-{b[1].id}": "Reflection <script>alert(1)</script>",
        f"answer-{b[2].id}-0": "Situation text",
        f"answer-{b[2].id}-1": "Thought text",
        f"answer-{b[3].id}": ["Shouting", "Threats"],
        f"answer-{b[4].id}": "Leave",
        f"answer-{b[5].id}": "7",
        f"answer-{b[6].id}-warning_signs": "Tight chest",
        f"answer-{b[6].id}-where_i_go": "Outside",
        f"answer-{b[6].id}-calm_down": "Breathe",
        f"answer-{b[6].id}-coming_back": "In an hour",
        f"answer-{b[7].id}": "Homework report",
    }


@pytest.mark.django_db
def test_saving_every_block_type_without_javascript_and_seeing_it_again(
    enrollment, programme, participant
):
    first = modules_of(programme)[0]
    client = verified_client(participant)
    response = client.post(url(first), _post_all(first))
    assert response.status_code == 302
    stored = {a.block_id: a.value for a in Answer.objects.filter(enrollment=enrollment)}
    b = first.body
    assert stored[b[2].id] == ["Situation text", "Thought text"]
    assert stored[b[3].id] == ["Shouting", "Threats"]
    assert stored[b[5].id] == 7
    assert stored[b[6].id]["where_i_go"] == "Outside"
    page = client.get(url(first)).content.decode()
    assert "Reflection &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "Situation text" in page and "Homework report" in page and "In an hour" in page
    assert (
        ModuleProgress.objects.get(enrollment=enrollment, module=first).state == ModuleState.STARTED
    )


@pytest.mark.django_db
def test_autosave_saves_one_block_and_answers_json(enrollment, programme, participant):
    first = modules_of(programme)[0]
    block_id = first.body[1].id
    client = verified_client(participant)
    ok = client.post(
        url(first, "autosave/"),
        {"block_id": block_id, f"answer-{block_id}": "typed", f"version-{block_id}": "0"},
    )
    assert ok.status_code == 200 and ok.json() == {"ok": True, "version": 1}
    stale = client.post(
        url(first, "autosave/"),
        {"block_id": block_id, f"answer-{block_id}": "other tab", f"version-{block_id}": "0"},
    )
    assert stale.status_code == 409
    assert stale.json()["current"] == "typed" and stale.json()["conflict"] is True
    assert Answer.objects.get(block_id=block_id).value == "typed"


@pytest.mark.django_db
def test_stale_save_without_javascript_shows_both_texts_and_loses_nothing(
    enrollment, programme, participant
):
    first = modules_of(programme)[0]
    block_id = first.body[1].id
    client = verified_client(participant)
    client.post(
        url(first, "autosave/"),
        {
            "block_id": block_id,
            f"answer-{block_id}": "saved in tab one",
            f"version-{block_id}": "0",
        },
    )
    response = client.post(
        url(first), {f"answer-{block_id}": "typed in tab two", f"version-{block_id}": "0"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "saved in tab one" in page and "typed in tab two" in page
    assert Answer.objects.get(block_id=block_id).value == "saved in tab one"


@pytest.mark.django_db
def test_bad_input_gets_a_clear_message_and_keeps_the_text(enrollment, programme, participant):
    first = modules_of(programme)[0]
    b = first.body
    client = verified_client(participant)
    too_long = "x" * 20_001
    response = client.post(
        url(first),
        {f"answer-{b[1].id}": too_long, f"answer-{b[5].id}": "12", f"answer-{b[7].id}": "fine"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "20 000" in page  # the limit, in the message
    assert too_long in page  # what they wrote is still in the field
    assert Answer.objects.get(block_id=b[7].id).value == "fine"  # the good answer was saved
    bad_block = client.post(url(first, "autosave/"), {"block_id": "nope", "answer-nope": "x"})
    assert bad_block.status_code == 400 and bad_block.json()["message"]
    junk_version = client.post(
        url(first, "autosave/"),
        {"block_id": b[1].id, f"answer-{b[1].id}": "x", f"version-{b[1].id}": "abc"},
    )
    assert junk_version.status_code == 400


@pytest.mark.django_db
def test_finishing_a_module(enrollment, programme, participant):
    first = modules_of(programme)[0]
    client = verified_client(participant)
    # Nothing answered yet: finishing asks once (item 6 of issue 14), then finishes.
    asked = client.post(url(first, "complete/"))
    assert asked.status_code == 200 and "Vill du avsluta modulen?" in asked.content.decode()
    response = client.post(url(first, "complete/"), {"confirm": "1"})
    assert response.status_code == 302
    assert (
        ModuleProgress.objects.get(enrollment=enrollment, module=first).state
        == ModuleState.COMPLETED
    )


@pytest.mark.django_db
def test_checkin_with_risk_answers_shows_a_calm_page_and_raises_a_signal(enrollment, participant):
    client = verified_client(participant)
    response = client.post(
        "/participant/checkin/",
        {
            "violence": "yes",
            "violence_kinds": ["physical"],
            "closeness": "9",
            "children": "yes",
            "home": "conflict",
            "harm_thoughts": "no",
            "free_text": "Bad week",
        },
        follow=True,
    )
    page = response.content.decode().lower()
    assert response.status_code == 200
    assert "tack" in page and "020-555 666" in page
    for word in ("flag", "flagg", "risk", "signal"):
        assert word not in page
    assert RiskSignal.objects.get(enrollment=enrollment).level == "high"
    assert CheckIn.objects.get().answers["closeness"] == 9
    assert "9" in client.get("/participant/checkins/").content.decode()


@pytest.mark.django_db
def test_checkin_bad_input_is_explained(enrollment, participant):
    response = verified_client(participant).post(
        "/participant/checkin/", {"closeness": "99", "free_text": "x" * 6000}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "closeness" in form.errors and "violence" in form.errors and "free_text" in form.errors
    assert not CheckIn.objects.exists()
    # A summary at the top links each question that needs a look to its first answer, and
    # what was written comes back.
    page = response.content.decode()
    summary = page[
        page.index('id="error-summary"') : page.index("</div>", page.index('id="error-summary"'))
    ]
    assert 'href="#id_violence_0"' in summary and 'href="#id_closeness_0"' in summary
    assert 'href="#id_free_text"' in summary
    assert "x" * 6000 in page


@pytest.mark.django_db
def test_home_and_module_page_query_counts_do_not_grow(
    participant, therapist, django_assert_num_queries
):
    """The same number of queries for 2 modules of 8 answered blocks as for a programme of
    12 modules whose first has 40 answer blocks, every one of them answered."""

    def enrol(modules: int, answers: int):
        programme = make_programme(modules=modules, answers_per_module=answers)
        enrollment = services.enrollment_create(
            actor=therapist, participant=participant, programme=programme, therapist=therapist
        )
        services.enrollment_start(enrollment=enrollment)
        first = modules_of(programme)[0]
        client = verified_client(participant)
        assert client.post(url(first), answer_every_block(first)).status_code == 302
        assert Answer.objects.filter(enrollment=enrollment).count() == answers
        for path in ("/participant/", url(first)):
            client.get(path)  # warm caches (ContentType, locale)
        return enrollment, client, ("/participant/", url(first))

    enrollment, client, paths = enrol(2, 8)
    small = []
    for path in paths:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        small.append(len(ctx.captured_queries))
    enrollment.status = "completed"
    enrollment.save(update_fields=["status"])

    _enrollment, client, paths = enrol(12, 40)
    for path, expected in zip(paths, small, strict=True):
        with django_assert_num_queries(expected):
            assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_an_editors_revision_keeps_my_answer_beside_the_reworded_question(
    enrollment, programme, participant
):
    first = modules_of(programme)[0]
    block_id = first.body[1].id
    save_answer(participant, enrollment, first, block_id, "My earlier answer", version=0)
    # The editor rewords the question and moves it to the end; the block keeps its id.
    raw = list(first.body.raw_data)
    moved = dict(raw.pop(1))
    moved["value"] = {**moved["value"], "question": "Reworded: what happened, step by step?"}
    raw.append(moved)
    first.body = raw
    first.save_revision().publish()
    page = verified_client(participant).get(url(first)).content.decode()
    assert "Reworded: what happened, step by step?" in page
    assert "What happened?" not in page
    assert "My earlier answer" in page
    assert page.index("Reworded") < page.index("My earlier answer")
