"""Every write about free time and meetings: publish hours, book, move, cancel, and the
outcome the therapist records (therapist.services.meeting_outcome_record adds the case note).

No double booking: a booking, a move and the check that the time is free happen in one
transaction that first locks the therapist's user row (SELECT ... FOR UPDATE on PostgreSQL), so
two bookings for one therapist run one after the other and the second sees the first; on SQLite
the IMMEDIATE transactions (config.settings) already serialise every writer."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.scope import covers
from audit.models import AuditEvent
from audit.services import audit_log
from modules.models import Enrollment, EnrollmentStatus

from . import selectors, times
from .models import OUTCOMES, Kind, Meeting, OpenSlot, Status, WeeklyHours
from .tasks import notify_meeting_change

REASON_MAX = 300
# How far ahead a meeting can be booked at most.
MAX_AHEAD = timedelta(days=366)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _require_therapist(actor: User) -> None:
    if not (actor.is_active and actor.has_role(Role.THERAPIST)):
        raise PermissionDenied


def is_care_team(actor: User, enrollment: Enrollment) -> bool:
    return bool(
        actor.is_active
        and actor.pk in (enrollment.therapist_id, enrollment.substitute_id)
        and covers(actor, enrollment.unit_id, Role.THERAPIST)
    )


def is_own_participant(actor: User, enrollment: Enrollment) -> bool:
    return bool(
        actor.is_active
        and actor.pk == enrollment.participant_id
        and actor.has_role(Role.PARTICIPANT)
    )


def participants_may_book(enrollment: Enrollment) -> bool:
    """The organisation's setting (off unless its administrator turns it on)."""
    return bool(enrollment.unit.organisation.participants_book_meetings)


def _reason(value: str, *, required: bool) -> str:
    text = " ".join(_CONTROL.sub("", value or "").split())
    if required and not text:
        raise ValidationError(_("Write a short reason; the other person will see it."))
    if len(text) > REASON_MAX:
        raise ValidationError(
            _("Keep the reason under %(limit)d characters.") % {"limit": REASON_MAX}
        )
    return text


# --- Free time --------------------------------------------------------------------------------


def _times(starts: time, ends: time) -> None:
    if starts >= ends:
        raise ValidationError(_("The end must be after the start."))


def hours_add(*, actor: User, weekday: int, starts: time, ends: time) -> WeeklyHours:
    """Recurring free time, kept on the wall clock (meetings.times)."""
    _require_therapist(actor)
    if weekday not in range(7):
        raise ValidationError(_("Choose a weekday."))
    _times(starts, ends)
    with transaction.atomic():
        hours = WeeklyHours.objects.create(
            therapist=actor, weekday=weekday, starts=starts, ends=ends
        )
        audit_log(
            action=AuditEvent.Action.FREE_TIME_CHANGED,
            actor=actor,
            target_type="weekly_hours",
            target_id=hours.public_id,
            detail=f"added {weekday} {starts}-{ends}",
        )
    return hours


def slot_add(*, actor: User, day: date, starts: time, ends: time) -> OpenSlot:
    _require_therapist(actor)
    _times(starts, ends)
    if day < timezone.localdate(timezone.now(), times.zone()):
        raise ValidationError(_("Choose a date from today on."))
    with transaction.atomic():
        slot = OpenSlot.objects.create(therapist=actor, day=day, starts=starts, ends=ends)
        audit_log(
            action=AuditEvent.Action.FREE_TIME_CHANGED,
            actor=actor,
            target_type="open_slot",
            target_id=slot.public_id,
            detail=f"added {day} {starts}-{ends}",
        )
    return slot


def free_time_remove(*, actor: User, item: WeeklyHours | OpenSlot) -> None:
    """Take free time away; meetings already booked in it stay booked."""
    if item.therapist_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        audit_log(
            action=AuditEvent.Action.FREE_TIME_CHANGED,
            actor=actor,
            target_type=type(item).__name__.lower(),
            target_id=item.public_id,
            detail="removed",
        )
        item.delete()


# --- Booking ----------------------------------------------------------------------------------


def _check_time(
    *,
    therapist: User,
    participant: User,
    starts_at: datetime,
    ends_at: datetime,
    exclude: Meeting | None = None,
) -> None:
    """Inside free time, in the future, and clear of both people's meetings. Called with the
    therapist's row locked (see the module's docstring)."""
    if timezone.is_naive(starts_at):
        raise ValidationError(_("The time has no time zone."))
    now = timezone.now()
    if starts_at <= now:
        raise ValidationError(_("That time has already passed. Choose a time later on."))
    if starts_at > now + MAX_AHEAD:
        raise ValidationError(_("Choose a time within the coming year."))
    if not selectors.in_free_time(therapist, starts_at, ends_at):
        raise ValidationError(
            _("That time is outside the therapist's free time. Choose one of the free times.")
        )
    if selectors.busy(therapist, participant, starts_at, ends_at, exclude=exclude):
        raise ValidationError(_("That time has just been booked. Choose another free time."))


