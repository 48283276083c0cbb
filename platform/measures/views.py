"""The participant fills in a due questionnaire; an admin edits the instruments and each
programme's schedule."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.views import request_user, role_required
from content.models import ProgramPage
from modules.models import Enrollment
from modules.receipts import receipt_id, receipt_keep
from modules.selectors import enrollment_or_404

from . import selectors, services
from .forms import InstrumentEditor, MeasureForm
from .models import Instrument, MeasureResponse, Occasion

MEASURE_RECEIPT = "omtag:measure-receipt"


@role_required(Role.PARTICIPANT)
def fill(request: HttpRequest, occasion: str, key: str) -> HttpResponse:
    participant = request_user(request)
    enrollment = enrollment_or_404(participant)
    if occasion not in Occasion.values:
        raise Http404
    instrument = selectors.scheduled_instrument(enrollment, occasion, key)
    if instrument is None:
        raise Http404

    def already_answered(status: int) -> HttpResponse:
        context = {"instrument": instrument, "remaining": selectors.due_for(enrollment)}
        return render(request, "measures/answered.html", context, status=status)

    if selectors.response_for(enrollment, instrument, occasion) is not None:
        return already_answered(409 if request.method == "POST" else 200)
    items = selectors.items_of(instrument)
    form = MeasureForm(request.POST or None, instrument=instrument, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            response = services.measure_response_submit(
                actor=participant,
                enrollment=enrollment,
                instrument=instrument,
                occasion=occasion,
                answers=form.answers(),
            )
        except services.AlreadyAnswered:
            return already_answered(409)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The receipt shows what to do now when an answer asks for it (also after a
            # reload); the session, not the address, says which response it was.
            receipt_keep(request, MEASURE_RECEIPT, response.public_id)
            return redirect("measures:thanks")
    return render(
        request,
        "measures/fill.html",
        {
            "form": form,
            "instrument": instrument,
            "occasion_label": Occasion(occasion).label,
            "progress": selectors.occasion_progress(enrollment, occasion, instrument),
            "unanswered": [field for field in form if field.errors],
        },
        status=400 if form.errors else 200,
    )


@role_required(Role.PARTICIPANT)
def thanks(request: HttpRequest) -> HttpResponse:
    enrollment = enrollment_or_404(request_user(request))
    return render(
        request,
        "measures/thanks.html",
        {
            "remaining": selectors.due_for(enrollment),
            "safety_now": _receipt_needs_safety(request, enrollment),
        },
    )


def _receipt_needs_safety(request: HttpRequest, enrollment: Enrollment) -> bool:
    """Whether the response just sent (this participant's own) has an answer that signals
    thoughts of death or self-harm."""
    public_id = receipt_id(request, MEASURE_RECEIPT)
    if public_id is None:
        return False
    response = (
        MeasureResponse.objects.filter(enrollment=enrollment, public_id=public_id)
        .select_related("instrument")
        .first()
    )
    if response is None:
        return False
    items = selectors.items_of(response.instrument)
    return bool(selectors.flagged_answers(response.instrument, items, response.answers))


# --- Admins --------------------------------------------------------------------------------------


@role_required(Role.ADMIN)
def admin_instruments(request: HttpRequest) -> HttpResponse:
    programmes = selectors.admin_programmes()
    if request.method == "POST":
        return _schedule_save(request, programmes)
    instruments = selectors.instruments_with_item_counts()
    context = {
        "instruments": instruments,
        "schedules": selectors.schedules(programmes, instruments),
        "occasions": Occasion.choices,
    }
    return render(request, "measures/admin_instruments.html", context)


def _schedule_save(request: HttpRequest, programmes: list[ProgramPage]) -> HttpResponse:
    """One programme's schedule as posted; the outcome is a message on the list page."""
    posted = request.POST.get("programme", "")
    programme = next((p for p in programmes if str(p.pk) == posted), None)
    if programme is None:
        raise Http404
    pairs = _posted_rules(request)
    try:
        services.schedule_set(actor=request_user(request), programme=programme, pairs=pairs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The schedule is saved."))
    return redirect("measures:admin_instruments")


def _posted_rules(request: HttpRequest) -> list[tuple[str, int]]:
    """The checked boxes as (occasion, instrument pk); a malformed value is left out (the
    service checks the occasions and instruments themselves)."""
    pairs = []
    for value in request.POST.getlist("rule"):
        occasion, _sep, instrument_id = value.partition(":")
        if instrument_id.isdigit():
            pairs.append((occasion, int(instrument_id)))
    return pairs


@role_required(Role.ADMIN)
def admin_instrument(request: HttpRequest, key: str | None = None) -> HttpResponse:
    instrument = Instrument()
    if key is not None:
        found = selectors.instrument_by_key(key)
        if found is None:
            raise Http404
        instrument = found
    posted = request.method == "POST"
    editor = InstrumentEditor.bind(instrument, request.POST if posted else None)
    error = ""
    if posted and editor.is_valid():
        edited, items = editor.edited()
        try:
            services.instrument_save(actor=request_user(request), instrument=edited, items=items)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(request, _("The questionnaire is saved."))
            return redirect("measures:admin_instrument", key=edited.key)
    context = _instrument_context(editor, error)
    return render(request, "measures/admin_instrument.html", context, status=400 if posted else 200)


def _instrument_context(editor: InstrumentEditor, error: str) -> dict[str, Any]:
    instrument = editor.instrument
    return {
        "form": editor.form,
        "items": editor.items,
        "scale": editor.scale,
        "bands": editor.bands,
        "score_range": editor.stored_range,
        "instrument": instrument if instrument.pk else None,
        "error": error,
        "has_responses": bool(instrument.pk) and instrument.responses.exists(),
    }
