"""Load data: many people, in bulk, for the benchmarks (bench/) and the tests that need a
crowd. Made here, in the top layer, because it fills every app's tables: accounts,
enrollments and answers (modules), threads and messages (messaging), referrals (intake) and
measure responses (measures). `manage.py seed_load` runs it; bench/ calls these functions in
its own process, where it also needs what they return.

Every account shares LOAD_PASSWORD (hashed once: logins are not what is measured) and has a
confirmed TOTP device, so a verified session can be written for it straight into the
session store. Never run this on a real installation."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, RoleGrant, User
from accounts.services import grant_roles
from content.blocks import TIMEOUT_PLAN_PARTS, AnswerShape
from content.models import ModulePage, ProgrammeOffer, ProgramPage
from intake.models import Referral, ReferralSource, ReferralStatus, Screening
from measures.models import Instrument, MeasureResponse, Occasion
from messaging.models import Message, Side, Thread
from modules.models import CheckIn, Enrollment, EnrollmentStatus, ModuleProgress, ModuleState
from modules.services import (
    answer_save,
    default_programme,
    enrollment_create,
    enrollment_start,
    programme_modules,
)
from organisations.models import Organisation, Regime, Unit
from organisations.selectors import first_unit

LOAD_PASSWORD = "bench-password-not-secret-0123"  # noqa: S105  (load data only)
TEXT_ANSWER = "Benchmark answer text"
PARTICIPANT_EMAIL = "bench-participant-{:05d}@bench.invalid"
THERAPIST_EMAIL = "bench-therapist@bench.invalid"
REPORT_EMAIL = "bench-report-{:05d}@bench.invalid"
ORG_LEAD_EMAIL = "bench-org-lead@bench.invalid"
# The first organisation's people keep the addresses above; another organisation's have its
# unit's slug in theirs.
UNIT_EMAIL = "bench-{slug}-{who}@bench.invalid"
BENCH_ORGANISATION = "bench-org-{:02d}"

Tick = Callable[[], object]


def _no_tick() -> None:
    """The default progress callback: the benchmarks pass one that enforces their deadline."""


def the_programme() -> ProgramPage:
    """The programme that `seed_programme` makes, which every enrollment here is in."""
    programme = default_programme()
    if programme is None:
        raise RuntimeError("no programme: run `manage.py seed_programme` first")
    return programme


# --- Participants of one therapist, with answers ------------------------------------------------


def answer_value(shape: Any, block_value: Any) -> Any:
    """A valid answer of each shape (see content.blocks.AnswerShape); None to skip."""
    if shape == AnswerShape.TEXT:
        return TEXT_ANSWER
    if shape == AnswerShape.FIELDS:
        return [f"{TEXT_ANSWER} {i}" for i in range(len(block_value["fields"]))]
    if shape == AnswerShape.CHOICES:
        return [str(o) for o in list(block_value["options"])[:2]]
    if shape == AnswerShape.CHOICE:
        options = list(block_value["options"])
        return str(options[0]) if options else None
    if shape == AnswerShape.SCALE:
        return 5
    if shape == AnswerShape.TIMEOUT_PLAN:
        return {key: TEXT_ANSWER for key, _label in TIMEOUT_PLAN_PARTS}
    return None


def _is_first(unit: Unit) -> bool:
    return unit.pk == first_unit().pk


def participant_email(unit: Unit, i: int) -> str:
    if _is_first(unit):
        return PARTICIPANT_EMAIL.format(i)
    return UNIT_EMAIL.format(slug=unit.slug, who=f"participant-{i:05d}")


def load_staff(role: str, unit: Unit | None = None) -> User:
    """The load data's one member of staff in `role` for the organisation of `unit` (by
    default the first unit), granted for the whole organisation (made once)."""
    unit = unit or first_unit()
    first_unit_emails: dict[str, str] = {
        Role.THERAPIST: THERAPIST_EMAIL,
        Role.ORG_LEAD: ORG_LEAD_EMAIL,
    }
    email = first_unit_emails.get(role) if _is_first(unit) else None
    email = email or UNIT_EMAIL.format(slug=unit.slug, who=role)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, LOAD_PASSWORD, display_name=f"Bench {role}")
        grant_roles(user, [role], organisation=unit.organisation_id)
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return user


def load_therapist(unit: Unit | None = None) -> User:
    """The one therapist whose caseload every participant seeded in `unit` (by default the
    first unit) is on (made once)."""
    return load_staff(Role.THERAPIST, unit)


def _first_module_answers(module: ModulePage) -> list[tuple[str, Any]]:
    """(block id, answer) for every answer block of the module."""
    return [
        (child.id, value)
        for child in module.body
        if (shape := getattr(child.block, "answer_shape", None)) is not None
        and (value := answer_value(shape, child.value)) is not None
    ]


def _verified_people(
    emails: Sequence[tuple[str, str]], role: str, unit: Unit | None = None
) -> list[User]:
    """Users of `role` with the shared password and a confirmed TOTP device, in bulk;
    `emails` holds (email, display name) pairs. Participants are in `unit` (by default the
    first unit), staff work for its whole organisation."""
    password = make_password(LOAD_PASSWORD)
    users = User.objects.bulk_create(
        User(email=email, display_name=name, password=password) for email, name in emails
    )
    unit = unit or first_unit()
    RoleGrant.objects.bulk_create(
        RoleGrant(
            user=u,
            role=role,
            organisation_id=unit.organisation_id,
            unit=unit if role == Role.PARTICIPANT else None,
        )
        for u in users
    )
    TOTPDevice.objects.bulk_create(TOTPDevice(user=u, name="app", confirmed=True) for u in users)
    return users


def _enrol_with_answers(
    users: Sequence[User],
    programme: ProgramPage,
    therapist: User,
    unit: Unit,
    module: ModulePage,
    answers: list[tuple[str, Any]],
    tick: Tick,
) -> None:
    """Each of `users` enrolled in the programme with `therapist` in `unit`, started, with
    `answers` saved to the first module."""
    for user in users:
        tick()
        enrollment = enrollment_create(
            actor=None, participant=user, programme=programme, therapist=therapist, unit=unit
        )
        enrollment_start(enrollment=enrollment)
        for block_id, value in answers:
            answer_save(
                participant=user,
                enrollment=enrollment,
                module=module,
                block_id=block_id,
                value=value,
                version=None,
            )


def seed_participants(
    count: int, *, tick: Tick = _no_tick, unit: Unit | None = None
) -> tuple[int, int]:
    """At least `count` participants in `unit` (by default the first unit), each enrolled
    there with the unit's load therapist, started, with a confirmed TOTP device and answers to
    every answer block of the first module. Returns (participants created, answers each)."""
    unit = unit or first_unit()
    existing = RoleGrant.objects.filter(role=Role.PARTICIPANT, unit=unit).count()
    if existing >= count:
        return 0, 0
    programme = the_programme()
    # The unit's organisation offers the programme (the shared library) before anyone joins.
    ProgrammeOffer.objects.get_or_create(
        organisation_id=unit.organisation_id, translation_key=programme.translation_key
    )
    module = programme_modules(programme)[0]
    answers = _first_module_answers(module)
    with transaction.atomic():
        therapist = load_therapist(unit)
        first = _is_first(unit)
        emails = [
            (participant_email(unit, i), f"P{i}" if first else f"{unit.slug} P{i}")
            for i in range(existing, count)
        ]
        users = _verified_people(emails, Role.PARTICIPANT, unit)
        _enrol_with_answers(users, programme, therapist, unit, module, answers, tick)
    return len(users), len(answers)


# --- Several organisations -----------------------------------------------------------------------


def load_units(count: int) -> list[Unit]:
    """`count` organisations of one unit each, in order: the first organisation (its first
    unit), then bench organisations made as needed (slug BENCH_ORGANISATION, social services
    and health care in turn)."""
    units = [first_unit()]
    for i in range(1, count):
        organisation, _created = Organisation.objects.get_or_create(
            slug=BENCH_ORGANISATION.format(i),
            defaults={
                "name": f"Bench organisation {i}",
                "regime": Regime.SOCIAL_SERVICES if i % 2 else Regime.HEALTH_CARE,
            },
        )
        unit, _created = Unit.objects.select_related("organisation").get_or_create(
            organisation=organisation, slug=organisation.slug, defaults={"name": "Unit"}
        )
        if organisation.help_unit_id is None:
            organisation.help_unit = unit
            organisation.save(update_fields=["help_unit"])
        units.append(unit)
    return units


def seed_organisations(
    count: int, participants: int, *, tick: Tick = _no_tick
) -> tuple[list[Unit], int]:
    """`count` organisations (see load_units), each with its own load therapist and at least
    `participants` participants in its unit (see seed_participants). Returns the units and
    the participants created."""
    units = load_units(count)
    created = 0
    for unit in units:
        made, _answers = seed_participants(participants, tick=tick, unit=unit)
        created += made
    return units, created


# --- Pairs: a therapist of one's own --------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """One participant and their own therapist, in one active enrollment."""

    therapist: User
    participant: User


def seed_pairs(count: int, tag: str, *, tick: Tick = _no_tick) -> list[Pair]:
    """`count` participants, each in an active enrollment with a therapist of their own (so
    every message socket is a different person); `tag` keeps the emails of runs apart."""
    programme = the_programme()
    with transaction.atomic():
        therapists = _verified_people(
            [(f"bench-{tag}-t{i:04d}@bench.invalid", f"T{i}") for i in range(count)],
            Role.THERAPIST,
        )
        participants = _verified_people(
            [(f"bench-{tag}-p{i:04d}@bench.invalid", f"P{i}") for i in range(count)],
            Role.PARTICIPANT,
        )
        for therapist, participant in zip(therapists, participants, strict=True):
            tick()
            enrollment = enrollment_create(
                actor=None,
                participant=participant,
                programme=programme,
                therapist=therapist,
                unit=first_unit(),
            )
            enrollment_start(enrollment=enrollment)
    return [Pair(t, p) for t, p in zip(therapists, participants, strict=True)]


# --- Teams: therapists with a caseload each, for the load test ----------------------------------


@dataclass(frozen=True)
class Team:
    """One therapist and the participants on their caseload, each in an active enrollment
    with answers to every answer block of the first module."""

    therapist: User
    participants: list[User]


def seed_teams(count: int, caseload: int, tag: str, *, tick: Tick = _no_tick) -> list[Team]:
    """`count` therapists with `caseload` participants each (bench/load.py: a virtual
    therapist answers the virtual participants of their own caseload, so the therapist's side
    of every message is someone who may see the thread); `tag` keeps the emails of runs
    apart. Everyone has the shared password and a confirmed TOTP device."""
    programme = the_programme()
    unit = first_unit()
    ProgrammeOffer.objects.get_or_create(
        organisation_id=unit.organisation_id, translation_key=programme.translation_key
    )
    module = programme_modules(programme)[0]
    answers = _first_module_answers(module)
    teams = []
    for t in range(count):
        with transaction.atomic():
            therapist = _verified_people(
                [(f"bench-{tag}-t{t:04d}@bench.invalid", f"T{t}")], Role.THERAPIST, unit
            )[0]
            participants = _verified_people(
                [
                    (f"bench-{tag}-t{t:04d}-p{i:03d}@bench.invalid", f"T{t} P{i}")
                    for i in range(caseload)
                ],
                Role.PARTICIPANT,
                unit,
            )
            _enrol_with_answers(participants, programme, therapist, unit, module, answers, tick)
        teams.append(Team(therapist, participants))
    return teams


# --- An organisation for the report ---------------------------------------------------------------


@dataclass(frozen=True)
class ReportSize:
    """How big the organisation is: enrollments in all (those already there included), and
    about how many check-ins, messages and measure responses they hold."""

    enrollments: int = 5_000
    checkins: int = 100_000
    messages: int = 50_000
    responses: int = 10_000
    referrals_not_enrolled: int = 1_500


@dataclass(frozen=True)
class Plan:
    """One seeded person's course: referred, begun, modules reached, and how it ended."""

    received: datetime
    begun: datetime
    reached: int
    status: str


