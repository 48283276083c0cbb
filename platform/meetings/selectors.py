"""Who may see which meeting, and a therapist's free time.

Staff see the meetings of the enrollments whose care team they are (therapist or substitute,
and a therapist in the enrollment's unit: messaging.selectors.therapist_in_unit, the rule the
workbench uses); a participant sees their own. Nobody else sees any, the administrator and the
partner-contact worker included: a meeting says who is in treatment and when."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, User
from messaging.selectors import therapist_in_unit
from modules.models import Enrollment

from . import times
from .models import Meeting, OpenSlot, Status, WeeklyHours

# How far ahead a participant can see and pick free time.
BOOKING_HORIZON_DAYS = 28
# A change made by the other side is shown in Omtag for this long (the in-app notice).
CHANGE_NOTICE_DAYS = 14


def meetings_for_staff(user: User) -> QuerySet[Meeting]:
    if not user.is_active or not user.has_role(Role.THERAPIST):
        return Meeting.objects.none()
    return Meeting.objects.filter(
        Q(enrollment__therapist=user) | Q(enrollment__substitute=user)
    ).filter(therapist_in_unit(user.pk))


def meetings_for_participant(user: User) -> QuerySet[Meeting]:
    if not user.is_active or not user.has_role(Role.PARTICIPANT):
        return Meeting.objects.none()
    return Meeting.objects.filter(participant=user, enrollment__participant=user)


def meeting_or_404(user: User, public_id: UUID | str) -> Meeting:
    """The meeting if `user` may see it, for staff and participant alike; 404 otherwise."""
    try:
        key = UUID(str(public_id))
    except ValueError:
        raise Http404 from None
    meeting = (
        (meetings_for_staff(user) | meetings_for_participant(user))
        .select_related("enrollment__unit", "participant", "therapist")
        .filter(public_id=key)
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def upcoming(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    return meetings.filter(status=Status.SCHEDULED, ends_at__gt=timezone.now()).order_by(
        "starts_at"
    )


def awaiting_outcome(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Meetings that have started and whose outcome the therapist has not recorded."""
    return meetings.filter(status=Status.SCHEDULED, starts_at__lte=timezone.now()).order_by(
        "starts_at"
    )


def next_meeting(enrollment: Enrollment) -> Meeting | None:
    """The enrollment's next booked meeting (one query). Callers have already checked that
    the viewer may see the enrollment."""
    return upcoming(Meeting.objects.filter(enrollment=enrollment)).first()


def next_meetings(enrollment_ids: list[int]) -> dict[int, Meeting]:
    """The next booked meeting of each enrollment, in one query (the caseload)."""
    found: dict[int, Meeting] = {}
    for meeting in upcoming(Meeting.objects.filter(enrollment_id__in=enrollment_ids)):
        found.setdefault(meeting.enrollment_id, meeting)
    return found


def changed_by_other_side(meetings: QuerySet[Meeting], viewer: User) -> QuerySet[Meeting]:
    """Meetings the other side cancelled or moved lately: the in-app notice."""
    since = timezone.now() - timedelta(days=CHANGE_NOTICE_DAYS)
    return (
        meetings.filter(changed_at__gte=since)
        .exclude(changed_by=viewer)
        .exclude(changed_by__isnull=True)
        .order_by("-changed_at")
    )


def windows(therapist: User, first: date, last: date) -> list[times.Window]:
    """The therapist's free time from `first` to `last` (Stockholm dates) as instants."""
    found: list[times.Window] = []
    weekly = list(WeeklyHours.objects.filter(therapist=therapist))
    slots = list(OpenSlot.objects.filter(therapist=therapist, day__gte=first, day__lte=last))
    for day in times.days(first, last):
        for hours in weekly:
            if hours.weekday == day.weekday():
                found.append(times.window(day, hours.starts, hours.ends))  # type: ignore[arg-type]
        for slot in slots:
            if slot.day == day:
                found.append(times.window(day, slot.starts, slot.ends))  # type: ignore[arg-type]
    return [w for w in found if w is not None]


def busy(
    therapist: User,
    participant: User | None,
    starts: datetime,
    ends: datetime,
    *,
    exclude: Meeting | None = None,
) -> list[tuple[datetime, datetime]]:
    """Booked meetings of the therapist (and of the participant) that touch [starts, ends)."""
    people = Q(therapist=therapist)
    if participant is not None:
        people |= Q(participant=participant)
    qs = Meeting.objects.filter(
        people, status=Status.SCHEDULED, starts_at__lt=ends, ends_at__gt=starts
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs.values_list("starts_at", "ends_at"))


def in_free_time(therapist: User, starts: datetime, ends: datetime) -> bool:
    """Whether [starts, ends) lies inside one stretch of the therapist's free time."""
    day = times.local(starts).date()
    return any(
        w.holds(starts, ends)
        for w in windows(therapist, day - timedelta(days=1), times.local(ends).date())
    )


def free_times(
    therapist: User,
    *,
    minutes: int = times.DEFAULT_MINUTES,
    participant: User | None = None,
    first: date | None = None,
    days: int = BOOKING_HORIZON_DAYS,
    exclude: Meeting | None = None,
) -> list[datetime]:
    """The start times (instants) at which a meeting of `minutes` could be booked: inside free
    time, after now, clear of the therapist's (and the participant's) booked meetings."""
    now = timezone.now()
    first = first or timezone.localdate(now, times.zone())
    last = first + timedelta(days=days)
    found = windows(therapist, first, last)
    if not found:
        return []
    span_start = min(w.starts for w in found)
    span_end = max(w.ends for w in found)
    taken = busy(therapist, participant, span_start, span_end, exclude=exclude)
    length = timedelta(minutes=minutes)
    offered = {
        moment
        for w in found
        for moment in times.starts_in(w, minutes)
        if moment > now and not times.overlaps(moment, moment + length, taken)
    }
    return sorted(offered)
