"""Plain helpers shared by test files: functions, constants and classes, in one module.

Fixtures live in the conftest.py files, which import what they need from here; test files
import helpers from here and never from a conftest (pytest finds the fixtures by itself)."""

from __future__ import annotations

import base64
import csv
import io
import itertools
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp, totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import Locale, Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from accounts.models import Role, User
from accounts.services import grant_roles
from content.models import ModulePage, ProgramPage, UnlockRule
from intake import protection, services
from intake.models import Referral, ReferralSource, ReferralStatus, Screening
from measures.models import Instrument, InstrumentItem, MeasureResponse
from measures.services import measure_response_submit
from messaging.models import Message, Side, Thread
from messaging.services import message_send
from modules.models import (
    Answer,
    CheckIn,
    Enrollment,
    EnrollmentStatus,
    ModuleProgress,
    ModuleState,
    RiskSignal,
)
from modules.services import (
    checkin_submit,
    enrollment_create,
    enrollment_set_status,
    enrollment_start,
    risk_signal_raise,
)
from organisations.models import Unit
from organisations.selectors import first_unit
from partner.models import ConsentKind
from partner.services import case_open, consent_record
from reports.selectors import Period
from therapist.models import CaseNote
from therapist.services import note_add, risk_acknowledge

if TYPE_CHECKING:
    from playwright.sync_api import Page as BrowserPage

ROOT = Path(__file__).resolve().parent.parent


def manage_check(
    env: dict[str, str], *, drop: tuple[str, ...] = ("SECRET_KEY", "ALLOWED_HOSTS", "DEBUG")
) -> subprocess.CompletedProcess[str]:
    """`manage.py check` in a fresh process with production-like settings: the test's
    environment without `drop`, plus `env`. Settings are read once per process, so a start-up
    refusal can only be seen this way."""
    full = {k: v for k, v in os.environ.items() if k not in drop}
    full.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- The cast: users, logged-in clients, a role × page matrix's outcomes -------------------------

PASSWORD = "a-long-test-password-42"

TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238 test key


def make_user(
    email: str,
    roles: list[str],
    *,
    name: str = "",
    enrolled: bool = True,
    unit: Unit | None = None,
    whole_organisation: bool = True,
) -> User:
    """An account with `roles` in `unit` (by default the first organisation's first unit):
    a participant in the unit; staff for its whole organisation, or with
    whole_organisation=False for the unit alone. A platform administrator outside both."""
    user = User.objects.create_user(email, PASSWORD, display_name=name)
    unit = unit or first_unit()
    if Role.PLATFORM_ADMIN in roles:
        grant_roles(user, [Role.PLATFORM_ADMIN])
        roles = [r for r in roles if r != Role.PLATFORM_ADMIN]
    if Role.PARTICIPANT in roles:
        grant_roles(user, [Role.PARTICIPANT], unit=unit)
    staff = [r for r in roles if r != Role.PARTICIPANT]
    if staff and whole_organisation:
        grant_roles(user, staff, organisation=unit.organisation_id)
    elif staff:
        grant_roles(user, staff, unit=unit)
    if enrolled:
        TOTPDevice.objects.create(user=user, name="app", key=TOTP_KEY, confirmed=True)
    return user


def current_code(user: User, *, offset_steps: int = 0) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    t0 = device.t0 - offset_steps * device.step
    return f"{totp(device.bin_key, device.step, t0, device.digits, device.drift):06d}"


def end_otp_pause(user: User) -> None:
    """Move django-otp's growing pause after a wrong code into the past, instead of sleeping
    through it."""
    from datetime import timedelta

    from django.utils import timezone

    TOTPDevice.objects.filter(user=user).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1)
    )


def verified_client(user: User) -> Client:
    """A client whose session is logged in AND has passed the second factor."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def unverified_client(user: User) -> Client:
    """Logged in with the password only: the second factor is still owed."""
    client = Client()
    client.force_login(user)
    return client


# What a role × page matrix expects besides a status code: anonymous visitors are sent to
# log in, visitors who have only given their password are sent to the second factor.
LOGIN = "login"

SECOND_FACTOR = "2fa"


def client_as(who: str, people: Mapping[str, User], *, unverified_as: str) -> Client:
    """A client for one row of a role × page matrix: "anonymous" is logged out,
    "unverified" is `people[unverified_as]` with the password only, anyone else is
    `people[who]` past both factors."""
    if who == "anonymous":
        return Client()
    if who == "unverified":
        return unverified_client(people[unverified_as])
    return verified_client(people[who])


def outcome_of(response: Any) -> int | str:
    """LOGIN for a redirect to the login page that brings the visitor back (`?next=`),
    SECOND_FACTOR for a redirect to the second-factor page, else the status code."""
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(f"{reverse('account_login')}?next="):
            return LOGIN
        if location.startswith(reverse("accounts:second_factor")):
            return SECOND_FACTOR
    return int(response.status_code)


def in_english(client: Client) -> Client:
    """The interface is Swedish by default; tests that read its words ask for English."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- Content: a module under a programme ---------------------------------------------------------