def _plans(count: int, modules: int, now: datetime, rng: random.Random) -> list[Plan]:
    """How far each got: weighted towards the early modules, as in real services."""
    plans = []
    for _ in range(count):
        received = now - timedelta(days=rng.uniform(0, 360))
        begun = received + timedelta(days=rng.uniform(2, 20))
        reached = min(rng.choice([0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9]), modules)
        status = EnrollmentStatus.ACTIVE
        if reached == modules and rng.random() < 0.8:
            status = EnrollmentStatus.COMPLETED
        elif rng.random() < 0.25:
            status = EnrollmentStatus.DISCONTINUED
        plans.append(Plan(received, begun, reached, status))
    return plans


def _enrollments(
    users: list[User], plans: list[Plan], programme: ProgramPage, therapist: User
) -> list[Enrollment]:
    unit = first_unit()
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(
            participant=u,
            unit=unit,
            programme=programme,
            therapist=therapist,
            status=plan.status,
            started_at=plan.begun,
            status_changed_at=plan.begun + timedelta(days=7 * plan.reached),
        )
        for u, plan in zip(users, plans, strict=True)
    )
    for e, plan in zip(enrollments, plans, strict=True):
        e.created_at = plan.begun - timedelta(days=1)  # auto_now_add: set afterwards
    Enrollment.objects.bulk_update(enrollments, ["created_at"], batch_size=1000)
    return enrollments


