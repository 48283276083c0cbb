"""A hand-built world for the organisation's report: a three-module programme, people
enrolled through the services, and dates set by hand (Stockholm time, at noon unless a test
needs otherwise), so every expected figure can be worked out on paper."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Role, User
from content.models import ProgramPage
from intake.models import Referral, ReferralSource, Screening
from measures.models import Instrument, MeasureResponse
from messaging.models import Message, Side, Thread
from modules.models import Enrollment, ModuleProgress, ModuleState
from modules.services import enrollment_create
from reports.selectors import Period
from tests.conftest import make_user
from tests.modules.conftest import make_programme, modules_of

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# The period most tests ask about: the first half of 2026.
PERIOD = Period(start=date(2026, 1, 1), end=date(2026, 6, 30))
_numbers = itertools.count(1)


def at(day: str, clock: str = "12:00") -> datetime:
    """A Stockholm-time moment: at("2026-02-01", "10:30")."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=STOCKHOLM)


@pytest.fixture
def programme(db: None) -> ProgramPage:
    return make_programme(modules=3, answers_per_module=1)


@pytest.fixture
def org_lead(db: None) -> User:
    return make_user("org-lead@example.org", [Role.ORG_LEAD], name="Vera")


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