def make_module(programme: ProgramPage, body: list[dict[str, Any]], slug: str = "m") -> ModulePage:
    module = ModulePage(title="Module", slug=slug, summary="Summary", body=body)
    programme.add_child(instance=module)
    module.save_revision().publish()
    return module


# --- Intake: referrals and the public form's data ------------------------------------------------


def referral_person(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Kim",
        "phone": "070-123 45 67",
        "safe_times": "Weekdays 9-11",
        "may_leave_message": "no",
        "situation": "",
        **overrides,
    }


def form_data(**overrides: Any) -> dict[str, Any]:
    """What a person's browser sends: the fields, an empty honeypot, and a timestamp from a
    minute ago."""
    return {
        **referral_person(),
        "started": protection.issue_token(timezone.now().timestamp() - 60),
        "website": "",
        **overrides,
    }


def english_client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def make_referral(days_ago: int = 0, **overrides: Any) -> Referral:
    referral = services.referral_submit(person=referral_person(**overrides), unit=first_unit())
    if days_ago:
        Referral.objects.filter(pk=referral.pk).update(
            received_at=timezone.now() - timedelta(days=days_ago)
        )
        referral.refresh_from_db()
    return referral


SCREENING = {
    "violence_kinds": ["psychological", "controlling"],
    "motivation": 7,
    "housing": "yes",
    "substances": "yes",
    "psychiatric": "yes",
    "other_help": [],
}


# --- Measures: ending, starting and answering ----------------------------------------------------


def complete(enrollment: Enrollment, at: datetime | None = None) -> Enrollment:
    """The treatment ended `at` (default: now)."""
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=EnrollmentStatus.COMPLETED, status_changed_at=at or timezone.now()
    )
    enrollment.refresh_from_db()
    return enrollment


def started(enrollment: Enrollment, days_ago: float) -> Enrollment:
    Enrollment.objects.filter(pk=enrollment.pk).update(
        started_at=timezone.now() - timedelta(days=days_ago)
    )
    enrollment.refresh_from_db()
    return enrollment


def answers_for(instrument: Instrument, values: list[int]) -> dict[str, int]:
    keys = list(instrument.items.order_by("order").values_list("key", flat=True))
    assert len(keys) == len(values)
    return dict(zip(keys, values, strict=True))


def answer(
    enrollment: Enrollment,
    instrument: Instrument,
    occasion: str,
    values: list[int] | None = None,
    now: datetime | None = None,
) -> MeasureResponse:
    count = instrument.items.count()
    assert enrollment.participant is not None
    return measure_response_submit(
        actor=enrollment.participant,
        enrollment=enrollment,
        instrument=instrument,
        occasion=occasion,
        answers=answers_for(instrument, values if values is not None else [0] * count),
        now=now,
    )


# --- Messaging: a message through the service ----------------------------------------------------


def send(user: User, thread: Thread, body: str = "Hej", client_id: str | None = None) -> Message:
    message, _created = message_send(
        sender=user, thread=thread, body=body, client_id=client_id or str(uuid.uuid4())
    )
    return message


# --- Modules: a programme built in code, enrollments, answers ------------------------------------


