"""Meeting pages for the participant and the care team, and the therapist's free time.

Every page that shows staff a meeting writes the read to the access log (record_access)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from accounts.views import request_user, role_required
from audit.services import record_access
from modules.models import Enrollment, EnrollmentStatus

from . import selectors, services, times, video
from .ics import meeting_ics
from .models import Kind, Meeting, OpenSlot, Weekday, WeeklyHours


def _log_read(request: HttpRequest, meeting: Meeting, what: str) -> None:
    user = request_user(request)
    if user.pk != meeting.participant_id:
        record_access(
            actor=user,
            subject=meeting.participant,
            what=what,
            request=request,
            target_type="meeting",
            target_id=meeting.public_id,
            unit=meeting.enrollment.unit,
        )


def _choice(moment: datetime) -> tuple[str, datetime]:
    return (moment.isoformat(), times.local(moment))


def _posted_instant(value: str | None) -> datetime | None:
    """A free time as the form posts it (an ISO instant with its offset); None if malformed."""
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _number(value: str | None) -> int | None:
    """A small whole number written in ASCII digits, as the forms' selects post it; None for
    anything else ("²" and "٣" pass str.isdigit, and int() refuses the first: a 500 before)."""
    text = (value or "").strip()
    return int(text) if re.fullmatch(r"[0-9]{1,4}", text) else None


def _error(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- The participant --------------------------------------------------------------------------


@role_required(Role.PARTICIPANT)
def mine(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    meetings = selectors.meetings_for_participant(user).select_related(
        "enrollment__unit__organisation"
    )
    upcoming = list(selectors.upcoming(meetings))
    enrollment = (
        Enrollment.objects.filter(participant=user, status=EnrollmentStatus.ACTIVE)
        .select_related("unit__organisation", "therapist")
        .first()
    )
    may_book = bool(
        enrollment is not None
        and enrollment.therapist is not None
        and services.participants_may_book(enrollment)
    )
    return render(
        request,
        "meetings/mine.html",
        {
            "upcoming": upcoming,
            "changed": list(selectors.changed_by_other_side(meetings, user)[:5]),
            "may_book": may_book,
        },
    )


def _own_bookable_enrollment(user: User) -> Enrollment:
    enrollment = (
        Enrollment.objects.filter(participant=user, status=EnrollmentStatus.ACTIVE)
        .select_related("unit__organisation", "therapist")
        .first()
    )
    if enrollment is None or enrollment.therapist is None:
        raise Http404
    if not services.participants_may_book(enrollment):
        raise Http404
    return enrollment


@role_required(Role.PARTICIPANT)
def book_self(request: HttpRequest) -> HttpResponse:
    """The participant picks one of their therapist's free times (where the organisation
    allows it; 404 where it does not)."""
    user = request_user(request)
    enrollment = _own_bookable_enrollment(user)
    assert enrollment.therapist is not None
    error = ""
    status = 200
    if request.method == "POST":
        starts_at = _posted_instant(request.POST.get("starts_at"))
        kind = request.POST.get("kind", "")
        if starts_at is None:
            error, status = _("Choose one of the free times."), 400
        else:
            try:
                meeting = services.meeting_book(
                    actor=user,
                    enrollment=enrollment,
                    kind=kind,
                    starts_at=starts_at,
                    request=request,
                )
            except ValidationError as exc:
                error, status = _error(exc), 400
            else:
                messages.success(request, _("The meeting is booked."))
                return redirect("meetings:detail", meeting.public_id)
    free = selectors.free_times(enrollment.therapist, participant=user)
    return render(
        request,
        "meetings/book_self.html",
        {"free": [_choice(m) for m in free], "kinds": Kind.choices, "error": error},
        status=status,
    )


# --- Both sides -------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    user = request_user(request)
    is_staff = user.pk != meeting.participant_id
    free: list[datetime] = []
    if meeting.is_upcoming:
        free = selectors.free_times(
            meeting.therapist,
            minutes=meeting.minutes,
            participant=meeting.participant,
            exclude=meeting,
        )
    return {
        "meeting": meeting,
        "is_staff": is_staff,
        "free": [_choice(m) for m in free],
        "reason_max": services.REASON_MAX,
        "video_open": _video_open_for(meeting, user),
    }


def _visible(request: HttpRequest, public_id: UUID) -> Meeting:
    user = request_user(request)
    if not user.has_role(Role.PARTICIPANT, Role.THERAPIST):
        raise Http404
    return selectors.meeting_or_404(user, public_id)


def detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    meeting = _visible(request, public_id)
    _log_read(request, meeting, gettext_noop("meeting"))
    return render(request, "meetings/detail.html", _detail_context(request, meeting))


@require_POST
def cancel(request: HttpRequest, public_id: UUID) -> HttpResponse:
    meeting = _visible(request, public_id)
    _log_read(request, meeting, gettext_noop("meeting"))
    try:
        services.meeting_cancel(
            actor=request_user(request),
            meeting=meeting,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        context = _detail_context(request, meeting)
        context.update(cancel_error=_error(exc), reason=request.POST.get("reason", ""))
        return render(request, "meetings/detail.html", context, status=400)
    messages.success(request, _("The meeting is cancelled. The other person is told."))
    return redirect("meetings:detail", meeting.public_id)


@require_POST
def move(request: HttpRequest, public_id: UUID) -> HttpResponse:
    meeting = _visible(request, public_id)
    _log_read(request, meeting, gettext_noop("meeting"))
    starts_at = _posted_instant(request.POST.get("starts_at"))
    try:
        if starts_at is None:
            raise ValidationError(_("Choose one of the free times."))
        services.meeting_move(
            actor=request_user(request),
            meeting=meeting,
            starts_at=starts_at,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        context = _detail_context(request, meeting)
        context.update(move_error=_error(exc), move_reason=request.POST.get("reason", ""))
        return render(request, "meetings/detail.html", context, status=400)
    messages.success(request, _("The meeting is moved. The other person is told."))
    return redirect("meetings:detail", meeting.public_id)


def calendar_file(request: HttpRequest, public_id: UUID) -> HttpResponse:
    meeting = _visible(request, public_id)
    _log_read(request, meeting, gettext_noop("meeting calendar file"))
    # Neutral on purpose: a calendar is often shared or synced to a phone's lock screen.
    body = meeting_ics(meeting, _("Booked time"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="booking.ics"'
    return response


# --- The therapist ----------------------------------------------------------------------------


def _parse_time(value: str | None) -> time | None:
    try:
        return time.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@role_required(Role.THERAPIST)
def hours(request: HttpRequest) -> HttpResponse:
    """The therapist's free time (weekly hours and single slots) and their coming meetings."""
    user = request_user(request)
    error = ""
    status = 200
    if request.method == "POST":
        starts, ends = (
            _parse_time(request.POST.get("starts")),
            _parse_time(request.POST.get("ends")),
        )
        try:
            if starts is None or ends is None:
                raise ValidationError(_("Write the times as HH:MM, e.g. 09:00."))
            if request.POST.get("what") == "slot":
                day = _parse_date(request.POST.get("day"))
                if day is None:
                    raise ValidationError(_("Choose a date."))
                services.slot_add(actor=user, day=day, starts=starts, ends=ends)
            else:
                weekday = _number(request.POST.get("weekday"))
                if weekday is None:
                    raise ValidationError(_("Choose a weekday."))
                services.hours_add(actor=user, weekday=weekday, starts=starts, ends=ends)
        except ValidationError as exc:
            error, status = _error(exc), 400
        else:
            messages.success(request, _("Your free time is saved."))
            return redirect("meetings:hours")
    upcoming = list(
        selectors.upcoming(
            selectors.meetings_for_staff(user).filter(therapist=user)
        ).select_related("participant", "enrollment__unit")[:50]
    )
    for meeting in upcoming:
        _log_read(request, meeting, gettext_noop("meeting list"))
    return render(
        request,
        "meetings/hours.html",
        {
            "weekly": WeeklyHours.objects.filter(therapist=user),
            "slots": OpenSlot.objects.filter(
                therapist=user, day__gte=timezone.localdate(timezone.now(), times.zone())
            ),
            "weekdays": Weekday.choices,
            "upcoming": upcoming,
            "changed": list(
                selectors.changed_by_other_side(
                    selectors.meetings_for_staff(user), user
                ).select_related("participant")[:10]
            ),
            "error": error,
        },
        status=status,
    )


