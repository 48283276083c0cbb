"""One participant: overview, answers, notes, unlock with a greeting, risk acknowledgement;
only for their care team; every read in the access log."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from content.models import ModulePage
from messaging.models import Message
from modules.models import ModuleProgress, ModuleState, RiskSignal
from tests.helpers import modules_of, save_answer, verified_client
from therapist.models import CaseNote

pytestmark = pytest.mark.django_db


def _urls(enrollment):
    return {
        "overview": reverse("therapist:participant", args=[enrollment.public_id]),
        "answers": reverse("therapist:answers", args=[enrollment.public_id]),
        "notes": reverse("therapist:notes", args=[enrollment.public_id]),
    }


def test_each_page_is_logged_as_a_read_of_the_record(enrollment, therapist, participant):
    client = verified_client(therapist)
    for what, url in _urls(enrollment).items():
        assert client.get(url).status_code == 200
        assert AuditEvent.objects.filter(
            action=AuditEvent.Action.RECORD_VIEWED,
            actor=therapist,
            subject=participant,
            detail=what,
        ).exists(), what


@pytest.mark.parametrize(
    "who",
    ["other_therapist", "participant", "participant2", "editor", "partner_worker", "admin_user"],
)
def test_everyone_but_the_care_team_gets_404(request, enrollment, who):
    client = verified_client(request.getfixturevalue(who))
    for url in _urls(enrollment).values():
        assert client.get(url).status_code == 404
    module = modules_of(enrollment.programme)[1]
    open_url = reverse(
        "therapist:module_access", args=[enrollment.public_id, module.translation_key, "open"]
    )
    assert client.post(open_url).status_code == 404
    assert client.post(_urls(enrollment)["notes"], {"body": "x"}).status_code == 404
    assert not ModuleProgress.objects.filter(
        enrollment=enrollment, module=module, state=ModuleState.UNLOCKED
    ).exists()
    assert CaseNote.objects.count() == 0


def test_a_missing_participant_looks_like_someone_elses(therapist, enrollment):
    client = verified_client(therapist)
    assert client.get(reverse("therapist:participant", args=[uuid.uuid4()])).status_code == 404


def test_unlock_with_a_greeting_opens_the_module_and_writes_to_the_thread(
    enrollment, therapist, participant
):
    module = modules_of(enrollment.programme)[1]
    client = verified_client(therapist)
    url = reverse(
        "therapist:module_access", args=[enrollment.public_id, module.translation_key, "open"]
    )
    response = client.post(url, {"greeting": "Nu kan du börja med nästa modul."})
    assert response.status_code == 302
    progress = ModuleProgress.objects.get(enrollment=enrollment, module=module)
    assert progress.state == ModuleState.UNLOCKED and progress.unlocked_by == therapist
    assert list(Message.objects.values_list("body", flat=True)) == [
        "Nu kan du börja med nästa modul."
    ]
    # The participant can now open it.
    participant_client = verified_client(participant)
    assert (
        participant_client.get(reverse("modules:module", args=[module.translation_key])).status_code
        == 200
    )
    close = reverse(
        "therapist:module_access", args=[enrollment.public_id, module.translation_key, "close"]
    )
    client.post(close)
    progress.refresh_from_db()
    assert progress.state == ModuleState.LOCKED
    assert client.post(url.replace("/open/", "/explode/")).status_code == 404


def test_notes_are_append_only_and_corrections_point_back(enrollment, therapist):
    client = verified_client(therapist)
    url = _urls(enrollment)["notes"]
    client.post(url, {"body": "Samtal om tidsplan."})
    first = CaseNote.objects.get()
    client.post(
        url, {"body": "Rättelse: det var time-out-planen.", "corrects": str(first.public_id)}
    )
    correction = CaseNote.objects.exclude(pk=first.pk).get()
    assert correction.corrects == first
    page = client.get(url).content.decode()
    assert "Samtal om tidsplan." in page and "Rättelse" in page
    with pytest.raises(ValueError):
        first.body = "changed"
        first.save()
    with pytest.raises(ValueError):
        first.delete()
    response = client.post(url, {"body": "   "})
    assert response.status_code == 400 and "Skriv anteckningen" in response.content.decode()
    assert client.post(url, {"body": "x", "corrects": str(uuid.uuid4())}).status_code == 404
    assert CaseNote.objects.count() == 2
    assert AuditEvent.objects.filter(action=AuditEvent.Action.NOTE_WRITTEN).count() == 2


def test_notes_never_reach_the_participant(enrollment, therapist, participant):
    verified_client(therapist).post(_urls(enrollment)["notes"], {"body": "SECRET-NOTE"})
    client = verified_client(participant)
    for url in [reverse("modules:home"), reverse("modules:module_list")]:
        assert "SECRET-NOTE" not in client.get(url).content.decode()


def test_a_risk_signal_is_acknowledged_with_what_was_done(enrollment, therapist):
    signal = RiskSignal.objects.create(
        enrollment=enrollment, source="checkin", level="high", reasons=["violence_reported"]
    )
    client = verified_client(therapist)
    url = reverse("therapist:risk_acknowledge", args=[enrollment.public_id, signal.public_id])
    response = client.post(url, {"comment": ""}, follow=True)
    assert "Skriv vad du gjorde" in response.content.decode()
    signal.refresh_from_db()
    assert signal.acknowledged_at is None
    client.post(url, {"comment": "Ringde upp, gjorde en säkerhetsplan."})
    signal.refresh_from_db()
    assert signal.acknowledged_by == therapist and "säkerhetsplan" in signal.acknowledgement
    response = client.post(url, {"comment": "Again"}, follow=True)
    assert "redan kvitterat" in response.content.decode()


def test_answers_show_beside_the_question_even_for_a_deleted_block(
    enrollment, therapist, participant
):
    module = modules_of(enrollment.programme)[0]
    reflection = next(b for b in module.body if b.block_type == "reflection")
    save_answer(participant, enrollment, module, reflection.id, "Jag blev arg.")
    client = verified_client(therapist)
    page = client.get(_urls(enrollment)["answers"]).content.decode()
    assert "What happened?" in page and "Jag blev arg." in page
    assert "tidigare version" not in page
    # An editor removes the question; the answer stays readable, marked as earlier.
    module = ModulePage.objects.get(pk=module.pk)
    module.body = [raw for raw in module.body.raw_data if raw["id"] != reflection.id]
    module.save_revision().publish()
    page = client.get(_urls(enrollment)["answers"]).content.decode()
    assert "Jag blev arg." in page and "What happened?" in page
    assert "tidigare version" in page


def test_the_chart_and_table_show_the_checkins(enrollment, participant, therapist):
    from modules.services import checkin_submit

    base = {"violence_kinds": [], "children": "no", "home": "calm", "harm_thoughts": "no"}
    checkin_submit(
        participant=participant,
        enrollment=enrollment,
        answers={**base, "violence": "no", "closeness": 3, "free_text": ""},
    )
    checkin_submit(
        participant=participant,
        enrollment=enrollment,
        answers={
            **base,
            "violence": "yes",
            "violence_kinds": ["threats"],
            "closeness": 9,
            "free_text": "",
        },
    )
    page = verified_client(therapist).get(_urls(enrollment)["overview"]).content.decode()
    assert page.count('class="chart-point"') == 1
    assert page.count('class="chart-violence"') == 1
    assert "<svg" in page and 'role="img"' in page
    assert RiskSignal.objects.filter(enrollment=enrollment).exists()
    assert "Kvittera" in page
    from tests.helpers import svg_problems

    assert svg_problems(page) == []  # drawn in Swedish, with decimal points


def test_the_therapist_sets_how_often_the_checkin_is_due(enrollment, therapist, other_therapist):
    url = reverse("therapist:checkin_interval", args=[enrollment.public_id])
    client = verified_client(therapist)
    client.post(url, {"days": "14"})
    enrollment.refresh_from_db()
    assert enrollment.checkin_interval_days == 14
    for bad in ["0", "29", "abc", ""]:
        response = client.post(url, {"days": bad}, follow=True)
        assert "mellan 1 och 28" in response.content.decode(), bad
    assert verified_client(other_therapist).post(url, {"days": "3"}).status_code == 404
    enrollment.refresh_from_db()
    assert enrollment.checkin_interval_days == 14
