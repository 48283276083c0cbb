"""The public "ask for help" page, and the therapists' referral pages. Every staff read of a
referral is written to the access log against the referral (the person has no account yet)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from accounts.middleware import is_second_factor_verified
from accounts.models import Role
from accounts.views import request_user, role_required
from audit.services import record_read
from content.help import organisation_help_box
from organisations.models import Organisation, Unit
from organisations.selectors import help_organisations, help_unit

from . import protection, selectors, services
from .forms import (
    PERSON_FIELDS,
    CloseForm,
    EnrolForm,
    HelpRequestForm,
    ReferElsewhereForm,
    ReopenForm,
    StaffReferralForm,
)
from .models import OPEN_REFERRAL_STATUSES, Referral, ReferralStatus, Screening
from .screening import ScreeningForm, concerns, summary


def callback_days() -> int:
    return int(getattr(settings, "INTAKE_CALLBACK_DAYS", 3))


# --- The public page -------------------------------------------------------------------------


def _ask_page(
    request: HttpRequest,
    form: HelpRequestForm,
    *,
    unit: Unit | None = None,
    refusal: str = "",
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "refusal": refusal,
        "notice": notice,
        "callback_days": callback_days(),
    }
    if unit is not None:
        # The organisation's own help box and name, where it has set them.
        context.update(organisation_help_box(request, unit.organisation))
    return render(request, "intake/ask.html", context, status=status)


def _receiving_unit(slug: str | None) -> Unit | None:
    """The unit that receives this form: the organisation's for /help/<slug>/ (404 for an
    unknown one), the only organisation's for /help/, None when /help/ must let the person
    choose among several."""
    if slug is not None:
        try:
            return help_unit(slug)
        except (Organisation.DoesNotExist, Unit.DoesNotExist) as missing:
            raise Http404 from missing
    if len(help_organisations()) > 1:
        return None
    return help_unit()


def _signed_in(request: HttpRequest) -> bool:
    """A session past both factors is a person: the fill-time check is for anonymous
    senders (and leaving the timestamp out keeps a signed-in person's page the same on every
    render, which the partner wall's before/after comparison relies on)."""
    return is_second_factor_verified(request.user)


def _fresh_token(request: HttpRequest) -> str:
    return "" if _signed_in(request) else protection.issue_token()


def _kept(request: HttpRequest) -> HelpRequestForm:
    """The form again, unbound, with what the person typed, the honeypot emptied, and the
    original timestamp kept if it is genuine (so a person who was "too fast" is not made to
    wait again)."""
    token = request.POST.get("started", "")
    if protection.token_time(token) is None:
        token = _fresh_token(request)
    typed = {key: request.POST.get(key, "") for key in PERSON_FIELDS}
    return HelpRequestForm(initial={**typed, "started": token, "website": ""})


@login_not_required
def ask(request: HttpRequest, organisation: str | None = None) -> HttpResponse:
    unit = _receiving_unit(organisation)
    if unit is None:
        # Several organisations: the person chooses whose form to fill in.
        return render(
            request,
            "intake/ask_choose.html",
            {"organisations": help_organisations()},
            status=200 if request.method != "POST" else 400,
        )
    if request.method != "POST":
        return _ask_page(
            request, HelpRequestForm(initial={"started": _fresh_token(request)}), unit=unit
        )
    if protection.rate_limited(request):
        refusal = _(
            "Many requests have been sent from this connection in the last hour, so this one "
            "was not sent. Please try again in an hour. If you need to talk to someone now, "
            "call one of the numbers below."
        )
        return _ask_page(request, _kept(request), unit=unit, refusal=refusal, status=429)
    form = HelpRequestForm(request.POST)
    if form.looks_automated(timed=not _signed_in(request)):
        refusal = _("Your request could not be sent. Please check the form and send it again.")
        return _ask_page(request, _kept(request), unit=unit, refusal=refusal, status=400)
    if form.is_valid():
        try:
            services.referral_submit(
                person=form.person_fields(),
                unit=unit,
                once=protection.token_nonce(form.data.get("started")),
            )
        except services.AlreadySent:
            # Sent twice (the back button, a double click, or a replay): nothing is stored
            # again. A fresh, empty form, in case the person means to ask again.
            notice = _(
                "This form has already been sent, so it was not sent again. Your first request "
                "has reached us and you do not need to do anything more. To send a new "
                "request, fill in the form below."
            )
            fresh = HelpRequestForm(initial={"started": _fresh_token(request)})
            return _ask_page(request, fresh, unit=unit, notice=notice, status=409)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("intake:ask_sent")
    return _ask_page(request, form, unit=unit, status=400)


@login_not_required
def ask_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/ask_sent.html", {"callback_days": callback_days()})


# --- Staff: the queue ------------------------------------------------------------------------


@role_required(Role.THERAPIST, Role.ADMIN)
def referrals(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    rows = selectors.open_queue(user)
    record_read(
        request, target_type="referral_queue", target_id="", what=gettext_noop("open referrals")
    )
    return render(
        request,
        "intake/referrals.html",
        {
            "rows": rows,
            "decided": list(selectors.recently_decided(user)),
            "may_open": services.is_therapist(user),
        },
    )


@role_required(Role.THERAPIST, Role.ADMIN)
def referral_new(request: HttpRequest) -> HttpResponse:
    form = StaffReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.referral_enter(
                actor=request_user(request),
                source=data["source"],
                received_on=data["received_on"],
                agency=data["agency"],
                agency_contact=data["agency_contact"],
                consent_to_contact=data["consent_to_contact"],
                person={key: data[key] for key in PERSON_FIELDS},
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The referral is entered."))
            if services.is_therapist(request_user(request)):
                return redirect("intake:referral", referral.public_id)
            return redirect("intake:referrals")
    return render(
        request,
        "intake/referral_new.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- Staff: one referral ---------------------------------------------------------------------


def _referral(request: HttpRequest, public_id: UUID, what: str) -> Referral:
    referral = selectors.referral_or_404(request_user(request), public_id)
    record_read(
        request,
        target_type="referral",
        target_id=referral.public_id,
        what=what,
        unit=referral.unit,
    )
    return referral


def _referral_page(
    request: HttpRequest, referral: Referral, *, status: int = 200, **forms: Any
) -> HttpResponse:
    record_read(
        request,
        target_type="referral",
        target_id=referral.public_id,
        what=gettext_noop("contact details"),
        unit=referral.unit,
    )
    screening = Screening.objects.filter(referral=referral).select_related("screened_by").first()
    answers = screening.answers if screening else {}
    is_open = referral.status in OPEN_REFERRAL_STATUSES
    return render(
        request,
        "intake/referral.html",
        {
            "referral": referral,
            "days": selectors.days_waited(referral),
            "is_open": is_open,
            "screening": screening,
            "screening_rows": summary(answers) if screening else [],
            "concerns": concerns(answers) if screening else [],
            "events": list(referral.events.select_related("by")),
            "enrol_form": forms.get("enrol_form") or EnrolForm(),
            "elsewhere_form": forms.get("elsewhere_form") or ReferElsewhereForm(),
            "close_form": forms.get("close_form") or CloseForm(),
            "reopen_form": forms.get("reopen_form") or ReopenForm(),
            "workbench": referral.enrollment
            if referral.enrollment
            and referral.enrollment.participant_id
            and referral.enrollment.therapist_id == request_user(request).pk
            else None,
        },
        status=status,
    )


@role_required(Role.THERAPIST)
def referral(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _referral_page(request, selectors.referral_or_404(request_user(request), public_id))


def _act(
    request: HttpRequest, referral: Referral, action: Any, done: str, **kwargs: Any
) -> str | None:
    """Run a service; a message and None when it worked, the refusal's text when not."""
    try:
        action(actor=request_user(request), referral=referral, request=request, **kwargs)
    except ValidationError as error:
        return " ".join(error.messages)
    messages.success(request, done)
    return None


@require_POST
@role_required(Role.THERAPIST)
def referral_contact(request: HttpRequest, public_id: UUID) -> HttpResponse:
    the_referral = selectors.referral_or_404(request_user(request), public_id)
    problem = _act(
        request,
        the_referral,
        services.referral_record_contact,
        _("The first contact is recorded."),
    )
    if problem:
        messages.error(request, problem)
    return redirect("intake:referral", the_referral.public_id)


@role_required(Role.THERAPIST)
def referral_screening(request: HttpRequest, public_id: UUID) -> HttpResponse:
    the_referral = _referral(request, public_id, gettext_noop("screening"))
    if the_referral.status not in OPEN_REFERRAL_STATUSES:
        messages.info(request, _("This referral is already decided; its screening is final."))
        return redirect("intake:referral", the_referral.public_id)
    screening = Screening.objects.filter(referral=the_referral).first()
    initial = {**screening.answers, "notes": screening.notes} if screening else {}
    if isinstance(initial.get("motivation"), int):
        initial["motivation"] = str(initial["motivation"])
    form = ScreeningForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.screening_save(
                actor=request_user(request),
                referral=the_referral,
                answers=form.answers(),
                notes=form.cleaned_data["notes"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The screening is saved."))
            return redirect("intake:referral", the_referral.public_id)
    return render(
        request,
        "intake/screening.html",
        {"referral": the_referral, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _decide(
    request: HttpRequest,
    public_id: UUID,
    *,
    form_class: type[Form],
    form_name: str,
    action: Any,
    done: str,
    allowed: Collection[str] = OPEN_REFERRAL_STATUSES,
    refusal: str = "",
) -> HttpResponse:
    """One of the decisions on a referral's page: refused with `refusal` (by default "already
    decided") unless the referral's status is in `allowed`; otherwise the service runs with
    the form's data, or the page comes back with the form's errors."""
    the_referral = selectors.referral_or_404(request_user(request), public_id)
    if the_referral.status not in allowed:
        messages.error(request, refusal or _("This referral is already decided."))
        return redirect("intake:referral", the_referral.public_id)
    form = form_class(request.POST)
    if form.is_valid():
        problem = _act(request, the_referral, action, done, **form.cleaned_data)
        if problem is None:
            return redirect("intake:referral", the_referral.public_id)
        form.add_error(None, problem)
    return _referral_page(request, the_referral, status=400, **{form_name: form})


@require_POST
@role_required(Role.THERAPIST)
def referral_enrol(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _decide(
        request,
        public_id,
        form_class=EnrolForm,
        form_name="enrol_form",
        action=services.referral_enrol,
        done=_("The person is enrolled and their invitation is sent."),
    )


@require_POST
@role_required(Role.THERAPIST)
def referral_elsewhere(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _decide(
        request,
        public_id,
        form_class=ReferElsewhereForm,
        form_name="elsewhere_form",
        action=services.referral_refer_elsewhere,
        done=_("The referral elsewhere is recorded."),
    )


@require_POST
@role_required(Role.THERAPIST)
def referral_close(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _decide(
        request,
        public_id,
        form_class=CloseForm,
        form_name="close_form",
        action=services.referral_close,
        done=_("The referral is closed."),
    )


@require_POST
@role_required(Role.THERAPIST)
def referral_reopen(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _decide(
        request,
        public_id,
        form_class=ReopenForm,
        form_name="reopen_form",
        action=services.referral_reopen,
        done=_("The referral is open again."),
        allowed=[ReferralStatus.CLOSED],
        refusal=_("Only a closed referral can be reopened."),
    )
