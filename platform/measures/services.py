"""Writes about measures: a participant's response (scored on save), the default schedule of
a programme, and the admins' changes to instruments and schedules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from content.models import ProgramPage
from modules.models import Enrollment, RiskLevel, RiskSignal
from modules.services import enrollment_mark_active, risk_signal_raise

from . import selectors
from .models import Instrument, InstrumentItem, MeasureResponse, Occasion, ScheduleRule


class AlreadyAnswered(ValidationError):
    """The enrollment has answered this instrument at this occasion already."""


def score(instrument: Instrument, items: Iterable[InstrumentItem], answers: dict[str, Any]) -> int:
    """The sum of the answers' values, after checking that every item has an answer from its
    own scale. Raises ValidationError naming the first question that has not."""
    total = 0
    for number, item in enumerate(items, start=1):
        allowed = {int(option["value"]) for option in selectors.item_scale(item, instrument)}
        value = answers.get(item.key)
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            raise ValidationError(
                _("Question %(number)s has no valid answer.") % {"number": number}
            )
        total += value
    return total


def measure_response_submit(
    *,
    actor: User,
    enrollment: Enrollment,
    instrument: Instrument,
    occasion: str,
    answers: dict[str, Any],
    now: datetime | None = None,
) -> MeasureResponse:
    """Store the participant's answers to a due measure, with its score. A second response
    to the same instrument at the same occasion is refused (AlreadyAnswered)."""
    if (
        not actor.is_active
        or not actor.has_role(Role.PARTICIPANT)
        or enrollment.participant_id != actor.pk
    ):
        raise PermissionDenied
    now = now or timezone.now()
    scheduled = selectors.scheduled_instrument(enrollment, occasion, instrument.key, now=now)
    if scheduled is None or scheduled.pk != instrument.pk:
        raise ValidationError(_("This questionnaire is not open for you right now."))
    items = selectors.items_of(instrument)
    stored = {item.key: answers.get(item.key) for item in items}
    total = score(instrument, items, stored)
    try:
        with transaction.atomic():
            response = MeasureResponse.objects.create(
                enrollment=enrollment,
                instrument=instrument,
                occasion=occasion,
                answers=stored,
                score=total,
                submitted_at=now,
            )
            enrollment_mark_active(enrollment_id=enrollment.pk, at=now)
            flagged = selectors.flagged_answers(instrument, items, stored)
            if flagged:
                # Thoughts of self-harm must reach the therapist at once, like the check-in's,
                # saying which answer raised it (as the participant saw it).
                risk_signal_raise(
                    enrollment=enrollment,
                    source=RiskSignal.Source.MEASURE,
                    level=RiskLevel.HIGH,
                    reasons=["measure_item_flagged"],
                    details=[_flag_detail(instrument, flag) for flag in flagged],
                )
    except IntegrityError:
        raise AlreadyAnswered(
            _("You have already filled in this questionnaire. Thank you, your answers are kept.")
        ) from None
    return response


def _flag_detail(instrument: Instrument, flag: selectors.FlaggedAnswer) -> dict[str, Any]:
    option = flag.option or {}
    return {
        "kind": "measure_item",
        "number": flag.number,
        "value": flag.value,
        "instrument_sv": instrument.name_sv,
        "instrument_en": instrument.name_en,
        "question_sv": flag.item.text_sv,
        "question_en": flag.item.text_en,
        "answer_sv": str(option.get("label_sv") or flag.value),
        "answer_en": str(option.get("label_en") or option.get("label_sv") or flag.value),
    }


# --- The schedule --------------------------------------------------------------------------------

DEFAULT_SCHEDULE: dict[str, list[str]] = {
    Occasion.INTAKE: ["phq-9", "gad-7", "audit", "violence-checklist"],
    Occasion.COMPLETION: ["phq-9", "gad-7", "audit", "violence-checklist"],
    Occasion.FOLLOWUP_3: ["phq-9", "gad-7", "violence-checklist"],
    Occasion.FOLLOWUP_12: ["phq-9", "gad-7", "violence-checklist"],
}


def schedule_default(programme: ProgramPage) -> int:
    """Give a programme the default schedule (instruments that exist only). Idempotent:
    rules already there are kept. Returns how many rules were added."""
    instruments = {
        i.key: i
        for i in Instrument.objects.filter(
            key__in={k for keys in DEFAULT_SCHEDULE.values() for k in keys}
        )
    }
    added = 0
    with transaction.atomic():
        for occasion, keys in DEFAULT_SCHEDULE.items():
            for key in keys:
                if key not in instruments:
                    continue
                _rule, created = ScheduleRule.objects.get_or_create(
                    programme=programme, instrument=instruments[key], occasion=occasion
                )
                added += created
    return added


def _require_admin(actor: User) -> None:
    if not (actor.is_active and actor.has_role(Role.ADMIN)):
        raise PermissionDenied


def schedule_set(*, actor: User, programme: ProgramPage, pairs: Iterable[tuple[str, int]]) -> None:
    """Make the programme's schedule exactly `pairs` of (occasion, instrument id)."""
    _require_admin(actor)
    wanted = set(pairs)
    if any(occasion not in Occasion.values for occasion, _id in wanted):
        raise ValidationError(_("Unknown occasion."))
    known = set(Instrument.objects.values_list("pk", flat=True))
    if any(instrument_id not in known for _occasion, instrument_id in wanted):
        raise ValidationError(_("Unknown questionnaire."))
    with transaction.atomic():
        existing = {
            (r.occasion, r.instrument_id): r
            for r in ScheduleRule.objects.select_for_update().filter(programme=programme)
        }
        ScheduleRule.objects.filter(
            pk__in=[r.pk for pair, r in existing.items() if pair not in wanted]
        ).delete()
        ScheduleRule.objects.bulk_create(
            ScheduleRule(programme=programme, occasion=occasion, instrument_id=instrument_id)
            for occasion, instrument_id in wanted - set(existing)
        )


