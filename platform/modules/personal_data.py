"""The personal data of a treatment that `modules` keeps, and the only writes that remove it.

Anonymising keeps what the organisation's report counts (statuses, dates, module progress,
check-in figures) and removes the participant's own words: free-text answers, the
check-in's free text, the therapist's acknowledgement of a risk signal and the reason for a
status change. `records` decides when (retention, an erasure request) and logs it; the
export functions give the participant's own data file its rows."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Final

from accounts.personal_data import (
    ANONYMISED,
    Scrub,
    local_time,
    replace_with,
    rewrite_fields,
    scrub_all_text,
    scrub_free_text,
    scrub_text,
    scrub_text_column,
)
from content.blocks import AnswerShape, answer_block
from content.selectors import resolve_blocks

from .checkin import QUESTIONS, YES_NO, Question
from .models import ENDED_STATUSES, Answer, CheckIn, Enrollment, ModuleState, RiskSignal
from .selectors import answers_by_module, module_rows

# The fields that hold the participant's words (or words about them), per model.
ANSWER_PERSONAL_FIELDS: Final = ("value",)  # scrubbed by the block's answer shape
CHECKIN_PERSONAL_FIELDS: Final = ("answers",)  # the text questions of QUESTIONS
RISK_SIGNAL_PERSONAL_FIELDS: Final = ("acknowledgement",)
ENROLLMENT_PERSONAL_FIELDS: Final[dict[str, Scrub]] = {
    "status_reason": scrub_text,
    # The day of birth the research exception needs: cleared with the rest (None).
    "born_on_day": replace_with(None),
}

_CHECKIN_TEXT_KEYS = {q.key for q in QUESTIONS if q.kind == "text"}
_CHECKIN_KEYS = {q.key for q in QUESTIONS}


# --- Scrubbing -----------------------------------------------------------------------------


def scrub_answer(shape: AnswerShape | None, value: Any) -> Any:
    """A module answer without the participant's own words. Choices and scale steps are the
    editor's option texts and numbers, so they stay; a block no revision knows any more
    (shape None) loses every string. The block of that shape decides (content.blocks)."""
    return answer_block(shape).scrub_answer(value, scrub_all_text)


def scrub_checkin(answers: Any) -> Any:
    """A check-in without the free text: the figures and yes/no answers stay."""
    if not isinstance(answers, dict):
        return scrub_all_text(answers)
    scrubbed = {}
    for key, value in answers.items():
        if key in _CHECKIN_TEXT_KEYS:
            scrubbed[key] = scrub_all_text(value)
        elif key in _CHECKIN_KEYS:
            scrubbed[key] = value
        else:
            # A question since removed from QUESTIONS: keep figures, not words.
            scrubbed[key] = scrub_free_text(value)
    return scrubbed


# --- Anonymising ---------------------------------------------------------------------------


def _answers_anonymise(enrollment: Enrollment) -> None:
    by_module: dict[int, list[Answer]] = defaultdict(list)
    for answer in Answer.objects.filter(enrollment=enrollment).select_related("module"):
        by_module[answer.module_id].append(answer)
    changed: list[Answer] = []
    for answers in by_module.values():
        resolved = resolve_blocks(answers[0].module, [a.block_id for a in answers])
        for answer in answers:
            block = resolved.get(answer.block_id)
            value = scrub_answer(block.answer_shape if block else None, answer.value)
            if value != answer.value:
                answer.value = value
                changed.append(answer)
    # bulk_update leaves `updated_at` (auto_now) alone: the answer's date is a figure too.
    Answer.objects.bulk_update(changed, ANSWER_PERSONAL_FIELDS, batch_size=500)


def _checkins_anonymise(enrollment: Enrollment) -> None:
    changed = []
    for checkin in CheckIn.objects.filter(enrollment=enrollment):
        answers = scrub_checkin(checkin.answers)
        if answers != checkin.answers:
            checkin.answers = answers
            changed.append(checkin)
    CheckIn.objects.bulk_update(changed, CHECKIN_PERSONAL_FIELDS, batch_size=500)


def treatment_anonymise(*, enrollment: Enrollment) -> None:
    """Remove the participant's words from the answers, check-ins, risk signals and status
    reason of one treatment; keep every figure and date. Call inside a transaction."""
    _answers_anonymise(enrollment)
    _checkins_anonymise(enrollment)
    signals = RiskSignal.objects.filter(enrollment=enrollment)
    for name in RISK_SIGNAL_PERSONAL_FIELDS:
        scrub_text_column(signals, name)
    rewrite_fields(enrollment, ENROLLMENT_PERSONAL_FIELDS)


def treatment_is_anonymised(enrollment: Enrollment) -> bool:
    """Whether the treatment's words are gone: an ended treatment always has a status reason
    (enrollment_set_status requires one), which anonymising replaces with the marker. Read
    by the pages below `records`, which cannot see records.Anonymisation."""
    return enrollment.status in ENDED_STATUSES and enrollment.status_reason == ANONYMISED


# --- The participant's own data file -------------------------------------------------------


def enrollment_export(enrollment: Enrollment) -> dict[str, Any]:
    """The treatment itself: programme, status, dates and the therapist's display name
    (never a status reason: that is the staff's)."""
    ended = enrollment.status in ENDED_STATUSES
    return {
        "programme": enrollment.programme.title,
        "status": str(enrollment.get_status_display()),
        "invited_at": local_time(enrollment.created_at),
        "started_at": local_time(enrollment.started_at),
        "ended_at": local_time(enrollment.status_changed_at) if ended else None,
        "therapist": (enrollment.therapist.display_name if enrollment.therapist else ""),
        "born_on_day": enrollment.born_on_day,
    }


def modules_export(enrollment: Enrollment) -> list[dict[str, Any]]:
    """Every module the participant opened or answered, with each answer next to its
    question."""
    answered = {row.progress.pk: items for row, items in answers_by_module(enrollment)}
    modules = []
    for row in module_rows(enrollment):
        items = answered.get(row.progress.pk, [])
        if row.state == ModuleState.LOCKED and not items:
            continue
        modules.append(
            {
                "number": row.number,
                "title": row.page.title,
                "state": str(row.progress.get_state_display()),
                "started_at": local_time(row.progress.started_at),
                "completed_at": local_time(row.progress.completed_at),
                "answers": [
                    {
                        "question": item.question,
                        "earlier_version": not item.current,
                        "parts": [{"label": label, "answer": text} for label, text in item.parts],
                        "saved_at": local_time(item.updated_at),
                    }
                    for item in items
                ],
            }
        )
    return modules


def _checkin_answer(question: Question, value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if question.kind == "yes_no":
        return str(dict(YES_NO).get(value, value))
    if question.kind in ("choices", "choice"):
        labels = dict(question.options)
        values = value if isinstance(value, list) else [value]
        return ", ".join(str(labels.get(v, v)) for v in values)
    return str(value)


def checkins_export(enrollment: Enrollment) -> dict[str, Any]:
    """A table: one row per check-in, oldest first; one column per question (and any
    question since removed that an old check-in still answers)."""
    checkins = list(CheckIn.objects.filter(enrollment=enrollment).order_by("submitted_at", "pk"))
    extra_keys: list[str] = []
    for checkin in checkins:
        answers = checkin.answers if isinstance(checkin.answers, dict) else {}
        extra_keys += [k for k in answers if k not in _CHECKIN_KEYS and k not in extra_keys]
    rows = []
    for checkin in checkins:
        answers = checkin.answers if isinstance(checkin.answers, dict) else {}
        rows.append(
            {
                "submitted_at": local_time(checkin.submitted_at),
                "answers": [_checkin_answer(q, answers.get(q.key)) for q in QUESTIONS]
                + [str(answers.get(key, "")) for key in extra_keys],
            }
        )
    return {"questions": [str(q.label) for q in QUESTIONS] + extra_keys, "rows": rows}
