"""The participant's home has ONE primary next step, by the rule in modules/home.py:
questionnaires due, then the check-in when due, then an unread message from the therapist,
then the current module at the part where they left off. Questionnaires carry plain names."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from content.models import ModulePage
from measures.instruments import seed_instruments
from measures.models import Instrument, InstrumentItem, MeasureResponse, Occasion, ScheduleRule
from measures.services import schedule_default
from messaging.models import Thread
from messaging.services import message_send
from modules.models import Enrollment, EnrollmentStatus
from tests.helpers import modules_of, verified_client


def next_step(page: str) -> str:
    """The next-step card's HTML ('' when there is none)."""
    found = re.search(r'<section class="card next-step".*?</section>', page, re.S)
    return found.group(0) if found else ""


def primary_buttons(page: str) -> list[str]:
    main = page[page.index("<main") : page.index("</main>")]
    return re.findall(r'class="button(?! button-secondary)[^"]*"', main)


def home(participant) -> str:
    return verified_client(participant).get("/participant/").content.decode()


@pytest.fixture
def scheduled(programme) -> None:
    seed_instruments(Instrument, InstrumentItem)
    schedule_default(programme)


def answer_intake(enrollment: Enrollment) -> None:
    for rule in ScheduleRule.objects.filter(
        programme=enrollment.programme, occasion=Occasion.INTAKE
    ):
        MeasureResponse.objects.create(
            enrollment=enrollment,
            instrument=rule.instrument,
            occasion=Occasion.INTAKE,
            answers={},
            score=0,
        )


def checkin_due(enrollment: Enrollment) -> None:
    Enrollment.objects.filter(pk=enrollment.pk).update(
        started_at=timezone.now() - timedelta(days=enrollment.checkin_interval_days + 1)
    )


def therapist_writes(enrollment: Enrollment, therapist) -> None:
    thread = Thread.objects.get(enrollment=enrollment)
    message_send(sender=therapist, thread=thread, body="Hej Alex", client_id=str(uuid.uuid4()))


@pytest.mark.django_db
def test_intake_questionnaires_come_first_named_in_plain_swedish(
    scheduled, enrollment, participant, therapist
):
    checkin_due(enrollment)
    therapist_writes(enrollment, therapist)
    page = home(participant)
    card = next_step(page)
    assert "Alkoholvanor (AUDIT)" in card  # the first due, by plain name, acronym after
    assert "/measures/" in card and "Fyll i formuläret" in card
    assert len(primary_buttons(page)) == 1  # one prominent button; the rest sits below
    # The questionnaires panel below names them plainly too.
    panel = page[page.index('aria-labelledby="measures-title"') :]
    for name in ("Nedstämdhet (PHQ-9)", "Oro och ångest (GAD-7)", "Alkoholvanor (AUDIT)"):
        assert name in panel
    assert "PHQ-9 (nedstämdhet)" not in page


@pytest.mark.django_db
def test_then_the_checkin_when_it_is_due(scheduled, enrollment, participant, therapist):
    answer_intake(enrollment)
    checkin_due(enrollment)
    therapist_writes(enrollment, therapist)
    page = home(participant)
    card = next_step(page)
    assert "Det är dags för din veckoavstämning" in card
    assert 'href="/participant/checkin/"' in card
    assert len(primary_buttons(page)) == 1


@pytest.mark.django_db
def test_then_an_unread_message_from_the_therapist(enrollment, participant, therapist):
    therapist_writes(enrollment, therapist)
    page = home(participant)
    card = next_step(page)
    assert "Din terapeut har skrivit till dig" in card and "1 nytt meddelande." in card
    assert "/messages/" in card
    assert len(primary_buttons(page)) == 1


@pytest.mark.django_db
def test_then_the_current_module_at_the_part_where_they_left_off(
    enrollment, programme, participant
):
    first = modules_of(programme)[0]
    card = next_step(home(participant))
    assert "Modul 1 av 3: Module 1" in card and "Börja med modulen" in card
    assert f'href="/participant/modules/{first.translation_key}/?part=1"' in card
    # The editor splits the module into three parts with headings; the participant reads
    # up to part 2: the home page's button continues there.
    raw = list(first.body.raw_data)
    raw.insert(0, {"type": "heading", "value": "Början", "id": str(uuid.uuid4())})
    raw.insert(3, {"type": "heading", "value": "Mitten", "id": str(uuid.uuid4())})
    raw.insert(6, {"type": "heading", "value": "Slutet", "id": str(uuid.uuid4())})
    first.body = raw
    first.save_revision().publish()
    first = ModulePage.objects.get(pk=first.pk)
    verified_client(participant).get(f"/participant/modules/{first.translation_key}/?part=2")
    page = home(participant)
    card = next_step(page)
    assert "Fortsätt där du slutade. Del 2 av 3." in card and "Fortsätt med modulen" in card
    assert f'href="/participant/modules/{first.translation_key}/?part=2"' in card
    assert len(primary_buttons(page)) == 1


@pytest.mark.django_db
def test_no_next_step_while_paused_and_nothing_is_due(enrollment, participant):
    Enrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.PAUSED)
    page = home(participant)
    assert next_step(page) == ""
    assert primary_buttons(page) == []


@pytest.mark.django_db
def test_the_questionnaire_page_names_it_plainly_and_the_therapist_keeps_the_acronym(
    scheduled, enrollment, participant, therapist
):
    page = verified_client(participant).get("/measures/intake/phq-9/").content.decode()
    assert "<h1>Nedstämdhet (PHQ-9)</h1>" in page
    instrument = Instrument.objects.get(key="gad-7")
    assert instrument.participant_name == "Oro och ångest (GAD-7)"
    assert instrument.name == "GAD-7 (oro och ångest)"  # the therapist's pages, unchanged
    custom = Instrument.objects.create(key="own", name_sv="Eget formulär", name_en="Own form")
    assert custom.participant_name == "Eget formulär"
