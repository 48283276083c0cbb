"""Pages for partner-contact workers (and one for admins, who assign cases without reading
them). Every read is written to the access log against the case or the enrollment, never
with the participant as its subject (see services' docstring)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.scope import units_where
from accounts.selectors import users_with_role
from accounts.views import request_user, role_required
from audit.services import record_read
from modules.models import Enrollment

from . import selectors, services
from .forms import (
    ANSWER_LABELS,
    AssessmentForm,
    ConsentForm,
    ContactForm,
    ConversationLogForm,
    SafetyPlanForm,
    StatusForm,
    WithdrawForm,
)
from .models import AssessedLevel, PartnerCase, PartnerConsent, SafetyPlan


def _case(request: HttpRequest, public_id: UUID, what: str) -> PartnerCase:
    case = selectors.case_or_404(request_user(request), public_id)
    record_read(
        request,
        target_type="partner_case",
        target_id=case.public_id,
        what=what,
        unit=case.enrollment.unit,
    )
    return case


@role_required(Role.PARTNER_WORKER)
def home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    cases = list(selectors.case_list(user))
    enrollments = list(selectors.open_enrollments(user))
    record_read(
        request,
        target_type="partner_overview",
        target_id="",
        what=gettext_noop("cases and open treatments"),
    )
    return render(
        request,
        "partner/home.html",
        {
            "open_cases": [c for c in cases if c.status in ("offered", "active")],
            "ended_cases": [c for c in cases if c.status not in ("offered", "active")],
            "enrollments": enrollments,
            "level_choices": AssessedLevel.choices,
        },
    )


def _enrollment_page(
    request: HttpRequest,
    enrollment: Enrollment,
    *,
    consent_form: ConsentForm | None = None,
    contact_form: ContactForm | None = None,
    withdraw_errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request_user(request)
    consents = selectors.consent_states(enrollment)
    missing = [c.kind for c in consents if c.standing is None]
    cases = list(PartnerCase.objects.filter(enrollment=enrollment).select_related("worker"))
    record_read(
        request,
        target_type="enrollment",
        target_id=enrollment.public_id,
        what=gettext_noop("partner contact: consents and cases"),
        unit=enrollment.unit,
    )
    return render(
        request,
        "partner/enrollment.html",
        {
            "enrollment": enrollment,
            "consents": consents,
            "consent_form": consent_form or ConsentForm(missing=missing),
            "withdraw_form": WithdrawForm(),
            "withdraw_errors": withdraw_errors or {},
            "contact_form": contact_form or ContactForm(),
            "my_cases": [c for c in cases if c.worker_id == user.pk],
            "others_open": [
                c for c in cases if c.worker_id != user.pk and c.status in ("offered", "active")
            ],
            "may_open": services.standing_consent(enrollment, "inform") is not None
            and not any(c.status in ("offered", "active") for c in cases),
        },
        status=status,
    )


@role_required(Role.PARTNER_WORKER)
def enrollment(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _enrollment_page(request, selectors.enrollment_or_404(request_user(request), public_id))


@require_POST
@role_required(Role.PARTNER_WORKER)
def consent_record(request: HttpRequest, public_id: UUID) -> HttpResponse:
    the_enrollment = selectors.enrollment_or_404(request_user(request), public_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.consent_record(
                actor=request_user(request),
                enrollment=the_enrollment,
                kind=form.cleaned_data["kind"],
                given_on=form.cleaned_data["given_on"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The consent is recorded."))
            return redirect("partner:enrollment", the_enrollment.public_id)
    return _enrollment_page(request, the_enrollment, consent_form=form, status=400)


@require_POST
@role_required(Role.PARTNER_WORKER)
def consent_withdraw(request: HttpRequest, public_id: UUID, consent_id: UUID) -> HttpResponse:
    the_enrollment = selectors.enrollment_or_404(request_user(request), public_id)
    consent = PartnerConsent.objects.filter(enrollment=the_enrollment, public_id=consent_id).first()
    form = WithdrawForm(request.POST)
    if consent is None:
        messages.error(request, _("That consent was not found."))
        return redirect("partner:enrollment", the_enrollment.public_id)
    if form.is_valid():
        try:
            services.consent_withdraw(
                actor=request_user(request),
                consent=consent,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.warning(
                request,
                _(
                    "The withdrawal is recorded. Contact with the partner on the "
                    "participant's behalf must stop."
                )
                if consent.kind == "inform"
                else _("The withdrawal is recorded. Nothing more may be passed on."),
            )
            return redirect("partner:enrollment", the_enrollment.public_id)
    errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    return _enrollment_page(
        request, the_enrollment, withdraw_errors={str(consent.public_id): errors}, status=400
    )


@require_POST
@role_required(Role.PARTNER_WORKER)
def case_open(request: HttpRequest, public_id: UUID) -> HttpResponse:
    the_enrollment = selectors.enrollment_or_404(request_user(request), public_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            case = services.case_open(
                actor=request_user(request), enrollment=the_enrollment, contact=form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The partner case is opened and assigned to you."))
            return redirect("partner:case", case.public_id)
    return _enrollment_page(request, the_enrollment, contact_form=form, status=400)


@role_required(Role.PARTNER_WORKER)
def case(request: HttpRequest, public_id: UUID) -> HttpResponse:
    the_case = _case(request, public_id, gettext_noop("case"))
    assessments = list(the_case.assessments.select_related("assessed_by", "shared_by"))
    latest = assessments[0] if assessments else None
    plan = SafetyPlan.objects.filter(case=the_case).first()
    return render(
        request,
        "partner/case.html",
        {
            "case": the_case,
            "treatment": the_case.enrollment,
            "consents": selectors.consent_states(the_case.enrollment),
            "contact_allowed": services.standing_consent(the_case.enrollment, "inform") is not None,
            "share_allowed": services.standing_consent(the_case.enrollment, "share") is not None,
            "conversations": list(the_case.conversations.select_related("recorded_by")),
            "assessments": assessments,
            "latest": latest,
            "latest_answers": _answers(latest) if latest else [],
            "plan": plan,
            "status_choices": [
                (value, label)
                for value, label in StatusForm.base_fields["status"].choices  # type: ignore[attr-defined]
                if value in services.CASE_STATUS_CHANGES.get(the_case.status, set())
            ],
        },
    )


def _answers(assessment: Any) -> list[dict[str, Any]]:
    return [
        {
            "question": item.text if item else key,
            "answer": str(ANSWER_LABELS.get(value, value)),
            "flag": value in ("yes", "weekly", "daily"),
        }
        for item, key, value in selectors.answered_items(assessment)
    ]


@role_required(Role.PARTNER_WORKER)
def case_contact(request: HttpRequest, public_id: UUID) -> HttpResponse:
    the_case = _case(request, public_id, gettext_noop("contact details"))
    form = ContactForm(request.POST or None, instance=the_case)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update_contact(
                actor=request_user(request), case=the_case, contact=form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The contact details are saved."))
            return redirect("partner:case", the_case.public_id)
    return render(
        request,
        "partner/contact.html",
        {"case": the_case, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@role_required(Role.PARTNER_WORKER)
def case_status(request: HttpRequest, public_id: UUID) -> HttpResponse:
    the_case = selectors.case_or_404(request_user(request), public_id)
    form = StatusForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose a status from the list."))
        services.case_set_status(
            actor=request_user(request), case=the_case, status=form.cleaned_data["status"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The case status is changed."))
    return redirect("partner:case", the_case.public_id)


@role_required(Role.PARTNER_WORKER)
def conversation_new(request: HttpRequest, public_id: UUID) -> HttpResponse:
    the_case = _case(request, public_id, gettext_noop("log a conversation"))
    form = ConversationLogForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.conversation_add(
                actor=request_user(request), case=the_case, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The conversation is logged."))
            return redirect("partner:case", the_case.public_id)
    return render(
        request,
        "partner/conversation_form.html",
        {"case": the_case, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.PARTNER_WORKER)
def assessment_new(request: HttpRequest, public_id: UUID) -> HttpResponse:
    the_case = _case(request, public_id, gettext_noop("new risk assessment"))
    form = AssessmentForm(request.POST or None, sections=selectors.instrument())
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_record(
                actor=request_user(request),
                case=the_case,
                assessed_on=form.cleaned_data["assessed_on"],
                answers=form.answers(),
                description=form.cleaned_data["description"],
                level=form.cleaned_data["level"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The risk assessment is recorded."))
            return redirect("partner:case", the_case.public_id)
    return render(
        request,
        "partner/assessment_form.html",
        {"case": the_case, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.PARTNER_WORKER)
def assessment(request: HttpRequest, public_id: UUID, assessment_id: UUID) -> HttpResponse:
    the_case = _case(request, public_id, gettext_noop("risk assessment"))
    the_assessment = selectors.assessment_or_404(the_case, assessment_id)
    return render(
        request,
        "partner/assessment.html",
        {"case": the_case, "assessment": the_assessment, "answers": _answers(the_assessment)},
    )


@require_POST
@role_required(Role.PARTNER_WORKER)
def assessment_share(request: HttpRequest, public_id: UUID, assessment_id: UUID) -> HttpResponse:
    the_case = selectors.case_or_404(request_user(request), public_id)
    the_assessment = selectors.assessment_or_404(the_case, assessment_id)
    try:
        services.assessment_share(actor=request_user(request), assessment=the_assessment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "The participant's therapist now sees the risk level and its date among their "
                "risk signals, nothing else."
            ),
        )
    return redirect("partner:case", the_case.public_id)


@role_required(Role.PARTNER_WORKER)
def safety_plan(request: HttpRequest, public_id: UUID) -> HttpResponse:
    the_case = _case(request, public_id, gettext_noop("safety plan"))
    plan = SafetyPlan.objects.filter(case=the_case).first()
    form = SafetyPlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.safety_plan_save(
                actor=request_user(request), case=the_case, plan=form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The safety plan is saved."))
            return redirect("partner:case", the_case.public_id)
    return render(
        request,
        "partner/safety_plan.html",
        {"case": the_case, "form": form, "plan": plan},
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.PARTNER_WORKER)
def safety_plan_print(request: HttpRequest, public_id: UUID) -> HttpResponse:
    the_case = _case(request, public_id, gettext_noop("safety plan, printed"))
    plan = SafetyPlan.objects.filter(case=the_case).first()
    form = SafetyPlanForm(instance=plan)
    fields = [(form[name].label, getattr(plan, name, "")) for name in services.PLAN_FIELDS]
    return render(
        request,
        "partner/safety_plan_print.html",
        {"case": the_case, "plan": plan, "fields": [(label, v) for label, v in fields if v]},
    )


# --- Administration: who handles which case, never what is in it ------------------------------


@role_required(Role.ADMIN)
def admin_cases(request: HttpRequest) -> HttpResponse:
    units = units_where(request_user(request), Role.ADMIN)
    cases = (
        PartnerCase.objects.filter(enrollment__unit__in=units)
        .select_related("worker")
        .only("public_id", "status", "status_changed_at", "created_at", "worker")
    )
    return render(
        request,
        "partner/admin_cases.html",
        {"cases": cases, "workers": list(users_with_role(Role.PARTNER_WORKER, units=units))},
    )


@require_POST
@role_required(Role.ADMIN)
def admin_assign(request: HttpRequest, public_id: UUID) -> HttpResponse:
    the_case = (
        PartnerCase.objects.filter(
            public_id=public_id,
            enrollment__unit__in=units_where(request_user(request), Role.ADMIN),
        )
        .select_related("enrollment")
        .first()
    )
    if the_case is None:
        messages.error(request, _("That case was not found."))
        return redirect("partner:admin_cases")
    try:
        key = UUID(request.POST.get("worker", ""))
    except ValueError:
        key = None
    worker = (
        None
        if key is None
        else users_with_role(Role.PARTNER_WORKER, units=[the_case.enrollment.unit_id])
        .filter(public_id=key)
        .first()
    )
    try:
        if worker is None:
            raise ValidationError(_("Choose a partner-contact worker from the list."))
        services.case_assign(actor=request_user(request), case=the_case, worker=worker)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The case is assigned."))
    return redirect("partner:admin_cases")