def answer_blocks(n: int, prefix: str) -> list[dict[str, Any]]:
    """n answer blocks cycling through every answer shape, plus a text block."""
    kinds = [
        ("reflection", {"question": "What happened?", "help_text": ""}),
        (
            "worksheet",
            {
                "title": "W",
                "intro": "",
                "fields": [
                    {"label": "Situation", "help_text": ""},
                    {"label": "Thoughts", "help_text": ""},
                ],
            },
        ),
        ("checklist", {"question": "Which?", "options": ["Shouting", "Pushing", "Threats"]}),
        ("single_choice", {"question": "One?", "options": ["Leave", "Stay"]}),
        ("scale", {"question": "How close?", "min_label": "Not", "max_label": "Very"}),
        ("timeout_plan", {"intro": "Plan"}),
        ("homework", {"title": "H", "task": "<p>Do it</p>"}),
    ]
    body: list[dict[str, Any]] = [
        {"type": "text", "value": "<p>Read this.</p>", "id": str(uuid.uuid4())}
    ]
    for i in range(n):
        kind, value = kinds[i % len(kinds)]
        body.append(
            {
                "type": kind,
                "value": value,
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{prefix}-{i}")),
            }
        )
    return body


def wagtail_root() -> Page:
    """Wagtail's root page, which its migration creates; a transactional test before this
    one (live server, sockets) flushes the database, so make it again when it is gone."""
    root = Page.get_first_root_node()
    if root is None:
        locale, _created = Locale.objects.get_or_create(language_code="sv")
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    return root


def offer_everywhere(programme: ProgramPage) -> ProgramPage:
    """Every organisation there is (at least the first) offers the programme."""
    from content.models import ProgrammeOffer
    from organisations.models import Organisation

    first_unit()
    for organisation in Organisation.objects.all():
        ProgrammeOffer.objects.get_or_create(
            organisation=organisation, translation_key=programme.translation_key
        )
    return programme


def make_programme(modules: int = 3, answers_per_module: int = 7, **rules: str) -> ProgramPage:
    """A published programme of `modules` modules, offered by every organisation there is."""
    root = wagtail_root()
    programme = ProgramPage(
        title="Programme", slug=f"prog-{uuid.uuid4().hex[:6]}", intro="<p>x</p>"
    )
    root.add_child(instance=programme)
    programme.save_revision().publish()
    for i in range(modules):
        module = ModulePage(
            title=f"Module {i + 1}",
            slug=f"module-{i + 1}",
            summary="Summary",
            unlock_rule=rules.get(str(i + 1), UnlockRule.THERAPIST),
            body=answer_blocks(answers_per_module, f"{programme.slug}-{i}"),
        )
        programme.add_child(instance=module)
        module.save_revision().publish()
    return offer_everywhere(programme)


def modules_of(programme: ProgramPage) -> list[ModulePage]:
    return list(ModulePage.objects.child_of(programme).order_by("path"))


def enroll(participant: User, therapist: User, programme: ProgramPage) -> Enrollment:
    """An active enrollment of `participant` in `programme`, with `therapist` as therapist
    (its thread is made by messaging's receiver), as the services make it."""
    e = enrollment_create(
        actor=therapist, participant=participant, programme=programme, therapist=therapist
    )
    enrollment_start(enrollment=e)
    e.refresh_from_db()
    return e


def save_answer(
    participant: User,
    enrollment: Enrollment,
    module: ModulePage,
    block_id: str,
    value: Any,
    *,
    version: int | None = 0,
) -> Any:
    """modules.services.answer_save, as the participant in these tests calls it."""
    from modules.services import answer_save

    return answer_save(
        participant=participant,
        enrollment=enrollment,
        module=module,
        block_id=block_id,
        value=value,
        version=version,
    )


# --- Partner: the participant's consents ---------------------------------------------------------


def consent_both(enrollment: Enrollment, worker: User) -> None:
    for kind in ConsentKind.values:
        consent_record(actor=worker, enrollment=enrollment, kind=kind, given_on=date.today())


# --- Records: the world of two participants (see World) ------------------------------------------

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
        unit=enrollment.unit,
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
    from partner.services import consent_record, conversation_add

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


def build_world(
    participant: User, participant2: User, therapist: User, partner_worker: User
) -> World:
    """The records tests' world (see World): everything made through the services, so the
    files and erasures see what real use would leave."""
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
    """End the treatment through the service, then move its end, and every entry made
    before it (answers, check-ins, messages, measures, case notes), back in time by the same
    span: the record's last entry is then its end, `years_ago`."""
    enrollment_set_status(
        actor=actor,
        enrollment=enrollment,
        status=status,
        reason="Finished the programme" if status == EnrollmentStatus.COMPLETED else "Stopped",
    )
    now = timezone.now()
    span = timedelta(days=round(365.25 * years_ago))
    Enrollment.objects.filter(pk=enrollment.pk).update(status_changed_at=now - span)
    for model, column, link in (
        (Answer, "updated_at", "enrollment"),
        (CheckIn, "submitted_at", "enrollment"),
        (Message, "created_at", "thread__enrollment"),
        (MeasureResponse, "submitted_at", "enrollment"),
        (CaseNote, "created_at", "enrollment"),
    ):
        model.objects.filter(**{link: enrollment}).update(**{column: F(column) - span})
    return Enrollment.objects.get(pk=enrollment.pk)