def _referrals(
    enrollments: list[Enrollment],
    plans: list[Plan],
    size: ReportSize,
    therapist: User,
    now: datetime,
    rng: random.Random,
) -> list[Referral]:
    """A referral for each enrollment, more that never led to one, and screenings."""
    unit = first_unit()
    sources = [s for s, _label in ReferralSource.choices]
    referrals = Referral.objects.bulk_create(
        [
            Referral(
                unit=unit,
                source=rng.choice(sources),
                received_at=plan.received,
                name="Bench",
                phone="000",
                status=ReferralStatus.ENROLLED,
                first_contact_at=plan.received + timedelta(hours=rng.uniform(1, 120)),
                enrollment=e,
            )
            for e, plan in zip(enrollments, plans, strict=True)
        ]
        + [
            Referral(
                unit=unit,
                source=rng.choice(sources),
                received_at=now - timedelta(days=rng.uniform(0, 360)),
                name="Bench",
                phone="000",
                status=ReferralStatus.CLOSED,
            )
            for _ in range(size.referrals_not_enrolled)
        ],
        batch_size=1000,
    )
    Screening.objects.bulk_create(
        (
            Screening(referral=r, screened_by=therapist, screened_at=r.received_at)
            for r in referrals
            if r.enrollment_id is not None or rng.random() < 0.5
        ),
        batch_size=1000,
    )
    return referrals


