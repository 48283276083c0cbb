"""Reads about measures: which are due for an enrollment now, one due questionnaire for the
participant's page, and an enrollment's scores over time for the therapist.

When a measure is due is derived, never stored. Each occasion is open for a while:
- intake: from the start of treatment, while the treatment is active;
- completion: from the day the treatment was completed, for 90 days;
- follow-up 3 and 12 months: from 90 and 365 days after that day, for 90 days each.
A measure is due when the programme's schedule asks for it at an open occasion and the
enrollment has not answered it there yet."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.functional import Promise
from wagtail.models import Locale

from content.models import ProgramPage
from modules.models import Enrollment, EnrollmentStatus

from .models import Instrument, InstrumentItem, MeasureResponse, Occasion, ScheduleRule

OCCASIONS: list[str] = [
    Occasion.INTAKE,
    Occasion.COMPLETION,
    Occasion.FOLLOWUP_3,
    Occasion.FOLLOWUP_12,
]
FOLLOWUP_AFTER: dict[str, timedelta] = {
    Occasion.COMPLETION: timedelta(0),
    Occasion.FOLLOWUP_3: timedelta(days=90),
    Occasion.FOLLOWUP_12: timedelta(days=365),
}
# How long an occasion after the end stays open: an answer much later than that says little
# about that point in time.
OPEN_FOR = timedelta(days=90)


def occasion_opens(
    enrollment: Enrollment, occasion: str
) -> tuple[datetime, datetime | None] | None:
    """When `occasion` opened for the enrollment and when it closes (None: while the
    treatment is active), or None when it is not open at any time in its current status."""
    if occasion == Occasion.INTAKE:
        if enrollment.status == EnrollmentStatus.ACTIVE and enrollment.started_at is not None:
            return enrollment.started_at, None
        return None
    if enrollment.status != EnrollmentStatus.COMPLETED or occasion not in FOLLOWUP_AFTER:
        return None
    opens = enrollment.status_changed_at + FOLLOWUP_AFTER[occasion]
    return opens, opens + OPEN_FOR


def open_occasions(enrollment: Enrollment, now: datetime) -> dict[str, datetime]:
    """The occasions open now, each with the moment it opened."""
    found = {}
    for occasion in OCCASIONS:
        window = occasion_opens(enrollment, occasion)
        if window is None:
            continue
        opens, closes = window
        if opens <= now and (closes is None or now < closes):
            found[occasion] = opens
    return found


@dataclass(frozen=True)
class DueItem:
    occasion: str
    instrument: Instrument
    since: datetime

    @property
    def occasion_label(self) -> str:
        return str(Occasion(self.occasion).label)


def rules_for(programme_id: int) -> list[ScheduleRule]:
    """The programme's schedule for its active instruments (one query)."""
    return list(
        ScheduleRule.objects.filter(programme_id=programme_id, instrument__active=True)
        .select_related("instrument")
        .order_by("instrument__key")
    )


def answered_pairs(enrollment: Enrollment) -> set[tuple[int, str]]:
    return set(
        MeasureResponse.objects.filter(enrollment=enrollment).values_list(
            "instrument_id", "occasion"
        )
    )


def due_items(
    enrollment: Enrollment,
    rules: Iterable[ScheduleRule],
    answered: set[tuple[int, str]],
    now: datetime,
) -> list[DueItem]:
    """The due measures from already-read rules and answers (no queries), by occasion and
    then instrument."""
    opened = open_occasions(enrollment, now)
    if not opened:
        return []
    due = [
        DueItem(rule.occasion, rule.instrument, opened[rule.occasion])
        for rule in rules
        if rule.occasion in opened and (rule.instrument_id, rule.occasion) not in answered
    ]
    due.sort(key=lambda d: (OCCASIONS.index(d.occasion), d.instrument.key))
    return due


def due_for(enrollment: Enrollment, *, now: datetime | None = None) -> list[DueItem]:
    """The measures due for the enrollment now and not yet answered (two queries, or none
    when no occasion is open)."""
    now = now or timezone.now()
    if not open_occasions(enrollment, now):
        return []
    return due_items(
        enrollment, rules_for(enrollment.programme_id), answered_pairs(enrollment), now
    )