def write_note_at(enrollment: Enrollment, author: User, body: str, *, years_ago: float) -> None:
    """A case note dated `years_ago` (written through the service, then moved in time)."""
    note = note_add(actor=author, enrollment=enrollment, body=body)
    CaseNote.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - timedelta(days=round(365.25 * years_ago))
    )


# --- Reports: a hand-built organisation, dated by hand (Stockholm time) --------------------------

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# The period most tests ask about: the first half of 2026.
PERIOD = Period(start=date(2026, 1, 1), end=date(2026, 6, 30))

_numbers = itertools.count(1)


def at(day: str, clock: str = "12:00") -> datetime:
    """A Stockholm-time moment: at("2026-02-01", "10:30")."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=STOCKHOLM)


def person(
    programme: ProgramPage, therapist: User, *, created: datetime, **fields: Any
) -> Enrollment:
    """An enrollment made as the services make it (progress rows, thread), then dated."""
    n = next(_numbers)
    user = make_user(
        f"person{n}@example.org", [Role.PARTICIPANT], name=f"Person {n}", enrolled=False
    )
    enrollment = enrollment_create(
        actor=therapist, participant=user, programme=programme, therapist=therapist
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(created_at=created, **fields)
    enrollment.refresh_from_db()
    return enrollment


def referral(
    received: datetime,
    *,
    screened_by: User | None = None,
    enrollment: Enrollment | None = None,
    first_contact: datetime | None = None,
    source: str = ReferralSource.SOCIAL_SERVICES,
) -> Referral:
    n = next(_numbers)
    made = Referral.objects.create(
        source=source,
        unit=enrollment.unit if enrollment is not None else first_unit(),
        received_at=received,
        name=f"Referred Person {n}",
        phone=f"070-000 {n:04d}",
        enrollment=enrollment,
        first_contact_at=first_contact,
    )
    if screened_by is not None:
        Screening.objects.create(referral=made, screened_by=screened_by, screened_at=received)
    return made


def progress(enrollment: Enrollment, number: int, state: str, **fields: Any) -> None:
    """Set module `number` (1…) of the enrollment's programme to `state`."""
    module = modules_of(enrollment.programme)[number - 1]
    ModuleProgress.objects.filter(enrollment=enrollment, module=module).update(
        state=state, **fields
    )


def reach(enrollment: Enrollment, furthest: int, *, completed_through: int = 0) -> None:
    """Modules 1..completed_through completed, the rest up to `furthest` started."""
    for number in range(1, furthest + 1):
        state = ModuleState.COMPLETED if number <= completed_through else ModuleState.STARTED
        progress(enrollment, number, state)


def instrument(key: str, *, higher_is_worse: bool = True, threshold: int = 5) -> Instrument:
    return Instrument.objects.create(
        key=key,
        name_sv=key.upper(),
        name_en=key.upper(),
        higher_is_worse=higher_is_worse,
        improvement_threshold=threshold,
    )


def respond(
    enrollment: Enrollment, instrument: Instrument, occasion: str, score: int, when: datetime
) -> MeasureResponse:
    return MeasureResponse.objects.create(
        enrollment=enrollment,
        instrument=instrument,
        occasion=occasion,
        answers={},
        score=score,
        submitted_at=when,
    )


def message(thread: Thread, side: str, when: datetime) -> Message:
    thread.last_seq += 1
    thread.save(update_fields=["last_seq"])
    enrollment = thread.enrollment
    sender = enrollment.participant if side == Side.PARTICIPANT else enrollment.therapist
    assert sender is not None
    return Message.objects.create(
        thread=thread,
        seq=thread.last_seq,
        sender=sender,
        side=side,
        body="A message",
        client_id=uuid.uuid4(),
        created_at=when,
    )


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


# --- Therapist: a caseload of many participants --------------------------------------------------


def many_participants(n: int, therapist: User, programme, start: int = 0) -> list[Enrollment]:
    return [
        enroll(
            make_user(f"p{i}@example.org", [Role.PARTICIPANT], name=f"P{i}"), therapist, programme
        )
        for i in range(start, start + n)
    ]


