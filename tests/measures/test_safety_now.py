"""A questionnaire answer about thoughts of death or self-harm (PHQ-9 question 9 above 0)
shows what to do now on the receipt page, and the therapist's signal says which answer
raised it (issue 14, item 2)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from measures.models import Instrument, MeasureResponse
from modules.models import RiskSignal
from tests.helpers import verified_client

pytestmark = pytest.mark.django_db


def _post(values: list[int]) -> dict[str, str]:
    return {str(n): str(v) for n, v in enumerate(values, start=1)}


def _fill(client, key: str, values: list[int]) -> str:
    response = client.post(reverse("measures:fill", args=["intake", key]), _post(values))
    assert response.status_code == 302 and response["Location"] == reverse("measures:thanks")
    return client.get(response["Location"]).content.decode()


def test_phq9_question_9_above_0_shows_what_to_do_now(enrollment, participant):
    client = verified_client(participant)
    page = _fill(client, "phq-9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    section = page.split('<section class="safety-now"', 1)[1].split("</section>", 1)[0]
    assert 'href="tel:90101"' in section and 'href="tel:112"' in section
    assert 'href="tel:1177"' in section and "Din terapeut ser det" in section
    assert "risk" not in section.lower() and "signal" not in section.lower()
    # Still there after a reload of the receipt.
    assert "tel:90101" in client.get(reverse("measures:thanks")).content.decode()


@pytest.mark.parametrize(("key", "values"), [("phq-9", [3] * 8 + [0]), ("gad-7", [3] * 7)])
def test_other_answers_do_not_even_with_a_high_score(enrollment, participant, key, values):
    page = _fill(verified_client(participant), key, values)
    assert "safety-now" not in page and "tel:90101" not in page


def test_the_receipt_of_someone_elses_response_shows_nothing(
    enrollment, participant, participant2, therapist, programme
):
    from tests.helpers import enroll

    enroll(participant2, therapist, programme)
    _fill(verified_client(participant2), "phq-9", [0] * 8 + [3])
    theirs = MeasureResponse.objects.get(enrollment__participant=participant2)
    client = verified_client(participant)
    session = client.session
    session["omtag:measure-receipt"] = str(theirs.public_id)
    session.save()
    assert "safety-now" not in client.get(reverse("measures:thanks")).content.decode()


def test_the_signal_records_and_shows_the_answer_that_raised_it(
    enrollment, participant, therapist, instruments
):
    _fill(verified_client(participant), "phq-9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    signal = RiskSignal.objects.get(enrollment=enrollment)
    [detail] = signal.details
    assert detail["number"] == 9 and detail["value"] == 1
    assert detail["answer_sv"] == "Flera dagar" and detail["question_sv"].startswith("Tankar på")
    # An admin rewording the question later does not change what the participant answered.
    Instrument.objects.get(key="phq-9").items.filter(key="9").update(text_sv="Omskriven")
    client = verified_client(therapist)
    url = reverse("therapist:participant", args=[enrollment.public_id])
    risk = client.get(url).content.decode().split('id="risk"', 1)[1].split("</section>", 1)[0]
    assert (
        "fråga 9: ”Tankar på att det skulle vara bättre om du var död eller att skada dig på "
        "något sätt” svar: Flera dagar (1)"
    ) in risk
    assert "Omskriven" not in risk
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    risk = client.get(url).content.decode().split('id="risk"', 1)[1].split("</section>", 1)[0]
    assert "question 9: “Thoughts that you would be better off dead" in risk
    assert "answer: Several days (1)" in risk


def test_question_text_shown_to_the_therapist_is_escaped(enrollment, participant, therapist):
    Instrument.objects.get(key="phq-9").items.filter(key="9").update(
        text_sv="<script>alert(1)</script>"
    )
    _fill(verified_client(participant), "phq-9", [0] * 8 + [2])
    url = reverse("therapist:participant", args=[enrollment.public_id])
    page = verified_client(therapist).get(url).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