def scheduled_instrument(
    enrollment: Enrollment, occasion: str, key: str, *, now: datetime | None = None
) -> Instrument | None:
    """The instrument with `key`, when the enrollment's programme asks for it at `occasion`
    and that occasion is open now (answered or not), with its items; otherwise None."""
    now = now or timezone.now()
    if occasion not in open_occasions(enrollment, now):
        return None
    rule = (
        ScheduleRule.objects.filter(
            programme_id=enrollment.programme_id,
            occasion=occasion,
            instrument__key=key,
            instrument__active=True,
        )
        .select_related("instrument")
        .first()
    )
    return rule.instrument if rule is not None else None


@dataclass(frozen=True)
class OccasionProgress:
    """Where one questionnaire stands among those the occasion asks for: `number` of
    `total`."""

    number: int
    total: int


def occasion_progress(
    enrollment: Enrollment, occasion: str, instrument: Instrument
) -> OccasionProgress | None:
    """The place of `instrument` among the questionnaires the programme asks for at
    `occasion`, counting those the enrollment has already answered there (an occasion happens
    once per enrollment); None when the occasion asks for only one. Two queries."""
    scheduled = set(
        ScheduleRule.objects.filter(
            programme_id=enrollment.programme_id, occasion=occasion, instrument__active=True
        ).values_list("instrument_id", flat=True)
    )
    if len(scheduled) < 2 or instrument.pk not in scheduled:
        return None
    answered = set(
        MeasureResponse.objects.filter(
            enrollment=enrollment, occasion=occasion, instrument_id__in=scheduled
        ).values_list("instrument_id", flat=True)
    )
    answered.discard(instrument.pk)
    return OccasionProgress(number=len(answered) + 1, total=len(scheduled))


def items_of(instrument: Instrument) -> list[InstrumentItem]:
    return list(InstrumentItem.objects.filter(instrument=instrument).order_by("order", "pk"))


def response_for(enrollment: Enrollment, instrument: Instrument, occasion: str) -> Any:
    return MeasureResponse.objects.filter(
        enrollment=enrollment, instrument=instrument, occasion=occasion
    ).first()


# --- Scoring helpers shared by the services and the therapist's view ---------------------------


def item_scale(item: InstrumentItem, instrument: Instrument) -> list[dict[str, Any]]:
    return list(item.scale or instrument.scale or [])


@dataclass(frozen=True)
class FlaggedAnswer:
    """An answer at or above its item's flag_from (PHQ-9's question about thoughts of death
    or self-harm): the therapist must see it at once, and the participant sees what to do
    now."""

    number: int  # the question's number in the questionnaire, from 1
    item: InstrumentItem
    value: int
    option: dict[str, Any] | None  # the scale option answered


def flagged_answers(
    instrument: Instrument, items: Iterable[InstrumentItem], answers: dict[str, Any]
) -> list[FlaggedAnswer]:
    found = []
    for number, item in enumerate(items, start=1):
        value = (answers or {}).get(item.key)
        if (
            item.flag_from is not None
            and isinstance(value, int)
            and not isinstance(value, bool)
            and value >= item.flag_from
        ):
            option = next(
                (o for o in item_scale(item, instrument) if o.get("value") == value), None
            )
            found.append(FlaggedAnswer(number, item, value, option))
    return found


def max_score(instrument: Instrument, items: Iterable[InstrumentItem]) -> int:
    return sum(
        max((int(option["value"]) for option in item_scale(item, instrument)), default=0)
        for item in items
    )


def band_for(instrument: Instrument, score: int) -> dict[str, Any] | None:
    """The clinical band a score falls in: the highest cut-off at or below it."""
    found = None
    for cutoff in sorted(instrument.cutoffs or [], key=lambda c: int(c["min"])):
        if score >= int(cutoff["min"]):
            found = cutoff
    return found


def label_of(entry: dict[str, Any] | None) -> str:
    """An entry's label (a scale option or a cut-off) in the active language."""
    from .models import _english

    if not entry:
        return ""
    return str(entry.get("label_en" if _english() else "label_sv") or entry.get("label_sv", ""))


# --- The therapist's view of one enrollment ------------------------------------------------------


@dataclass
class Flag:
    occasion: str
    number: int
    text: str
    answer: str

    @property
    def occasion_label(self) -> str:
        return str(Occasion(self.occasion).label)