# --- Browser tests (tests/e2e): Chromium, the live server, TOTP codes, shared journeys -----------

CHROMIUM = Path("/usr/bin/chromium")

CHROMIUM_MISSING = "Chromium is missing: install it with `apt-get install chromium`"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    # Without these the closed network refuses Chromium's background connections.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]

REPO_ROOT = ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts"

DEFAULT_TIMEOUT_MS = 10_000

TOTP_STEP = 30

TOTP_DIGITS = 6

E2E_DIR = ROOT / "tests" / "e2e"


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(
            f"{CHROMIUM_MISSING} (CI=true: browser tests may not be skipped)", pytrace=False
        )
    pytest.skip(CHROMIUM_MISSING)


# pytest-django's live server is a ThreadedWSGIServer, and with the test suite's in-memory
# SQLite database every request thread shares the test thread's ONE connection. Two requests
# at once (Chromium fetching /favicon.ico while the test submits a form, say) then fail with
# "sqlite3.OperationalError: database table is locked: django_session" and a 500 page. So
# the live server handles one request at a time. Hold SERVER_LOCK yourself around ORM calls
# made while the browser may still be loading something.
SERVER_LOCK = threading.Lock()


class OneRequestAtATime:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable[..., object]) -> list[bytes]:
        with SERVER_LOCK:
            body = self.app(environ, start_response)
            try:
                return list(body)  # the whole response, while still holding the lock
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()


def screenshot(page: BrowserPage, name: str) -> Path:
    """Save a full-page PNG into test-artifacts/ (git-ignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")
    path = ARTIFACTS / (safe if safe.endswith(".png") else f"{safe}.png")
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # noqa: BLE001 - a failed screenshot must not hide the test's error
        print(f"could not save screenshot {path}: {error}")
    return path


def _key(secret: str) -> bytes:
    secret = "".join(secret.split()).upper()
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def _step() -> int:
    return int(time.time() // TOTP_STEP)


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for a base32 secret (no replay bookkeeping:
    use next_code() for a code you are about to submit)."""
    return f"{totp(_key(secret), step=TOTP_STEP, t0=0, digits=TOTP_DIGITS):06d}"


_last_step: dict[str, int] = {}


def next_code(secret: str) -> str:
    """A code that the device will accept: django-otp refuses a code from a time step already
    used (replay protection), so if this secret's code was used in the current step, wait for
    the next 30-second boundary (+1 s of margin) first."""
    norm = "".join(secret.split()).upper()
    last = _last_step.get(norm)
    if last is not None and _step() <= last:
        wait = (last + 1) * TOTP_STEP - time.time() + 1
        if wait > 0:
            time.sleep(wait)
    # Not right at the end of a step either: the code could expire on its way to the server.
    into_step = time.time() % TOTP_STEP
    if into_step > TOTP_STEP - 2:
        time.sleep(TOTP_STEP - into_step + 1)
    _last_step[norm] = _step()
    return totp_code(norm)


def wrong_code(secret: str) -> str:
    """Six digits that are none of the codes the device would accept around now."""
    key = _key(secret)
    step = _step()
    valid = {hotp(key, step + d, digits=TOTP_DIGITS) for d in range(-3, 4)}
    candidate = (min(valid) + 500_000) % 1_000_000
    while candidate in valid:
        candidate = (candidate + 1) % 1_000_000
    return f"{candidate:06d}"


MIGRATION_ROWS = [
    ("content.migrations.0001_editor_groups", "create_groups"),
    ("content.migrations.0004_page_permissions", "grant"),
    ("content.migrations.0005_translation_permission", "grant"),
    ("partner.migrations.0002_risk_items", "add_items"),
    ("measures.migrations.0003_seed_instruments", "seed"),
]


def totp_secret(hex_key: str) -> str:
    """The base32 secret an authenticator app holds for a device's hex key."""
    return base64.b32encode(bytes.fromhex(hex_key)).decode()


