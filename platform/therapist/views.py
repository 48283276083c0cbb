"""The therapist's workbench: the caseload, and one participant's overview, answers and
case notes. Every page about one participant is written to the access log."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from accounts.forms import ParticipantInvitationForm
from accounts.models import Role
from accounts.scope import units_where
from accounts.views import request_user, role_required
from audit.services import record_access
from measures.charts import closeness_chart
from meetings import selectors as meeting_selectors
from meetings.models import OUTCOMES
from messaging.services import BODY_MAX
from messaging.views import note_at_section, section_note
from modules.models import Enrollment, RiskSignal
from modules.selectors import answers_by_module, checkins_for, module_rows, progress_or_404
from modules.services import participant_invite
from organisations.models import Unit

from . import selectors, services
from .models import CaseNote

# A greeting that could not be sent with an opened module, kept for the overview's message box.
_UNSENT_GREETING = "omtag_unsent_greeting"

CASELOAD_PAGE_SIZE = 50


@role_required(Role.THERAPIST)
def home(request: HttpRequest) -> HttpResponse:
    units = Unit.objects.filter(
        pk__in=units_where(request_user(request), Role.THERAPIST)
    ).select_related("organisation")
    form = ParticipantInvitationForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            participant_invite(
                actor=request_user(request),
                email=form.cleaned_data["email"],
                display_name=form.cleaned_data["display_name"],
                unit=form.cleaned_data.get("unit"),
                request=request,
                identity_number=form.cleaned_data.get("identity_number", ""),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The invitation has been sent."))
            return redirect("therapist:home")
    shown = request.GET.get("show", "all")
    if shown not in selectors.FILTERS:
        shown = "all"
    # The whole caseload is read and ordered by urgency (one query); only a page of it is
    # rendered, since the rendering of its rows is what grows with the caseload.
    caseload = selectors.caseload(request_user(request), shown)
    page = Paginator(caseload, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    # Two reverse() calls for the whole table instead of two per row.
    marker = "00000000-0000-0000-0000-000000000000"
    person_url = reverse("therapist:participant", args=[marker])
    thread_url = reverse("messaging:thread", args=[marker])
    for row in rows:
        row.url = person_url.replace(marker, str(row.enrollment.public_id))
        row.thread_url = thread_url.replace(marker, str(row.enrollment.thread.public_id))
    return render(
        request,
        "therapist/home.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "shown": shown,
            "filters": [
                ("all", _("Everyone")),
                ("waiting", _("Waiting for me")),
                ("risk", _("Risk")),
                ("inactive", _("Inactive more than 7 days")),
                ("completed", _("Ended")),
            ],
        },
    )


def _enrollment(request: HttpRequest, public_id: UUID, what: str) -> Enrollment:
    enrollment = selectors.enrollment_or_404(request_user(request), public_id)
    assert enrollment.participant is not None
    record_access(
        actor=request_user(request),
        subject=enrollment.participant,
        what=what,
        request=request,
        target_type="enrollment",
        target_id=enrollment.public_id,
        unit=enrollment.unit,
    )
    return enrollment


def _tabs(enrollment: Enrollment, current: str) -> dict[str, Any]:
    return {"enrollment": enrollment, "tab": current}


@role_required(Role.THERAPIST)
def participant(request: HttpRequest, public_id: UUID) -> HttpResponse:
    enrollment = _enrollment(request, public_id, gettext_noop("overview"))
    conversation = selectors.recent_messages(request_user(request), enrollment)
    if conversation is not None and conversation.messages:
        assert enrollment.participant is not None
        record_access(
            actor=request_user(request),
            subject=enrollment.participant,
            what=gettext_noop("messages"),
            request=request,
            target_type="thread",
            target_id=conversation.thread.public_id,
            unit=enrollment.unit,
        )
    checkins = checkins_for(enrollment)
    open_signals, closed_signals = selectors.risk_signals(enrollment)
    measures = selectors.measure_overview(enrollment)
    rows = module_rows(enrollment)
    meetings = _meetings_of(request, enrollment)
    if measures.sections:
        assert enrollment.participant is not None
        record_access(
            actor=request_user(request),
            subject=enrollment.participant,
            what=gettext_noop("measures"),
            request=request,
            target_type="enrollment",
            target_id=enrollment.public_id,
            unit=enrollment.unit,
        )
    return render(
        request,
        "therapist/participant.html",
        {
            **_tabs(enrollment, "overview"),
            "rows": rows,
            "next_key": selectors.next_module_key(rows),
            "checkins": checkins,
            "chart": closeness_chart(checkins),
            "open_signals": open_signals,
            "closed_signals": closed_signals,
            "conversation": conversation,
            "measures": measures.history,
            "measure_sections": measures.sections,
            "client_id": uuid4(),
            "body_max": BODY_MAX,
            "section_note": section_note(request),
            "unsent_greeting": _pop_unsent_greeting(request, enrollment),
            **meetings,
        },
    )


@role_required(Role.THERAPIST)
def answers(request: HttpRequest, public_id: UUID) -> HttpResponse:
    enrollment = _enrollment(request, public_id, gettext_noop("answers"))
    return render(
        request,
        "therapist/answers.html",
        {**_tabs(enrollment, "answers"), "modules": answers_by_module(enrollment)},
    )


@role_required(Role.THERAPIST)
def notes(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = request_user(request)
    enrollment = selectors.enrollment_or_404(user, public_id)
    error = ""
    body = ""
    if request.method == "POST":
        body = request.POST.get("body", "")
        corrects = None
        if request.POST.get("corrects"):
            corrects = _note_or_404(enrollment, request.POST["corrects"])
        try:
            services.note_add(actor=user, enrollment=enrollment, body=body, corrects=corrects)
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(request, _("The note is saved."))
            return redirect("therapist:notes", enrollment.public_id)
    _enrollment(request, public_id, gettext_noop("notes"))
    entries = list(
        CaseNote.objects.filter(enrollment=enrollment).select_related("author", "corrects")
    )
    return render(
        request,
        "therapist/notes.html",
        {
            **_tabs(enrollment, "notes"),
            "notes": entries,
            "error": error,
            "body": body,
            "correcting": request.GET.get("corrects", ""),
        },
        status=400 if error else 200,
    )


def _meetings_of(request: HttpRequest, enrollment: Enrollment) -> dict[str, Any]:
    """The overview's meetings: the next one, those that have started whose outcome is not yet
    recorded, and those someone else cancelled or moved lately, e.g. cancelled when the
    participant got a new therapist (three queries; the read is logged when there is any)."""
    user = request_user(request)
    mine = meeting_selectors.meetings_for_staff(user).filter(enrollment=enrollment)
    upcoming = meeting_selectors.upcoming(mine).first()
    to_record = list(meeting_selectors.awaiting_outcome(mine)[:5])
    changed = list(meeting_selectors.changed_by_other_side(mine, user)[:3])
    if upcoming is not None or to_record or changed:
        assert enrollment.participant is not None
        record_access(
            actor=request_user(request),
            subject=enrollment.participant,
            what=gettext_noop("meetings"),
            request=request,
            target_type="enrollment",
            target_id=enrollment.public_id,
            unit=enrollment.unit,
        )
    return {
        "next_meeting": upcoming,
        "meetings_to_record": to_record,
        "meetings_changed": changed,
        "meeting_outcomes": [(o.value, o.label) for o in OUTCOMES],
    }


@require_POST
@role_required(Role.THERAPIST)
def meeting_outcome(request: HttpRequest, public_id: UUID, meeting_id: UUID) -> HttpResponse:
    """Record what happened at a meeting, with a note that goes into the case notes."""
    user = request_user(request)
    enrollment = selectors.enrollment_or_404(user, public_id)
    meeting = (
        meeting_selectors.meetings_for_staff(user)
        .filter(enrollment=enrollment, public_id=meeting_id)
        .select_related("enrollment__unit")
        .first()
    )
    if meeting is None:
        raise Http404
    try:
        services.meeting_outcome_record(
            actor=user,
            meeting=meeting,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
    else:
        messages.success(request, _("What happened is recorded in the case notes."))
    return redirect(f"{reverse('therapist:participant', args=[enrollment.public_id])}#meetings")


def _pop_unsent_greeting(request: HttpRequest, enrollment: Enrollment) -> str:
    kept = request.session.get(_UNSENT_GREETING)
    if not isinstance(kept, dict) or kept.get("enrollment") != str(enrollment.public_id):
        return ""
    del request.session[_UNSENT_GREETING]
    return str(kept.get("text", ""))


def _note_or_404(enrollment: Enrollment, public_id: str) -> CaseNote:
    try:
        key = UUID(public_id)
    except ValueError:
        raise Http404 from None
    note = CaseNote.objects.filter(enrollment=enrollment, public_id=key).first()
    if note is None:
        raise Http404
    return note


@require_POST
@role_required(Role.THERAPIST)
def module_access(request: HttpRequest, public_id: UUID, key: UUID, action: str) -> HttpResponse:
    if action not in ("open", "close"):
        raise Http404
    user = request_user(request)
    enrollment = selectors.enrollment_or_404(user, public_id)
    progress = progress_or_404(enrollment, key)
    try:
        if action == "open":
            greeting = request.POST.get("greeting", "")[:BODY_MAX]
            opened = services.module_open_with_greeting(
                actor=user, enrollment=enrollment, module=progress.module, greeting=greeting
            )
            if opened.greeting_problem:
                # The words are not lost: they wait in the overview's message box.
                request.session[_UNSENT_GREETING] = {
                    "enrollment": str(enrollment.public_id),
                    "text": greeting,
                }
                note_at_section(
                    request,
                    "modules",
                    _("The module is open for the participant.")
                    + " "
                    + _("Your greeting was not sent: %(reason)s Your text is in the message box.")
                    % {"reason": opened.greeting_problem},
                    kind="warning",
                )
            else:
                note_at_section(request, "modules", _("The module is open for the participant."))
        else:
            services.module_close(actor=user, enrollment=enrollment, module=progress.module)
            note_at_section(
                request, "modules", _("The module is closed again. The answers are kept.")
            )
    except ValidationError as problem:
        note_at_section(request, "modules", " ".join(problem.messages), kind="error")
    # Back to the same row of the module table, not the top of the overview.
    url = reverse("therapist:participant", args=[enrollment.public_id])
    return redirect(f"{url}#module-{progress.module.translation_key}")


@require_POST
@role_required(Role.THERAPIST)
def risk_acknowledge(request: HttpRequest, public_id: UUID, signal_id: UUID) -> HttpResponse:
    user = request_user(request)
    enrollment = selectors.enrollment_or_404(user, public_id)
    signal = RiskSignal.objects.filter(enrollment=enrollment, public_id=signal_id).first()
    if signal is None:
        raise Http404
    try:
        services.risk_acknowledge(
            actor=user, signal=signal, comment=request.POST.get("comment", "")
        )
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
    else:
        messages.success(request, _("The signal is acknowledged."))
    return redirect(reverse("therapist:participant", args=[enrollment.public_id]) + "#risk")


@require_POST
@role_required(Role.THERAPIST)
def checkin_interval(request: HttpRequest, public_id: UUID) -> HttpResponse:
    from modules.services import enrollment_set_checkin_interval

    user = request_user(request)
    enrollment = selectors.enrollment_or_404(user, public_id)
    try:
        days = int(request.POST.get("days", ""))
        enrollment_set_checkin_interval(actor=user, enrollment=enrollment, days=days)
    except ValueError:
        messages.error(request, _("Choose between 1 and 28 days."))
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
    else:
        messages.success(request, _("The check-in schedule is changed."))
    return redirect(reverse("therapist:participant", args=[enrollment.public_id]) + "#checkins")