def _progress(
    enrollments: list[Enrollment],
    plans: list[Plan],
    modules: list[ModulePage],
    rng: random.Random,
) -> None:
    """Each module's state: completed before the one reached, started at it, then one
    unlocked, the rest locked."""
    progress = []
    for e, plan in zip(enrollments, plans, strict=True):
        for i, module in enumerate(modules):
            opened: datetime | None = plan.begun + timedelta(
                days=7 * i + rng.choice([0, 0, 1, 3, 9])
            )
            done: datetime | None = None
            if i < plan.reached - 1:
                state = ModuleState.COMPLETED
                done = opened + timedelta(days=6) if opened else None
            elif i == plan.reached - 1:
                state = ModuleState.STARTED
            elif i == plan.reached:
                state = ModuleState.UNLOCKED
            else:
                state, opened = ModuleState.LOCKED, None
            progress.append(
                ModuleProgress(
                    enrollment=e,
                    module=module,
                    state=state,
                    unlocked_at=opened,
                    started_at=opened if state in ("started", "completed") else None,
                    completed_at=done,
                )
            )
    ModuleProgress.objects.bulk_create(progress, batch_size=2000)


def _messages(
    enrollments: list[Enrollment],
    plans: list[Plan],
    size: ReportSize,
    therapist: User,
    rng: random.Random,
) -> None:
    """A thread per enrollment, the participant writing most of its messages."""
    per_thread = size.messages // len(enrollments)
    threads = Thread.objects.bulk_create(
        Thread(enrollment=e, last_seq=per_thread, created_at=e.created_at) for e in enrollments
    )
    messages = []
    for thread, e, plan in zip(threads, enrollments, plans, strict=True):
        participant_id = e.participant_id
        assert participant_id is not None  # made with one just above
        at = plan.begun
        for seq in range(1, per_thread + 1):
            participant_side = seq % 2 == 1 or rng.random() < 0.2
            at += timedelta(hours=rng.uniform(0.5, 60))
            messages.append(
                Message(
                    thread=thread,
                    seq=seq,
                    sender_id=participant_id if participant_side else therapist.pk,
                    side=Side.PARTICIPANT if participant_side else Side.TEAM,
                    body="Bench message",
                    client_id=uuid.uuid4(),
                    created_at=at,
                )
            )
    Message.objects.bulk_create(messages, batch_size=2000)