def user_with_key(email: str, roles: list[str], hex_key: str, *, name: str = "") -> User:
    """A user of the fixed password whose confirmed TOTP device has this key. A key of its
    own per person spares next_code() a wait for the next 30-second step."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = make_user(email, roles, name=name, enrolled=False)
    TOTPDevice.objects.create(user=user, name="app", key=hex_key, confirmed=True)
    return user


def path_is(page: BrowserPage, base_url: str, path: str) -> None:
    from playwright.sync_api import expect

    expect(page).to_have_url(re.compile("^" + re.escape(base_url + path) + r"(\?.*)?$"))


def log_in(page: BrowserPage, base_url: str, email: str, hex_key: str) -> None:
    """Password, then the authenticator code: the two factors every role needs."""
    from playwright.sync_api import expect

    page.goto(base_url + "/account/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    path_is(page, base_url, "/account/2fa/")
    page.fill("input[name=code]", next_code(totp_secret(hex_key)))
    page.locator("main form button[type=submit]").first.click()
    expect(page).not_to_have_url(re.compile(r"/account/"))


def log_out(page: BrowserPage, base_url: str) -> None:
    # Account and security: a page of ours (with the header's log-out button) for every role.
    page.goto(base_url + "/account/security/")
    page.locator("header form[action='/account/logout/']").get_by_role(
        "button", name="Logga ut", exact=True
    ).click()
    path_is(page, base_url, "/account/login/")


def cms_module(body: list[dict[str, Any]]) -> ModulePage:
    """A published programme with one published module of this body, under the clinical
    review workflow (as the seed sets it up)."""
    from content.models import ModulePage, ProgramPage
    from content.seed import attach_review_workflow

    root = wagtail_root()
    programme = ProgramPage(title="Programmet", slug="program", intro="<p>Demo</p>")
    root.add_child(instance=programme)
    programme.save_revision().publish()
    offer_everywhere(programme)
    module = ModulePage(title="Välkommen", slug="valkommen", summary="Om programmet", body=body)
    programme.add_child(instance=module)
    module.save_revision().publish()
    attach_review_workflow()
    return module


def open_footer_actions(page: BrowserPage) -> None:
    """Unfold the page editor's footer action menu (submit, approve, …)."""
    page.locator("footer .w-dropdown-button .w-dropdown__toggle").click()


def submit_for_review(page: BrowserPage, base_url: str, programme_pk: int) -> None:
    """From the page editor: submit to the "Klinisk granskning" workflow."""
    from playwright.sync_api import expect

    open_footer_actions(page)
    submit = page.locator("footer button[name=action-submit]")
    expect(submit).to_be_visible()
    expect(submit).to_contain_text("Klinisk granskning")
    submit.click()
    path_is(page, base_url, f"/cms/pages/{programme_pk}/")  # the programme's list
    expect(page.locator("main")).to_contain_text("under moderering")


def approve_in_editor(page: BrowserPage, edit_url: str) -> None:
    """As a reviewer, in the page editor: approve the workflow's task (no comment)."""
    from playwright.sync_api import expect

    page.goto(edit_url)
    open_footer_actions(page)
    approve = page.locator(
        "footer button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])"
    )
    expect(approve).to_be_visible()
    approve.click()
    expect(page).not_to_have_url(re.compile(re.escape(edit_url) + "$"))


# --- Markup every page must have (tests/test_accessibility.py) -----------------------------------


def check_accessibility(html: str, url: str) -> None:
    """What every page's markup must have: one h1, a language, the skip link, and a label
    for every field a person fills in."""
    assert len(re.findall(r"<h1[\s>]", html)) == 1, url
    assert re.search(r'<html lang="(sv|en)">', html), url
    assert 'class="skip-link" href="#main"' in html, url
    ids = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    for tag in re.findall(r"<(?:input|textarea|select)\b[^>]*>", html):
        if re.search(r'type="(hidden|submit|checkbox)"', tag):
            continue
        field_id = re.search(r'\sid="([^"]+)"', tag)
        assert field_id and field_id.group(1) in ids, (url, tag)


# --- A sample path for a URL pattern (the URL walks) ---------------------------------------------


URL_SAMPLES = {"uuid": str(uuid.uuid4()), "int": "1", "str": "x", "slug": "x", "path": "x"}


def sample_path(pattern: object) -> str:
    """A path that a URL pattern matches, with a sample value in each of its slots."""
    text = str(pattern)
    # path() converters: <uuid:pk>, <int:x>, <str:token>, <name>
    text = re.sub(r"<(?:(\w+):)?\w+>", lambda m: URL_SAMPLES.get(m.group(1) or "str", "x"), text)
    # re_path() groups: replace each group with a plausible value, then drop regex syntax.
    text = re.sub(r"\(\?P<\w+>[^)]*\)", "1", text)
    text = re.sub(r"\([^)]*\)", "1", text)
    return text.replace("^", "").replace("$", "").replace("\\", "").replace("?", "")


