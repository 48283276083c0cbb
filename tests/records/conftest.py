"""Two participants in treatment with the same therapist, each with answers, check-ins, a
measure, messages and a referral carrying markers of their own; the first also with what
must never reach them: a risk signal with the therapist's acknowledgement, a case note, a
screening note and a partner case with a logged conversation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from intake.models import Referral, ReferralSource, ReferralStatus, Screening
from measures.models import Instrument, InstrumentItem, MeasureResponse
from messaging.models import Thread
from messaging.services import message_send
from modules.models import Enrollment, EnrollmentStatus, RiskSignal
from modules.services import checkin_submit, enrollment_set_status, risk_signal_raise
from tests.modules.conftest import enroll, make_programme, modules_of, save_answer
from therapist.services import note_add, risk_acknowledge

# What the first participant (Alex) wrote: must be in Alex's file.
ALEX = {
    "reflection": "ALEX-REFLECTION-ANSWER",
    "situation": "ALEX-WORKSHEET-SITUATION",
    "warning": "ALEX-WARNING-SIGNS",
    "checkin": "ALEX-CHECKIN-TEXT",
    "message": "ALEX-MESSAGE-TO-TOVE",
    "reply": "TOVE-REPLY-TO-ALEX",
    "referral": "ALEX-SITUATION-IN-FORM",
    "alias": "ALEX-ALIAS",
}
# What the second participant (Robin) wrote: never in Alex's file.
ROBIN = {
    "reflection": "ROBIN-REFLECTION-ANSWER",
    "checkin": "ROBIN-CHECKIN-TEXT",
    "message": "ROBIN-MESSAGE-TO-TOVE",
    "referral": "ROBIN-SITUATION-IN-FORM",
}
# Staff-internal and partner-side text: never in a participant's file.
SECRETS = {
    "acknowledgement": "ACK-SECRET-COMMENT",
    "note": "CASE-NOTE-SECRET",
    "screening": "SCREENING-NOTE-SECRET",
    "decision": "DECISION-REASON-SECRET",
    "partner_name": "PARTNER-SECRET-NAME",
    "partner_notes": "PARTNER-SECRET-CONVERSATION",
}
INSTRUMENT_NAME = "Records test scale"
ALEX_SCORE = 17
ROBIN_SCORE = 3


@dataclass
class World:
    alex: User
    robin: User
    therapist: User
    e_alex: Enrollment
    e_robin: Enrollment
    module_title: str
    question: str
    instrument: Instrument


def _instrument() -> Instrument:
    instrument = Instrument.objects.create(
        key=f"records-test-{uuid.uuid4().hex[:6]}",
        name_sv=INSTRUMENT_NAME,
        name_en=INSTRUMENT_NAME,
        scale=[
            {"value": 0, "label_sv": "Inte alls", "label_en": "Not at all"},
            {"value": 3, "label_sv": "Nästan varje dag", "label_en": "Nearly every day"},
        ],
    )
    InstrumentItem.objects.create(
        instrument=instrument, key="q1", order=1, text_sv="RT-ITEM-ONE", text_en="RT-ITEM-ONE"
    )
    return instrument


def _referral(enrollment: Enrollment, marks: dict[str, str], therapist: User) -> Referral:
    referral = Referral.objects.create(
        source=ReferralSource.SELF,
        name=marks.get("alias", "Someone"),
        phone="070-123 45 67",
        safe_times="Evenings",
        situation=marks["referral"],
        status=ReferralStatus.ENROLLED,
        decision_reason=SECRETS["decision"],
        enrollment=enrollment,
    )
    Screening.objects.create(
        referral=referral,
        answers={"violence_kinds": ["physical"], "motivation": 7},
        notes=SECRETS["screening"],
        screened_by=therapist,
    )
    return referral


def _partner_side(enrollment: Enrollment, worker: User) -> None:
    from partner.models import ConsentKind
    from partner.services import case_open, consent_record, conversation_add

    for kind in ConsentKind.values:
        consent_record(actor=worker, enrollment=enrollment, kind=kind, given_on=date.today())
    case = case_open(
        actor=worker,
        enrollment=enrollment,
        contact={"name": SECRETS["partner_name"], "phone": "070-999 99 99", "safe_times": "9-11"},
    )
    conversation_add(
        actor=worker,
        case=case,
        held_on=date.today(),
        form="phone",
        minutes=30,
        notes=SECRETS["partner_notes"],
    )
    risk_signal_raise(enrollment=enrollment, source="partner_contact", level="high")


def _send(sender: User, enrollment: Enrollment, body: str) -> None:
    thread = Thread.objects.get(enrollment=enrollment)
    message_send(sender=sender, thread=thread, body=body, client_id=uuid.uuid4())


@pytest.fixture
def world(
    db: None,
    participant: User,
    participant2: User,
    therapist: User,
    partner_worker: User,
    admin_user: User,
) -> World:
    programme = make_programme(modules=2, answers_per_module=7)
    e_alex = enroll(participant, therapist, programme)
    e_robin = enroll(participant2, therapist, programme)
    module = modules_of(programme)[0]
    blocks = {child.block_type: child for child in module.body}

    save_answer(participant, e_alex, module, blocks["reflection"].id, ALEX["reflection"])
    save_answer(participant, e_alex, module, blocks["worksheet"].id, [ALEX["situation"], "x"])
    save_answer(participant, e_alex, module, blocks["checklist"].id, ["Shouting", "Threats"])
    save_answer(participant, e_alex, module, blocks["scale"].id, 7)
    save_answer(
        participant,
        e_alex,
        module,
        blocks["timeout_plan"].id,
        {"warning_signs": ALEX["warning"], "where_i_go": "", "calm_down": "", "coming_back": ""},
    )
    save_answer(participant2, e_robin, module, blocks["reflection"].id, ROBIN["reflection"])

    answers: dict[str, Any] = {
        "violence": "yes",
        "violence_kinds": ["psychological"],
        "closeness": 9,
        "children": "no",
        "home": "tense",
        "harm_thoughts": "no",
        "free_text": ALEX["checkin"],
    }
    checkin_submit(participant=participant, enrollment=e_alex, answers=answers)
    checkin_submit(
        participant=participant2,
        enrollment=e_robin,
        answers={
            **answers,
            "violence": "no",
            "violence_kinds": [],
            "closeness": 2,
            "free_text": ROBIN["checkin"],
        },
    )
    signal = RiskSignal.objects.filter(enrollment=e_alex, source="checkin").first()
    assert signal is not None and "violence_reported" in signal.reasons
    risk_acknowledge(actor=therapist, signal=signal, comment=SECRETS["acknowledgement"])
    note_add(actor=therapist, enrollment=e_alex, body=SECRETS["note"])

    _send(participant, e_alex, ALEX["message"])
    _send(therapist, e_alex, ALEX["reply"])
    _send(participant2, e_robin, ROBIN["message"])

    instrument = _instrument()
    MeasureResponse.objects.create(
        enrollment=e_alex,
        instrument=instrument,
        occasion="intake",
        answers={"q1": 3},
        score=ALEX_SCORE,
    )
    MeasureResponse.objects.create(
        enrollment=e_robin,
        instrument=instrument,
        occasion="intake",
        answers={"q1": 0},
        score=ROBIN_SCORE,
    )
    _referral(e_alex, ALEX, therapist)
    _referral(e_robin, ROBIN, therapist)
    _partner_side(e_alex, partner_worker)

    return World(
        alex=participant,
        robin=participant2,
        therapist=therapist,
        e_alex=Enrollment.objects.get(pk=e_alex.pk),
        e_robin=Enrollment.objects.get(pk=e_robin.pk),
        module_title=module.title,
        question=str(blocks["reflection"].value["question"]),
        instrument=instrument,
    )


def end_treatment(
    enrollment: Enrollment, actor: User, *, years_ago: float, status: str = "completed"
) -> Enrollment:
    """End the treatment through the service, then move its end back in time."""
    enrollment_set_status(
        actor=actor,
        enrollment=enrollment,
        status=status,
        reason="Finished the programme" if status == EnrollmentStatus.COMPLETED else "Stopped",
    )
    ended = timezone.now() - timedelta(days=round(365.25 * years_ago))
    Enrollment.objects.filter(pk=enrollment.pk).update(status_changed_at=ended)
    return Enrollment.objects.get(pk=enrollment.pk)