def _lock(therapist: User) -> None:
    User.objects.select_for_update().filter(pk=therapist.pk).first()


def _enqueue_change(meeting: Meeting, recipient_id: int, key: str) -> None:
    def enqueue() -> None:
        notify_meeting_change.enqueue(meeting_id=meeting.pk, recipient_id=recipient_id, key=key)

    transaction.on_commit(enqueue)


def _tell_other_side(meeting: Meeting, actor: User, key: str) -> None:
    """The discreet email to the other person (after the commit, by the task worker)."""
    other = meeting.therapist_id if actor.pk == meeting.participant_id else meeting.participant_id
    _enqueue_change(meeting, other, key)


def meeting_book(
    *,
    actor: User,
    enrollment: Enrollment,
    kind: str,
    starts_at: datetime,
    minutes: int = times.DEFAULT_MINUTES,
    request: Any = None,
) -> Meeting:
    """Book a meeting in the therapist's free time: by the care team (with the enrollment's
    therapist, or the substitute booking in their own time), or by the participant when the
    organisation allows it (with their therapist, the default length)."""
    if is_care_team(actor, enrollment):
        therapist = actor
    elif is_own_participant(actor, enrollment) and participants_may_book(enrollment):
        therapist = enrollment.therapist  # type: ignore[assignment]
        minutes = times.DEFAULT_MINUTES
    else:
        raise PermissionDenied
    if therapist is None or enrollment.participant is None:
        raise PermissionDenied
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise ValidationError(_("Meetings can be booked only while the treatment is active."))
    if kind not in Kind.values:
        raise ValidationError(_("Choose in person, phone or video."))
    if minutes not in times.LENGTHS:
        raise ValidationError(_("Choose a length from the list."))
    ends_at = starts_at + timedelta(minutes=minutes)
    with transaction.atomic():
        _lock(therapist)
        _check_time(
            therapist=therapist,
            participant=enrollment.participant,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        meeting = Meeting.objects.create(
            enrollment=enrollment,
            therapist=therapist,
            participant=enrollment.participant,
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            booked_by=actor,
        )
        audit_log(
            action=AuditEvent.Action.MEETING_BOOKED,
            actor=actor,
            subject=enrollment.participant,
            request=request,
            target_type="meeting",
            target_id=meeting.public_id,
            unit=enrollment.unit,
            detail=f"{kind} {starts_at.isoformat()} {minutes} min",
        )
        _tell_other_side(meeting, actor, f"booked:{meeting.pk}")
    return meeting


def _may_change(actor: User, meeting: Meeting) -> None:
    if is_care_team(actor, meeting.enrollment):
        return
    if is_own_participant(actor, meeting.enrollment) and actor.pk == meeting.participant_id:
        return
    raise PermissionDenied


def meeting_cancel(*, actor: User, meeting: Meeting, reason: str, request: Any = None) -> Meeting:
    """Cancel a booked meeting with a short reason; the other person is told."""
    _may_change(actor, meeting)
    text = _reason(reason, required=True)
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.status != Status.SCHEDULED or locked.ends_at <= timezone.now():
            raise ValidationError(_("This meeting is no longer booked."))
        _cancel(locked, actor=actor, reason=text)
        audit_log(
            action=AuditEvent.Action.MEETING_CANCELLED,
            actor=actor,
            subject=meeting.participant,
            request=request,
            target_type="meeting",
            target_id=meeting.public_id,
            unit=meeting.enrollment.unit,
            detail=text,
        )
        _tell_other_side(locked, actor, f"cancelled:{locked.pk}")
    return locked


def _cancel(meeting: Meeting, *, actor: User | None, reason: str) -> None:
    meeting.status = Status.CANCELLED
    meeting.changed_by = actor
    meeting.changed_at = timezone.now()
    meeting.change_reason = reason
    meeting.save(update_fields=["status", "changed_by", "changed_at", "change_reason"])


def meeting_move(
    *, actor: User, meeting: Meeting, starts_at: datetime, reason: str, request: Any = None
) -> Meeting:
    """Move a booked meeting to another free time (same length), with a short reason."""
    _may_change(actor, meeting)
    text = _reason(reason, required=True)
    with transaction.atomic():
        _lock(meeting.therapist)
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.status != Status.SCHEDULED or locked.ends_at <= timezone.now():
            raise ValidationError(_("This meeting is no longer booked."))
        if meeting.enrollment.status != EnrollmentStatus.ACTIVE:
            raise ValidationError(_("Meetings can be booked only while the treatment is active."))
        ends_at = starts_at + (locked.ends_at - locked.starts_at)
        _check_time(
            therapist=locked.therapist,
            participant=locked.participant,
            starts_at=starts_at,
            ends_at=ends_at,
            exclude=locked,
        )
        before = locked.starts_at
        locked.starts_at, locked.ends_at = starts_at, ends_at
        locked.changed_by, locked.changed_at, locked.change_reason = actor, timezone.now(), text
        locked.save(
            update_fields=["starts_at", "ends_at", "changed_by", "changed_at", "change_reason"]
        )
        audit_log(
            action=AuditEvent.Action.MEETING_MOVED,
            actor=actor,
            subject=meeting.participant,
            request=request,
            target_type="meeting",
            target_id=meeting.public_id,
            unit=meeting.enrollment.unit,
            detail=f"{before.isoformat()} -> {starts_at.isoformat()}: {text}",
        )
        _tell_other_side(locked, actor, f"moved:{locked.pk}:{starts_at.isoformat()}")
    return locked


def meeting_outcome_set(*, actor: User, meeting: Meeting, outcome: str) -> Meeting:
    """What happened, once the meeting has started: attended, not attended, cancelled late.
    Called by therapist.services.meeting_outcome_record inside its transaction (with the case
    note); may be corrected by recording again."""
    if not is_care_team(actor, meeting.enrollment):
        raise PermissionDenied
    if outcome not in OUTCOMES:
        raise ValidationError(_("Choose what happened."))
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("What happened can be recorded once the meeting has started."))
    if meeting.status == Status.CANCELLED:
        raise ValidationError(_("This meeting was cancelled beforehand."))
    meeting.status = outcome
    meeting.outcome_at = timezone.now()
    meeting.save(update_fields=["status", "outcome_at"])
    audit_log(
        action=AuditEvent.Action.MEETING_OUTCOME,
        actor=actor,
        subject=meeting.participant,
        target_type="meeting",
        target_id=meeting.public_id,
        unit=meeting.enrollment.unit,
        detail=outcome,
    )
    return meeting