# --- The thread socket through the real ASGI application -----------------------------------------


def socket_headers(client: Client, origin: str = "http://testserver") -> list[tuple[bytes, bytes]]:
    """The session cookie of a test client, and an origin, as a socket handshake sends them."""
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return [(b"cookie", cookie.encode()), (b"origin", origin.encode())]


# channels' WebsocketCommunicator gives a handshake 1 s by default; the handshake reads the
# session and the user from the database, which on a loaded 2-core machine (PostgreSQL, a
# second suite beside) once took longer. A refusal still answers at once.
SOCKET_CONNECT_TIMEOUT = 5


async def close_worker_connections() -> None:
    """Close the database connections of the threads that did a test's socket work: asgiref's
    worker thread (the test's own sync_to_async calls) and the sockets' pools of threads
    (accounts.realtime.socket_executor), each of which keeps its connection. Open ones would
    outlive the test and keep PostgreSQL from dropping the test database at the end."""
    import asyncio

    from asgiref.sync import sync_to_async
    from django.db import connections

    from accounts.realtime import close_socket_connections

    await sync_to_async(connections.close_all)()
    await asyncio.to_thread(close_socket_connections)


async def open_socket(
    user: User,
    thread: Thread,
    *,
    verified: bool = True,
    origin: str = "http://testserver",
    client: Client | None = None,
) -> tuple[Any, bool, int | None]:
    """Open the thread's socket as `user` (logged in past the second factor unless
    `verified` is False): (communicator, connected, close code)."""
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    if client is None:
        make = verified_client if verified else unverified_client
        client = await sync_to_async(make)(user)
    path = f"/ws/messages/{thread.public_id}/"
    communicator = WebsocketCommunicator(application, path, headers=socket_headers(client, origin))
    connected, code = await communicator.connect(timeout=SOCKET_CONNECT_TIMEOUT)
    return communicator, connected, code


async def next_frame(communicator: Any, kind: str | None = None, timeout: float = 3) -> dict:
    """The next frame from the server, skipping frames of other kinds when `kind` is given."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if kind is None or frame["type"] == kind:
            return frame


# --- A module page form that answers every block -------------------------------------------------


def answer_every_block(module: ModulePage) -> dict[str, Any]:
    """A form post that answers every answer block of a module, whatever its type."""
    from content.blocks import TIMEOUT_PLAN_PARTS

    data: dict[str, Any] = {}
    for child in module.body:
        name = f"answer-{child.id}"
        if child.block_type in ("reflection", "homework"):
            data[name] = "An answer"
        elif child.block_type == "worksheet":
            data.update({f"{name}-{i}": "A field" for i in range(len(child.value["fields"]))})
        elif child.block_type == "checklist":
            data[name] = [child.value["options"][0]]
        elif child.block_type == "single_choice":
            data[name] = child.value["options"][0]
        elif child.block_type == "scale":
            data[name] = "5"
        elif child.block_type == "timeout_plan":
            data.update({f"{name}-{key}": "A part" for key, _label in TIMEOUT_PLAN_PARTS})
    return data


# --- The CMS: a module body and the admin form of a module page ----------------------------------


HEADING_BODY = [
    {"type": "heading", "value": "A heading", "id": "11111111-1111-4111-8111-111111111111"}
]


def module_form(title: str, slug: str = "m", **extra: Any) -> dict[str, Any]:
    """The admin's add/edit form for a ModulePage, as the browser would post it."""
    return nested_form_data(
        {
            "title": title,
            "slug": slug,
            "theme": "other",
            "summary": "Summary",
            "estimated_minutes": "30",
            "unlock_rule": "therapist",
            "body": streamfield([("heading", "A heading")]),
            "comments": inline_formset([]),
            **extra,
        }
    )


# --- A module body with every kind of block (tests/content/test_pages.py) ------------------------


PAGE_BODY = [
    {"type": "heading", "value": "A heading", "id": "11111111-1111-4111-8111-111111111111"},
    {
        "type": "reflection",
        "value": {"question": "What happened?", "help_text": ""},
        "id": "22222222-2222-4222-8222-222222222222",
    },
    {
        "type": "worksheet",
        "value": {
            "title": "Analysis",
            "intro": "",
            "fields": [{"label": "Before", "help_text": ""}, {"label": "After", "help_text": ""}],
        },
        "id": "33333333-3333-4333-8333-333333333333",
    },
]


