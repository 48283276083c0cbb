"""The participant fills in a due questionnaire; an admin edits the instruments and each
programme's schedule."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from wagtail.models import Locale

from accounts.models import Role
from accounts.views import request_user, role_required
from content.models import ProgramPage
from modules.models import Enrollment
from modules.receipts import receipt_id, receipt_keep
from modules.selectors import enrollment_or_404

from . import selectors, services
from .forms import (
    BandFormSet,
    InstrumentForm,
    ItemFormSet,
    MeasureForm,
    ScaleFormSet,
    bands_initial,
    scale_initial,
    score_range,
)
from .models import Instrument, MeasureResponse, Occasion, ScheduleRule

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


def _programmes() -> list[ProgramPage]:
    return list(ProgramPage.objects.filter(locale=Locale.get_default()).order_by("path"))


@role_required(Role.ADMIN)
def admin_instruments(request: HttpRequest) -> HttpResponse:
    instruments = list(
        Instrument.objects.annotate(n_items=Count("items", distinct=True)).order_by("key")
    )
    programmes = _programmes()
    if request.method == "POST":
        programme = next(
            (p for p in programmes if str(p.pk) == request.POST.get("programme", "")), None
        )
        if programme is None:
            raise Http404
        pairs = []
        for value in request.POST.getlist("rule"):
            occasion, _sep, instrument_id = value.partition(":")
            if instrument_id.isdigit():
                pairs.append((occasion, int(instrument_id)))
        try:
            services.schedule_set(actor=request_user(request), programme=programme, pairs=pairs)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The schedule is saved."))
        return redirect("measures:admin_instruments")
    rules = set(
        ScheduleRule.objects.filter(programme__in=programmes).values_list(
            "programme_id", "occasion", "instrument_id"
        )
    )
    schedules = [
        {
            "programme": programme,
            "rows": [
                {
                    "instrument": instrument,
                    "cells": [
                        {
                            "value": f"{occasion}:{instrument.pk}",
                            "checked": (programme.pk, occasion, instrument.pk) in rules,
                            "label": label,
                        }
                        for occasion, label in Occasion.choices
                    ],
                }
                for instrument in instruments
            ],
        }
        for programme in programmes
    ]
    return render(
        request,
        "measures/admin_instruments.html",
        {"instruments": instruments, "schedules": schedules, "occasions": Occasion.choices},
    )


@role_required(Role.ADMIN)
def admin_instrument(request: HttpRequest, key: str | None = None) -> HttpResponse:
    instrument = Instrument()
    if key is not None:
        found = Instrument.objects.filter(key=key).first()
        if found is None:
            raise Http404
        instrument = found
    data = request.POST if request.method == "POST" else None
    form = InstrumentForm(data, instance=instrument)
    items = ItemFormSet(data, instance=instrument, prefix="items")
    stored_items = list(instrument.items.all()) if instrument.pk else []
    stored_range = score_range(instrument.scale or [], [item.scale for item in stored_items])
    scale = ScaleFormSet(data, prefix="scale", initial=scale_initial(instrument))
    bands = BandFormSet(
        data,
        prefix="bands",
        initial=bands_initial(instrument, stored_range[1] if stored_range else None),
    )
    error = ""
    valid: list[bool] = []
    if request.method == "POST":
        if items.is_valid() and scale.is_valid():
            # The possible scores follow the scale and the questions as submitted.
            bands.score_range = score_range(
                scale.as_json(),
                [
                    f.cleaned_data.get("scale")
                    for f in items.forms
                    if f.cleaned_data and (f.instance.pk or f.has_changed())
                ],
            )
        # Every part is checked, so each shows its own messages at once.
        valid = [part.is_valid() for part in (form, items, scale, bands)]
    if valid and all(valid):
        edited = form.save(commit=False)
        edited.scale = scale.as_json()
        edited.cutoffs = bands.as_json()
        changed = [f.save(commit=False) for f in items.forms if f.instance.pk or f.has_changed()]
        try:
            services.instrument_save(actor=request_user(request), instrument=edited, items=changed)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(request, _("The questionnaire is saved."))
            return redirect("measures:admin_instrument", key=edited.key)
    context: dict[str, Any] = {
        "form": form,
        "items": items,
        "scale": scale,
        "bands": bands,
        "score_range": stored_range,
        "instrument": instrument if instrument.pk else None,
        "error": error,
        "has_responses": bool(instrument.pk) and instrument.responses.exists(),
    }
    failed = request.method == "POST"
    return render(request, "measures/admin_instrument.html", context, status=400 if failed else 200)