def _checkins(size: ReportSize, now: datetime, rng: random.Random) -> None:
    """Weekly check-ins for every enrollment there is."""
    all_enrollments = list(Enrollment.objects.values_list("pk", "started_at"))
    per_enrollment = size.checkins // len(all_enrollments)
    CheckIn.objects.bulk_create(
        [
            CheckIn(
                enrollment_id=pk,
                submitted_at=(begun or now) + timedelta(days=7 * week),
                answers={"violence": "no", "closeness": rng.randint(0, 10)},
            )
            for pk, begun in all_enrollments
            for week in range(per_enrollment)
        ],
        batch_size=2000,
    )


def _two_instruments() -> list[Instrument]:
    instruments = list(Instrument.objects.filter(active=True).order_by("key")[:2])
    while len(instruments) < 2:
        key = f"bench-{len(instruments)}"
        instruments.append(Instrument.objects.create(key=key, name_sv=key, name_en=key))
    return instruments


def _responses(
    enrollments: list[Enrollment],
    plans: list[Plan],
    size: ReportSize,
    now: datetime,
    rng: random.Random,
) -> None:
    """Measure responses at intake, and at completion and three months on for those done."""
    instruments = _two_instruments()
    responses: list[MeasureResponse] = []
    for e, plan in zip(enrollments, plans, strict=True):
        if not plan.reached:
            continue
        if len(responses) >= size.responses:
            break
        occasions = [(Occasion.INTAKE, plan.begun)]
        if plan.status == EnrollmentStatus.COMPLETED:
            end = plan.begun + timedelta(days=7 * plan.reached)
            occasions.append((Occasion.COMPLETION, end))
            if end + timedelta(days=90) < now:
                occasions.append((Occasion.FOLLOWUP_3, end + timedelta(days=90)))
        responses.extend(
            MeasureResponse(
                enrollment=e,
                instrument=instrument,
                occasion=occasion,
                answers={},
                score=rng.randint(0, 20),
                submitted_at=at,
            )
            for instrument in instruments
            for occasion, at in occasions
        )
    MeasureResponse.objects.bulk_create(responses[: size.responses], batch_size=2000)


def _org_lead() -> User:
    """The first organisation's lead."""
    return load_staff(Role.ORG_LEAD)


def seed_report_data(rng: random.Random, size: ReportSize | None = None) -> dict[str, int]:
    """An organisation of `size.enrollments` enrollments spread over the last year, with
    referrals, screenings, module progress, threads and messages, weekly check-ins and measure
    responses, in bulk, and an organisation lead (ORG_LEAD_EMAIL) to read its report.
    Returns the row counts."""
    size = size or ReportSize()
    programme = the_programme()
    modules = programme_modules(programme)
    now = timezone.now()
    password = make_password(LOAD_PASSWORD)
    with transaction.atomic():
        therapist = load_therapist()
        _org_lead()
        count = size.enrollments - Enrollment.objects.count()
        users = User.objects.bulk_create(
            User(email=REPORT_EMAIL.format(i), display_name=f"R{i}", password=password)
            for i in range(count)
        )
        unit = first_unit()
        RoleGrant.objects.bulk_create(
            RoleGrant(
                user=u, role=Role.PARTICIPANT, organisation_id=unit.organisation_id, unit=unit
            )
            for u in users
        )
        plans = _plans(len(users), len(modules), now, rng)
        enrollments = _enrollments(users, plans, programme, therapist)
        referrals = _referrals(enrollments, plans, size, therapist, now, rng)
        _progress(enrollments, plans, modules, rng)
        _messages(enrollments, plans, size, therapist, rng)
        _checkins(size, now, rng)
        _responses(enrollments, plans, size, now, rng)
    return {
        "enrollments": Enrollment.objects.count(),
        "referrals": len(referrals),
        "module progress": ModuleProgress.objects.count(),
        "messages": Message.objects.count(),
        "check-ins": CheckIn.objects.count(),
        "measure responses": MeasureResponse.objects.count(),
    }