def meetings_cancel_for_enrollment(*, enrollment: Enrollment, actor: User | None) -> int:
    """A paused or ended treatment cancels its future meetings (modules' signal, inside the
    transaction that changes the status). The participant is told, like any cancellation."""
    future = Meeting.objects.filter(enrollment=enrollment)
    return _cancel_future(
        future,
        enrollment=enrollment,
        actor=actor,
        reason=_("The treatment is paused or has ended."),
        detail=f"treatment {enrollment.status}",
        tell_therapist=False,
    )


def _cancel_future(
    meetings: QuerySet[Meeting],
    *,
    enrollment: Enrollment,
    actor: User | None,
    reason: str,
    detail: str,
    tell_therapist: bool,
) -> int:
    """Cancel the future booked ones of `meetings` (locked), each audited, the participant
    told discreetly (and the therapist, with `tell_therapist`); how many."""
    future = list(
        meetings.select_for_update().filter(status=Status.SCHEDULED, starts_at__gt=timezone.now())
    )
    for meeting in future:
        _cancel(meeting, actor=actor, reason=reason)
        audit_log(
            action=AuditEvent.Action.MEETING_CANCELLED,
            actor=actor,
            subject=meeting.participant,
            target_type="meeting",
            target_id=meeting.public_id,
            unit=enrollment.unit,
            detail=detail,
        )
        _enqueue_change(meeting, meeting.participant_id, f"cancelled:{meeting.pk}")
        if tell_therapist:
            _enqueue_change(meeting, meeting.therapist_id, f"cancelled:{meeting.pk}")
    return len(future)


# The access-log action of each step of a video call (meetings.consumers).
VIDEO_STEPS = {"joined": "VIDEO_JOINED", "admitted": "VIDEO_ADMITTED", "left": "VIDEO_LEFT"}


def video_step_record(*, actor: User, meeting_id: int, step: str) -> None:
    """Who joined a video meeting, who let the participant in, who ended the call: one row in
    the access log each (nothing of the call itself is kept). The socket has checked that
    `actor` is one of the meeting's two people and that its room is open."""
    meeting = Meeting.objects.select_related("enrollment__unit", "participant").get(pk=meeting_id)
    if actor.pk not in (meeting.therapist_id, meeting.participant_id):
        raise PermissionDenied
    audit_log(
        action=getattr(AuditEvent.Action, VIDEO_STEPS[step]),
        actor=actor,
        subject=meeting.participant,
        target_type="meeting",
        target_id=meeting.public_id,
        unit=meeting.enrollment.unit,
    )


def meetings_cancel_for_care_team(*, enrollment: Enrollment, actor: User | None) -> int:
    """The participant has a new therapist (or substitute): the future meetings booked with
    someone who is no longer in the care team are cancelled, with the reason "New therapist"
    (modules' signal, inside the transaction of enrollment_assign). They are not handed to the
    new therapist: the participant did not book with them, and their free time may not fit.
    Both people of the meeting are told discreetly; the participant and the new care team see
    the cancellation in Omtag (changed_by is the administrator), and the new therapist books
    again. The old therapist no longer sees the meeting at all (selectors.meetings_for_staff)."""
    team = {enrollment.therapist_id, enrollment.substitute_id} - {None}
    return _cancel_future(
        Meeting.objects.filter(enrollment=enrollment).exclude(therapist_id__in=team),
        enrollment=enrollment,
        actor=actor,
        reason=_("New therapist."),
        detail="care team changed",
        tell_therapist=True,
    )
