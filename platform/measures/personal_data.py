"""The participant's questionnaire answers as their own data file shows them. Nothing is
anonymised here: a response holds scale steps and a score, which the report counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import get_language

from accounts.personal_data import local_time
from modules.models import Enrollment

from .models import Instrument, MeasureResponse


def _scale_label(scale: Any, value: Any) -> str:
    english = (get_language() or "sv").startswith("en")
    for step in scale if isinstance(scale, list) else []:
        if isinstance(step, Mapping) and step.get("value") == value:
            label = step.get("label_en" if english else "label_sv") or step.get("label_sv")
            return f"{value} ({label})" if label else str(value)
    return "" if value is None else str(value)


def _measure_items(instrument: Instrument, answers: Any) -> list[dict[str, str]]:
    items = list(instrument.items.all())
    if isinstance(answers, list):
        answers = {item.key: value for item, value in zip(items, answers, strict=False)}
    if not isinstance(answers, Mapping):
        return []
    return [
        {
            "question": item.text,
            "answer": _scale_label(item.scale or instrument.scale, answers[item.key]),
        }
        for item in items
        if item.key in answers
    ]


def measures_export(enrollment: Enrollment) -> list[dict[str, Any]]:
    """Every questionnaire the participant filled in, oldest first, each answer next to its
    question in the reader's language."""
    responses = (
        MeasureResponse.objects.filter(enrollment=enrollment)
        .select_related("instrument")
        .prefetch_related("instrument__items")
        .order_by("submitted_at", "pk")
    )
    return [
        {
            "instrument": response.instrument.participant_name,
            "occasion": str(response.get_occasion_display()),
            "submitted_at": local_time(response.submitted_at),
            "score": response.score,
            "items": _measure_items(response.instrument, response.answers),
        }
        for response in responses
    ]