@require_POST
@role_required(Role.THERAPIST)
def hours_remove(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = request_user(request)
    item: WeeklyHours | OpenSlot | None = (
        WeeklyHours.objects.filter(therapist=user, public_id=public_id).first()
        or OpenSlot.objects.filter(therapist=user, public_id=public_id).first()
    )
    if item is None:
        raise Http404
    services.free_time_remove(actor=user, item=item)
    messages.success(request, _("The free time is removed."))
    return redirect("meetings:hours")


@role_required(Role.THERAPIST)
def book(request: HttpRequest, enrollment_id: UUID) -> HttpResponse:
    """The care team books a meeting with one of their participants, in their own free time."""
    user = request_user(request)
    enrollment = (
        Enrollment.objects.filter(public_id=enrollment_id)
        .select_related("participant", "unit__organisation")
        .first()
    )
    if (
        enrollment is None
        or enrollment.participant is None
        or not services.is_care_team(user, enrollment)
    ):
        raise Http404
    record_access(
        actor=user,
        subject=enrollment.participant,
        what=gettext_noop("meeting booking"),
        request=request,
        target_type="enrollment",
        target_id=enrollment.public_id,
        unit=enrollment.unit,
    )
    error = ""
    status = 200
    asked = _number(request.POST.get("minutes") or request.GET.get("minutes"))
    minutes = asked if asked in times.LENGTHS else times.DEFAULT_MINUTES
    if request.method == "POST":
        starts_at = _posted_instant(request.POST.get("starts_at"))
        try:
            if starts_at is None:
                raise ValidationError(_("Choose one of the free times."))
            meeting = services.meeting_book(
                actor=user,
                enrollment=enrollment,
                kind=request.POST.get("kind", ""),
                starts_at=starts_at,
                minutes=minutes,
                request=request,
            )
        except ValidationError as exc:
            error, status = _error(exc), 400
        else:
            messages.success(request, _("The meeting is booked. The participant is told."))
            return redirect("meetings:detail", meeting.public_id)
    free = selectors.free_times(user, minutes=minutes, participant=enrollment.participant)
    return render(
        request,
        "meetings/book.html",
        {
            "enrollment": enrollment,
            "free": [_choice(m) for m in free],
            "kinds": Kind.choices,
            "lengths": times.LENGTHS,
            "minutes": minutes,
            "error": error,
            "active": enrollment.status == EnrollmentStatus.ACTIVE,
        },
        status=status,
    )


# --- The video call ---------------------------------------------------------------------------

# This page alone may use the camera and the microphone (config/headers.py denies them to
# every other page); the rest stays as denied as everywhere.
VIDEO_PERMISSIONS_POLICY = (
    "camera=(self), microphone=(self), geolocation=(), payment=(), usb=(), display-capture=()"
)


def video_room(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The device check, the waiting room and the call of a video meeting, in one page with
    states (static/js/video.js; the socket: meetings.consumers). Only the meeting's two people
    get the room; the care team's others and anyone else get 404, like the meeting's page."""
    meeting = _visible(request, public_id)
    user = request_user(request)
    side = video.side(meeting, user)
    if meeting.kind != Kind.VIDEO or side is None:
        raise Http404
    _log_read(request, meeting, gettext_noop("video meeting"))
    response = render(
        request,
        "meetings/video.html",
        {
            "meeting": meeting,
            "side": side,
            "is_staff": side == "therapist",
            "room_open": video.meeting_room_open(meeting),
            "opens_at": video.opens_at(meeting),
            "socket_path": video.socket_path(meeting.public_id),
            "ice_servers": video.ice_servers(user),
            "strings": _video_strings(),
        },
    )
    response.headers["Permissions-Policy"] = VIDEO_PERMISSIONS_POLICY
    return response


def _video_strings() -> dict[str, str]:
    """What static/js/video.js says, in the page's language."""
    return {
        "checking": _("Asking the browser for the camera and microphone…"),
        "check_ok": _("Your camera and microphone work. Join when you are ready."),
        "refused": _(
            "The browser did not let Omtag use the camera or the microphone. Allow them for "
            "this site in the browser's settings, then check again."
        ),
        "no_device": _("No camera or microphone was found. Connect one and check again."),
        "no_webrtc": _(
            "This browser cannot make video calls. Try a recent Firefox, Chrome or Safari."
        ),
        "connecting": _("Connecting…"),
        "connected": _("You are in the call."),
        "knock": _("The participant is waiting. Let them in when you are ready."),
        "peer_left": _("The other person lost the connection. Waiting for them to come back."),
        "interrupted": _("The connection to Omtag was interrupted. Trying again…"),
        "logged_out": _("You are logged out. Log in again to join the meeting."),
        "closed": _("The video room is not open now."),
        "mute": _("Mute"),
        "unmute": _("Unmute"),
        "camera_off": _("Turn off camera"),
        "camera_on": _("Turn on camera"),
    }


def _video_open_for(meeting: Meeting, user: User) -> bool:
    """Whether the meeting's page links to its video room: a video meeting of this user's
    own (therapist or participant) whose room is open now."""
    return video.side(meeting, user) is not None and video.meeting_room_open(meeting)