# --- Exports: no cell a spreadsheet would evaluate -----------------------------------------------


# What a spreadsheet evaluates: a cell starting, after spaces, with one of these.
FORMULA_START = re.compile(r"^[\s\x00-\x1f]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r]")
# A genuine number: never a formula, whatever its sign.
EXPORT_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def assert_no_formula(cells: list[object]) -> None:
    """No text cell a spreadsheet would evaluate. A genuine number (written as a number, or
    in CSV an unquoted plain decimal) is not a formula, whatever its sign."""
    for cell in cells:
        if isinstance(cell, (int, float)):
            continue
        text = str(cell)
        assert EXPORT_NUMBER.match(text) or not FORMULA_START.match(text), repr(text)


# --- Charts: numbers inside an SVG ---------------------------------------------------------------


# A plain number (or percentage) in an SVG attribute.
SVG_NUMBER = re.compile(r"^-?\d+(\.\d+)?%?$")

SVG_NUMERIC = re.compile(
    r'\s(x|y|x1|x2|y1|y2|cx|cy|r|width|height|opacity|fill-opacity|stroke-width)="([^"]*)"'
)


def svg_problems(html: str) -> list[str]:
    """Every numeric attribute inside the page's <svg> elements that is not a plain number,
    and every `points` pair that is not "x,y"."""
    problems = []
    for svg in re.findall(r"<svg\b.*?</svg>", html, re.S):
        for name, value in SVG_NUMERIC.findall(svg):
            if not SVG_NUMBER.match(value):
                problems.append(f'{name}="{value}"')
        for points in re.findall(r'points="([^"]*)"', svg):
            for pair in points.split():
                x, _, y = pair.partition(",")
                if not (SVG_NUMBER.match(x) and SVG_NUMBER.match(y)):
                    problems.append(f"points pair {pair!r}")
    return problems


# --- The report page: its address, its period, a lead reading it ---------------------------------


REPORT_URL = "/reports/"

REPORT_QUERY = "?start=2026-01-01&end=2026-06-30"


def csv_sections(content: bytes) -> dict[str, list[list[str]]]:
    """The report's CSV by section ("# service" starts the rows of section "service")."""
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] = []
    for row in csv.reader(io.StringIO(content.decode())):
        if row and row[0].startswith("# "):
            current = sections.setdefault(row[0][2:], [])
        elif row:
            current.append(row)
    return sections


def lead(user: User) -> Client:
    """A verified client reading in English (the interface's default is Swedish)."""
    client = verified_client(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- Per-minute limits -----------------------------------------------------------------------


def wait_for_a_fresh_minute(margin: float = 15.0) -> None:
    """The message limit counts per calendar minute; a test that fills it starts early enough
    in a minute that all its sends fall in the same one (else it would fail when it happens
    to straddle a minute's turn). Sleeps at most `margin` seconds."""
    left = 60 - time.time() % 60
    if left < margin:
        time.sleep(left + 0.05)


def sso_onward(response: Any) -> str:
    """After pressing a staff sign-on button: the provider's address our page moves on to
    (accounts.social.onward: the CSP's form-action 'self' forbids redirecting a POST away)."""
    import html

    assert response.status_code == 200, response.content[:500]
    page = response.content.decode()
    match = re.search(r'id="sso-continue" href="([^"]+)"', page)
    assert match, page[:500]
    url = html.unescape(match.group(1))
    assert f'content="0;url={match.group(1)}"' in page  # and it moves on by itself
    return url


def assert_second_factor_owed(client: Client, response: Any, going_to: str) -> None:
    """A sign-on without an asserted second factor: sent to the authenticator page (and on
    to `going_to` after it), and every page behind login still sends the person there."""
    from urllib.parse import parse_qs, urlsplit

    location = urlsplit(response["Location"])
    assert location.path == reverse("accounts:second_factor")
    assert parse_qs(location.query)["next"] == [going_to]
    blocked = client.get(going_to)
    assert blocked.status_code == 302
    assert urlsplit(blocked["Location"]).path == reverse("accounts:second_factor")


def wait_until_no_other_db_sessions(timeout: float = 10.0) -> None:
    """On PostgreSQL, wait until no other session uses the test database: the processes a test
    started (servers, workers) end their sessions a moment after they exit, and the flush after
    the test and the drop of the test database need them gone."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.1)
