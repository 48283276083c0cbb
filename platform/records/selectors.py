"""Reads for records: a participant's own data, limited to what the participant may see,
and the admin's list of participants for an erasure request.

`own_data` is what the participant downloads: their account, and per treatment their module
answers (with the question they answered), check-ins, measures and messages. Never a risk
signal, a case note, anything the staff keep for themselves (status reasons, screening
notes, who unlocked what), or anything of another person but the therapist's display name
on the therapist's own messages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import Role, RoleGrant, User
from intake.models import Referral, ReferralSource
from measures.models import Instrument, MeasureResponse
from messaging.models import Message, Side
from modules.checkin import QUESTIONS, YES_NO, Question
from modules.models import CheckIn, Enrollment, ModuleState
from modules.selectors import module_rows
from therapist.selectors import answers_by_module

from .models import Anonymisation, AnonymisedKind


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment is not None else None


# --- Check-ins -----------------------------------------------------------------------------


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


def _checkins(enrollment: Enrollment) -> dict[str, Any]:
    """A table: one row per check-in, oldest first; one column per question (and any
    question since removed that an old check-in still answers)."""
    checkins = list(CheckIn.objects.filter(enrollment=enrollment).order_by("submitted_at", "pk"))
    known = {q.key for q in QUESTIONS}
    extra_keys: list[str] = []
    for checkin in checkins:
        answers = checkin.answers if isinstance(checkin.answers, dict) else {}
        extra_keys += [k for k in answers if k not in known and k not in extra_keys]
    rows = []
    for checkin in checkins:
        answers = checkin.answers if isinstance(checkin.answers, dict) else {}
        rows.append(
            {
                "submitted_at": _local(checkin.submitted_at),
                "answers": [_checkin_answer(q, answers.get(q.key)) for q in QUESTIONS]
                + [str(answers.get(key, "")) for key in extra_keys],
            }
        )
    return {"questions": [str(q.label) for q in QUESTIONS] + extra_keys, "rows": rows}


# --- Measures ------------------------------------------------------------------------------


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


def _measures(enrollment: Enrollment) -> list[dict[str, Any]]:
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
            "submitted_at": _local(response.submitted_at),
            "score": response.score,
            "items": _measure_items(response.instrument, response.answers),
        }
        for response in responses
    ]


# --- Messages ------------------------------------------------------------------------------


def _messages(enrollment: Enrollment, participant: User) -> list[dict[str, Any]]:
    messages = (
        Message.objects.filter(thread__enrollment=enrollment)
        .select_related("sender")
        .order_by("seq")
    )
    rows = []
    for message in messages:
        mine = message.side == Side.PARTICIPANT and message.sender_id == participant.pk
        # Staff are named as the participant sees them on the messages page: by display
        # name, never by email.
        author = _("You") if mine else (message.sender.display_name or _("Your therapist"))
        rows.append(
            {
                "number": message.seq,
                "sent_at": _local(message.created_at),
                "from": str(author),
                "mine": mine,
                "body": message.body,
            }
        )
    return rows


# --- Modules -------------------------------------------------------------------------------


def _modules(enrollment: Enrollment) -> list[dict[str, Any]]:
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
                "started_at": _local(row.progress.started_at),
                "completed_at": _local(row.progress.completed_at),
                "answers": [
                    {
                        "question": item.question,
                        "earlier_version": not item.current,
                        "parts": [{"label": label, "answer": text} for label, text in item.parts],
                        "saved_at": _local(item.updated_at),
                    }
                    for item in items
                ],
            }
        )
    return modules


# --- The referral --------------------------------------------------------------------------


def _referral(enrollment: Enrollment) -> dict[str, Any] | None:
    referral = Referral.objects.filter(enrollment=enrollment).first()
    if referral is None:
        return None
    data: dict[str, Any] = {
        "source": str(referral.get_source_display()),
        "received_at": _local(referral.received_at),
    }
    if referral.source == ReferralSource.SELF:
        # What the person wrote in the "ask for help" form themselves. An agency's referral
        # is the agency's document: it is given out on a formal request, like the journal.
        data.update(
            name=referral.name,
            phone=referral.phone,
            safe_times=referral.safe_times,
            may_leave_message=str(referral.get_may_leave_message_display()),
            situation=referral.situation,
        )
    return data


# --- The whole file ------------------------------------------------------------------------


def own_data(participant: User) -> dict[str, Any]:
    """Everything the participant downloads, as plain data: the HTML file and the JSON file
    are both made from it."""
    enrollments = (
        Enrollment.objects.filter(participant=participant)
        .select_related("programme", "therapist")
        .order_by("created_at", "pk")
    )
    treatments = []
    for enrollment in enrollments:
        ended = enrollment.status in ("completed", "discontinued")
        treatments.append(
            {
                "programme": enrollment.programme.title,
                "status": str(enrollment.get_status_display()),
                "invited_at": _local(enrollment.created_at),
                "started_at": _local(enrollment.started_at),
                "ended_at": _local(enrollment.status_changed_at) if ended else None,
                "therapist": (enrollment.therapist.display_name if enrollment.therapist else ""),
                "referral": _referral(enrollment),
                "modules": _modules(enrollment),
                "checkins": _checkins(enrollment),
                "measures": _measures(enrollment),
                "messages": _messages(enrollment, participant),
            }
        )
    return {
        "generated_at": timezone.localtime(),
        "account": {
            "email": participant.email,
            "display_name": participant.display_name,
            "joined_at": _local(participant.date_joined),
        },
        "treatments": treatments,
    }


# --- Erasure requests ----------------------------------------------------------------------


def participants_for_erasure(query: str = "") -> QuerySet[User]:
    """Every participant account (an admin's list), with their treatments, name order."""
    ids = RoleGrant.objects.filter(role=Role.PARTICIPANT).values("user_id")
    people = User.objects.filter(pk__in=ids)
    query = query.strip()
    if query:
        people = people.filter(Q(display_name__icontains=query) | Q(email__icontains=query))
    return people.prefetch_related("enrollments", "role_grants").order_by(
        "display_name", "email", "pk"
    )


def anonymised_account_pks(users: list[User]) -> set[int]:
    return set(
        Anonymisation.objects.filter(
            kind=AnonymisedKind.ACCOUNT, object_pk__in=[u.pk for u in users]
        ).values_list("object_pk", flat=True)
    )


def participant_for_erasure_or_404(public_id: UUID) -> User:
    person = participants_for_erasure().filter(public_id=public_id).first()
    if person is None:
        raise Http404
    return person
