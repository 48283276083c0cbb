"""The participant's side: the home panel, the questionnaire page with its validation, the
double submit, and nobody else's measures."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from measures.models import MeasureResponse, Occasion
from tests.helpers import answer, answers_for, complete, enroll, unverified_client, verified_client

pytestmark = pytest.mark.django_db


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _url(occasion: str = "intake", key: str = "phq-9") -> str:
    return reverse("measures:fill", args=[occasion, key])


def _post(values: list[int | None]) -> dict[str, str]:
    return {str(n): str(v) for n, v in enumerate(values, start=1) if v is not None}


def test_the_home_panel_lists_what_is_due(enrollment, participant, instruments):
    client = _english(verified_client(participant))
    page = client.get(reverse("modules:home")).content.decode()
    assert "Questionnaires to fill in" in page
    for key in ("phq-9", "gad-7", "audit", "violence-checklist"):
        assert f'href="{_url("intake", key)}"' in page
    for key in ("phq-9", "gad-7", "audit", "violence-checklist"):
        answer(enrollment, instruments[key], Occasion.INTAKE)
    page = client.get(reverse("modules:home")).content.decode()
    assert "Questionnaires to fill in" not in page


def test_the_page_shows_one_fieldset_per_question_and_the_help_box(enrollment, participant):
    page = _english(verified_client(participant)).get(_url()).content.decode()
    assert page.count('<fieldset class="measure-item"') == 9
    assert page.count('type="radio"') == 9 * 4
    assert "Little interest or pleasure in doing things" in page
    assert "Nearly every day" in page
    assert 'class="help-box' in page and "112" in page
    assert "Pfizer" not in page  # the licence note is for the admins who keep the instrument


def test_the_page_is_in_swedish_by_default(enrollment, participant):
    page = verified_client(participant).get(_url()).content.decode()
    assert "Lite intresse eller glädje i att göra saker" in page and "Nästan varje dag" in page


def test_a_complete_form_is_scored_and_saved(enrollment, participant):
    client = verified_client(participant)
    response = client.post(_url(), _post([1, 2, 0, 3, 1, 1, 0, 2, 1]))
    assert response.status_code == 302 and response["Location"] == reverse("measures:thanks")
    stored = MeasureResponse.objects.get(enrollment=enrollment)
    assert stored.score == 11 and stored.occasion == "intake" and stored.instrument.key == "phq-9"
    thanks = _english(client).get(response["Location"]).content.decode()
    assert "Thank you" in thanks and 'class="help-box' in thanks
    # The others are still to do, and the thank-you page says so.
    assert f'href="{_url("intake", "gad-7")}"' in thanks


def test_missing_answers_are_marked_and_the_chosen_ones_kept(enrollment, participant):
    client = _english(verified_client(participant))
    response = client.post(_url(), _post([1, 2, None, 3, 1, 1, 0, 2, None]))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Some questions have no answer yet" in page
    assert page.count("Choose one answer to this question.") == 2
    assert re.search(r'id="id_3_error"', page) and re.search(r'id="id_9_error"', page)
    assert re.search(r'value="2"[^>]*id="id_2_2"[^>]*checked|name="2" value="2"[^>]*checked', page)
    assert re.search(r'name="4" value="3"[^>]*checked', page)
    assert not MeasureResponse.objects.exists()


def test_an_answer_from_outside_the_scale_is_refused(enrollment, participant):
    client = _english(verified_client(participant))
    response = client.post(_url("intake", "audit"), _post([0, 0, 0, 0, 0, 0, 0, 0, 1, 0]))
    assert response.status_code == 400
    assert "Choose one of the answers shown." in response.content.decode()
    assert not MeasureResponse.objects.exists()


def test_a_second_submit_is_refused_politely(enrollment, participant):
    client = _english(verified_client(participant))
    assert client.post(_url(), _post([0] * 9)).status_code == 302
    again = client.post(_url(), _post([3] * 9))
    assert again.status_code == 409
    assert "You have already filled in this questionnaire" in again.content.decode()
    assert MeasureResponse.objects.get().score == 0
    page = client.get(_url())
    assert page.status_code == 200 and 'type="radio"' not in page.content.decode()


def test_a_measure_not_due_or_unknown_is_404(enrollment, participant):
    client = verified_client(participant)
    assert client.get(_url("completion", "phq-9")).status_code == 404
    assert client.get(_url("intake", "nope")).status_code == 404
    assert client.get(_url("sometime", "phq-9")).status_code == 404
    complete(enrollment)
    assert client.get(_url("intake", "phq-9")).status_code == 404
    assert client.get(_url("completion", "phq-9")).status_code == 200
    assert client.get(_url("followup_3", "audit")).status_code == 404


def test_a_completed_participant_fills_in_the_end_measures(enrollment, participant):
    complete(enrollment)
    client = _english(verified_client(participant))
    home = client.get(reverse("modules:home")).content.decode()
    assert f'href="{_url("completion", "audit")}"' in home
    response = client.post(_url("completion", "gad-7"), _post([1, 1, 1, 1, 0, 0, 0]))
    assert response.status_code == 302
    assert MeasureResponse.objects.get().score == 4


def test_a_participant_never_sees_or_answers_for_another(
    enrollment, participant, participant2, therapist, programme, instruments
):
    other = enroll(participant2, therapist, programme)
    answer(other, instruments["phq-9"], Occasion.INTAKE, [3] * 9)
    client = verified_client(participant)
    # Their own PHQ-9 is still to do: the other's response counts for nothing here.
    page = client.get(_url()).content.decode()
    assert 'type="radio"' in page
    assert client.post(_url(), _post([0] * 9)).status_code == 302
    assert MeasureResponse.objects.get(enrollment=other).score == 27
    assert MeasureResponse.objects.get(enrollment=enrollment).score == 0
    # A participant without an enrollment has nothing here at all.
    from tests.helpers import make_user

    stranger = make_user("stranger@example.org", ["participant"])
    assert verified_client(stranger).get(_url()).status_code == 404


def test_wrong_role_anonymous_and_unverified(enrollment, participant, therapist, client):
    assert verified_client(therapist).get(_url()).status_code == 404
    anonymous = client.get(_url())
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    unverified = unverified_client(participant).get(_url())
    assert unverified.status_code == 302 and _url() not in unverified["Location"].split("?")[0]


def test_answers_for_helper_matches_keys(instruments):
    assert list(answers_for(instruments["gad-7"], [0] * 7)) == [str(n) for n in range(1, 8)]