@dataclass
class InstrumentHistory:
    instrument: Instrument
    max_score: int
    responses: list[MeasureResponse]  # in the order of the occasions
    flags: list[Flag] = field(default_factory=list)

    def band(self, response: MeasureResponse) -> str:
        return label_of(band_for(self.instrument, response.score))


@dataclass
class ScoreHistory:
    instruments: list[InstrumentHistory]
    waiting: list[DueItem]

    def __bool__(self) -> bool:
        return bool(self.instruments or self.waiting)


def score_history(enrollment: Enrollment, *, now: datetime | None = None) -> ScoreHistory:
    """Every answered instrument with its scores by occasion and any answers that need the
    therapist's attention, and what is due but not answered; three queries whatever the
    number of responses."""
    now = now or timezone.now()
    responses = list(
        MeasureResponse.objects.filter(enrollment=enrollment)
        .select_related("instrument")
        .order_by("instrument__key", "submitted_at", "pk")
    )
    items: dict[int, list[InstrumentItem]] = {}
    if responses:
        for item in InstrumentItem.objects.filter(
            instrument_id__in={r.instrument_id for r in responses}
        ).order_by("order", "pk"):
            items.setdefault(item.instrument_id, []).append(item)
    by_instrument: dict[int, InstrumentHistory] = {}
    for response in responses:
        history = by_instrument.get(response.instrument_id)
        if history is None:
            history = InstrumentHistory(
                response.instrument,
                max_score(response.instrument, items.get(response.instrument_id, [])),
                [],
            )
            by_instrument[response.instrument_id] = history
        history.responses.append(response)
        for number, item in enumerate(items.get(response.instrument_id, []), start=1):
            value = (response.answers or {}).get(item.key)
            if item.flag_from is not None and isinstance(value, int) and value >= item.flag_from:
                option = next(
                    (o for o in item_scale(item, response.instrument) if o["value"] == value), None
                )
                history.flags.append(
                    Flag(response.occasion, number, item.text, label_of(option) or str(value))
                )
    for history in by_instrument.values():
        history.responses.sort(key=lambda r: OCCASIONS.index(r.occasion))
    answered = {(r.instrument_id, r.occasion) for r in responses}
    waiting = (
        due_items(enrollment, rules_for(enrollment.programme_id), answered, now)
        if open_occasions(enrollment, now)
        else []
    )
    return ScoreHistory(list(by_instrument.values()), waiting)


# --- Admins --------------------------------------------------------------------------------------


def admin_programmes() -> list[ProgramPage]:
    """The programmes whose schedule an admin sets: the originals, in the default locale
    (their translations are not listed again)."""
    return list(ProgramPage.objects.filter(locale=Locale.get_default()).order_by("path"))


def instruments_with_item_counts() -> list[Instrument]:
    """Every instrument, in use or not, by key, each with `n_items` (its number of
    questions) for the admins' list."""
    return list(Instrument.objects.annotate(n_items=Count("items", distinct=True)).order_by("key"))


def instrument_by_key(key: str) -> Instrument | None:
    return Instrument.objects.filter(key=key).first()


@dataclass
class ScheduleCell:
    """One checkbox of a programme's schedule: an instrument at an occasion."""

    value: str  # "<occasion>:<instrument pk>", as the schedule form posts it
    checked: bool
    label: str | Promise  # the occasion's name, translated when shown


@dataclass
class ScheduleRow:
    instrument: Instrument
    cells: list[ScheduleCell]


@dataclass
class ProgrammeSchedule:
    programme: ProgramPage
    rows: list[ScheduleRow]


def schedules(
    programmes: list[ProgramPage], instruments: list[Instrument]
) -> list[ProgrammeSchedule]:
    """Each programme's schedule as a grid, an instrument a row and an occasion a column,
    checked where a rule asks for it; one query whatever the number of programmes."""
    rules = set(
        ScheduleRule.objects.filter(programme__in=programmes).values_list(
            "programme_id", "occasion", "instrument_id"
        )
    )
    return [
        ProgrammeSchedule(
            programme,
            [
                ScheduleRow(
                    instrument,
                    [
                        ScheduleCell(
                            f"{occasion}:{instrument.pk}",
                            (programme.pk, occasion, instrument.pk) in rules,
                            label,
                        )
                        for occasion, label in Occasion.choices
                    ],
                )
                for instrument in instruments
            ],
        )
        for programme in programmes
    ]
