"""The therapist's overview: a chart per instrument with the clinical bands, a table with the
same figures, answers that need attention, logged as reading the measures; no one else's."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from audit.models import AuditEvent
from measures.models import Occasion
from tests.helpers import answer, complete, enroll, verified_client

pytestmark = pytest.mark.django_db


def _overview(client, enrollment) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("therapist:participant", args=[enrollment.public_id]))
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index('<section id="measures"') :]


def _article(section: str, key: str) -> str:
    start = section.index(f'id="measure-{key}"')
    return section[start : section.index("</article>", start)]


def test_the_measures_chart_has_decimal_points_in_swedish(enrollment, therapist, instruments):
    from tests.helpers import svg_problems

    answer(enrollment, instruments["phq-9"], Occasion.INTAKE, [1, 2, 0, 3, 1, 1, 0, 2, 0])
    answer(enrollment, instruments["gad-7"], Occasion.INTAKE, [1, 2, 0, 3, 1, 1, 0])
    page = verified_client(therapist).get(
        reverse("therapist:participant", args=[enrollment.public_id])
    )
    html = page.content.decode()
    assert 'lang="sv"' in html and "<svg" in html
    assert svg_problems(html) == []


def test_the_chart_and_table_show_scores_and_cutoffs(enrollment, therapist, instruments):
    answer(enrollment, instruments["phq-9"], Occasion.INTAKE, [1, 2, 0, 3, 1, 1, 0, 2, 0])
    complete(enrollment)
    answer(enrollment, instruments["phq-9"], Occasion.COMPLETION, [0, 1, 0, 1, 1, 0, 0, 1, 0])
    section = _overview(verified_client(therapist), enrollment)
    phq = _article(section, "phq-9")
    assert "<svg" in phq and 'role="img"' in phq
    # Five bands, dashed lines at the four cut-offs above zero, each labelled with its value.
    assert phq.count('class="chart-band"') == 5
    assert phq.count('class="chart-cutoff"') == 4
    for low in (5, 10, 15, 20):
        assert re.search(rf'text-anchor="end" dominant-baseline="middle">{low}</text>', phq)
    for label in ("Minimal", "Mild", "Moderate", "Moderately severe", "Severe"):
        assert f">{label}</text>" in phq
    assert phq.count('class="chart-point"') == 2 and "<polyline" in phq
    # The table: occasion, score of the maximum, band.
    # (Each cell carries its column's name for the phone's card layout.)
    td = r'<td data-label="[^"]+">'
    assert re.search(rf"At the start</th>{td}[^<]+</td>{td}10 / 27</td>{td}Moderate</td>", phq)
    assert re.search(rf"At the end</th>{td}[^<]+</td>{td}4 / 27</td>{td}Minimal</td>", phq)
    assert "0–4 minimal, 5–9 mild, 10–14 moderate, 15–19 moderately severe, 20–27 severe" in phq
    # Not answered at the end: the other three, named as waiting.
    assert "Due and not yet answered:" in section and "GAD-7 (anxiety) (at the end)" in section


def test_the_thoughts_of_self_harm_question_is_pointed_out(enrollment, therapist, instruments):
    answer(enrollment, instruments["phq-9"], Occasion.INTAKE, [0, 0, 0, 0, 0, 0, 0, 0, 2])
    phq = _article(_overview(verified_client(therapist), enrollment), "phq-9")
    assert "Answers that need your attention" in phq
    assert "question 9" in phq and "More than half the days" in phq


def test_a_self_harm_answer_raises_a_risk_signal_at_once(enrollment, therapist, instruments):
    from modules.models import RiskSignal

    answer(enrollment, instruments["gad-7"], Occasion.INTAKE, [3] * 7)
    assert not RiskSignal.objects.exists(), "a high score alone is not a risk signal"
    answer(enrollment, instruments["phq-9"], Occasion.INTAKE, [0, 0, 0, 0, 0, 0, 0, 0, 1])
    signal = RiskSignal.objects.get()
    assert (signal.source, signal.level) == ("measure", "high")
    client = verified_client(therapist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("therapist:participant", args=[enrollment.public_id]))
    risk = page.content.decode().split('id="risk"', 1)[1].split("</section>", 1)[0]
    assert "A questionnaire answer about harming themselves" in risk
    # Never shown to the participant.
    home = verified_client(enrollment.participant).get(reverse("modules:home")).content.decode()
    assert "harming themselves" not in home and "signal" not in home.lower()


def test_no_measures_yet(enrollment, therapist):
    section = _overview(verified_client(therapist), enrollment)
    assert "No measures answered yet." in section and "<svg" not in section


def test_reading_the_measures_is_logged(enrollment, therapist, participant, instruments):
    client = verified_client(therapist)
    _overview(client, enrollment)
    assert not AuditEvent.objects.filter(detail="measures").exists()
    answer(enrollment, instruments["gad-7"], Occasion.INTAKE)
    _overview(client, enrollment)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.RECORD_VIEWED,
        actor=therapist,
        subject=participant,
        detail="measures",
        target_id=str(enrollment.public_id),
    ).exists()


def test_another_therapist_gets_404_and_sees_nobody_elses_scores(
    enrollment, therapist, other_therapist, participant2, programme, instruments
):
    answer(enrollment, instruments["audit"], Occasion.INTAKE)
    url = reverse("therapist:participant", args=[enrollment.public_id])
    assert verified_client(other_therapist).get(url).status_code == 404
    # Another participant's enrollment (with the same therapist) shows only its own scores.
    other = enroll(participant2, therapist, programme)
    answer(other, instruments["gad-7"], Occasion.INTAKE)
    section = _overview(verified_client(therapist), enrollment)
    assert 'id="measure-audit"' in section and 'id="measure-gad-7"' not in section
    # A participant cannot open the therapist's page at all.
    assert verified_client(enrollment.participant).get(url).status_code == 404