# --- Instruments, edited by admins ---------------------------------------------------------------


def _check_options(value: Any, what: str, key: str) -> None:
    """A scale or a cut-off list: a non-empty list of {key: int, label_sv, label_en}, no two
    with the same number."""
    message = _("%(what)s must be a list of entries with “%(key)s”, “label_sv” and “label_en”.") % {
        "what": what,
        "key": key,
    }
    if not isinstance(value, list) or not value:
        raise ValidationError(message)
    numbers = []
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get(key), int):
            raise ValidationError(message)
        if isinstance(entry[key], bool) or entry[key] < 0:
            raise ValidationError(message)
        if not all(
            isinstance(entry.get(f), str) and entry[f].strip() for f in ("label_sv", "label_en")
        ):
            raise ValidationError(message)
        numbers.append(entry[key])
    if len(set(numbers)) != len(numbers):
        raise ValidationError(message)


def instrument_save(
    *, actor: User, instrument: Instrument, items: list[InstrumentItem]
) -> Instrument:
    """Save an instrument and its items as an admin edited them (unsaved objects in, checked
    and written in one transaction)."""
    _require_admin(actor)
    _check_options(instrument.scale, _("The answer scale"), "value")
    _check_options(instrument.cutoffs, _("The cut-offs"), "min")
    instrument.cutoffs = sorted(instrument.cutoffs, key=lambda c: c["min"])
    for item in items:
        if item.scale:
            _check_options(item.scale, _("A question's own answer scale"), "value")
        else:
            item.scale = None
    keys = [item.key for item in items]
    if len(set(keys)) != len(keys):
        raise ValidationError(_("Two questions have the same key."))
    with transaction.atomic():
        instrument.full_clean()
        instrument.save()
        for item in items:
            item.instrument = instrument
            item.full_clean(exclude=["instrument"], validate_unique=False)
            item.save()
    return instrument
