"""The partner-contact worker's writes. Each checks that the actor is a partner-contact worker
(and, for a case, its assigned worker), validates, writes in one transaction and writes the
access log.

The log rows of this app never name the participant as their subject: a participant can
download when their record was read and in which role, and a row saying "partner-contact
worker" there would tell them that their partner is being contacted, and when (safety rule 1
outranks). The rows name the case or the enrollment by id instead."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.scope import covers
from audit.models import AuditEvent
from audit.services import audit_log
from modules.models import OPEN_STATUSES, Enrollment, RiskSignal
from modules.services import risk_signal_raise
from organisations.models import Unit

from .models import (
    OPEN_CASE_STATUSES,
    AssessedLevel,
    CaseStatus,
    ConsentKind,
    Conversation,
    ItemKind,
    PartnerCase,
    PartnerConsent,
    RiskAssessment,
    RiskItem,
    SafetyPlan,
)

# Which status a case may move to from each status.
CASE_STATUS_CHANGES: dict[str, set[str]] = {
    CaseStatus.OFFERED: {CaseStatus.ACTIVE, CaseStatus.DECLINED, CaseStatus.CLOSED},
    CaseStatus.ACTIVE: {CaseStatus.CLOSED},
    CaseStatus.DECLINED: {CaseStatus.OFFERED},
    CaseStatus.CLOSED: set(),
}

YES_NO_VALUES = {"yes", "no", "unknown"}
FREQUENCY_VALUES = {"never", "once", "sometimes", "monthly", "weekly", "daily"}

CONTACT_FIELDS = [
    "name",
    "phone",
    "address",
    "contact_channel",
    "safe_times",
    "may_leave_message",
    "code_word",
    "contact_notes",
    "protected_identity",
]
PLAN_FIELDS = [
    "safe_places",
    "people_to_call",
    "essentials",
    "children_plan",
    "code_word",
    "when_to_call_112",
    "other",
]


def is_worker(user: User) -> bool:
    return bool(user.is_active and user.has_role(Role.PARTNER_WORKER))


def _require_worker(actor: User) -> None:
    if not is_worker(actor):
        raise PermissionDenied


def _require_worker_in(actor: User, enrollment: Enrollment) -> None:
    """The actor works with partner contact in the enrollment's unit; a treatment of another
    unit is refused as if the actor were no worker at all."""
    _require_worker(actor)
    if not covers(actor, enrollment.unit_id, Role.PARTNER_WORKER):
        raise PermissionDenied


def _require_assigned(actor: User, case: PartnerCase) -> None:
    _require_worker_in(actor, case.enrollment)
    if case.worker_id != actor.pk:
        raise PermissionDenied


def _log(
    action: str,
    actor: User,
    target_type: str,
    target_id: object,
    detail: str = "",
    *,
    unit: Unit,
) -> None:
    # No subject, on purpose: see the module's docstring. `detail` is a fixed word, never
    # text from the case, so protected details cannot reach the log view or its export.
    # `unit` is the treatment's, where the worker acted.
    audit_log(
        action=action,
        actor=actor,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
        unit=unit,
    )


def _not_in_future(day: date, label: str) -> date:
    if day > timezone.localdate():
        raise ValidationError(_("%(what)s cannot be in the future.") % {"what": label})
    return day


def standing_consent(enrollment: Enrollment, kind: str) -> PartnerConsent | None:
    return PartnerConsent.objects.filter(
        enrollment=enrollment, kind=kind, withdrawn_on__isnull=True
    ).first()


def _require_consent(enrollment: Enrollment, kind: str) -> None:
    if standing_consent(enrollment, kind) is not None:
        return
    if kind == ConsentKind.INFORM:
        raise ValidationError(
            _(
                "The participant has not consented to their partner being contacted, or has "
                "withdrawn it. Contact must stop."
            )
        )
    raise ValidationError(
        _(
            "The participant has not consented to safety-relevant information being passed "
            "on, or has withdrawn it."
        )
    )


# --- Consents --------------------------------------------------------------------------------


def consent_record(
    *, actor: User, enrollment: Enrollment, kind: str, given_on: date
) -> PartnerConsent:
    _require_worker_in(actor, enrollment)
    if kind not in ConsentKind.values:
        raise ValidationError(_("Choose which consent."))
    if enrollment.status not in OPEN_STATUSES:
        raise ValidationError(_("The treatment has ended; no new consent can be recorded."))
    _not_in_future(given_on, _("The date"))
    with transaction.atomic():
        Enrollment.objects.select_for_update().filter(pk=enrollment.pk).first()
        if standing_consent(enrollment, kind) is not None:
            raise ValidationError(_("This consent is already recorded."))
        consent = PartnerConsent.objects.create(
            enrollment=enrollment, kind=kind, given_on=given_on, recorded_by=actor
        )
        _log(
            AuditEvent.Action.PARTNER_CONSENT_RECORDED,
            actor,
            "enrollment",
            enrollment.public_id,
            kind,
            unit=enrollment.unit,
        )
    return consent


def consent_withdraw(*, actor: User, consent: PartnerConsent, withdrawn_on: date) -> None:
    _require_worker_in(actor, consent.enrollment)
    _not_in_future(withdrawn_on, _("The date"))
    if withdrawn_on < consent.given_on:
        raise ValidationError(_("A consent cannot be withdrawn before it was given."))
    with transaction.atomic():
        updated = PartnerConsent.objects.filter(pk=consent.pk, withdrawn_on__isnull=True).update(
            withdrawn_on=withdrawn_on,
            withdrawn_recorded_at=timezone.now(),
            withdrawn_recorded_by=actor,
        )
        if not updated:
            raise ValidationError(_("This consent is already withdrawn."))
        _log(
            AuditEvent.Action.PARTNER_CONSENT_WITHDRAWN,
            actor,
            "enrollment",
            consent.enrollment.public_id,
            consent.kind,
            unit=consent.enrollment.unit,
        )


# --- The case ----------------------------------------------------------------------------


def _contact(data: dict[str, Any]) -> dict[str, Any]:
    values = {field: data[field] for field in CONTACT_FIELDS if field in data}
    if "name" in values:
        values["name"] = str(values["name"]).strip()
        if not values["name"]:
            raise ValidationError(_("Write the partner's name or an alias."))
    return values


def case_open(*, actor: User, enrollment: Enrollment, contact: dict[str, Any]) -> PartnerCase:
    """Open a case for the enrollment's partner, assigned to the worker who opens it."""
    _require_worker_in(actor, enrollment)
    if enrollment.status not in OPEN_STATUSES:
        raise ValidationError(_("The treatment has ended; no new partner case can be opened."))
    _require_consent(enrollment, ConsentKind.INFORM)
    values = _contact(contact)
    if "name" not in values:
        raise ValidationError(_("Write the partner's name or an alias."))
    with transaction.atomic():
        Enrollment.objects.select_for_update().filter(pk=enrollment.pk).first()
        if PartnerCase.objects.filter(
            enrollment=enrollment, status__in=OPEN_CASE_STATUSES
        ).exists():
            raise ValidationError(_("This participant's partner already has an open case."))
        case = PartnerCase.objects.create(
            enrollment=enrollment, worker=actor, created_by=actor, **values
        )
        _log(
            AuditEvent.Action.PARTNER_CASE_OPENED,
            actor,
            "partner_case",
            case.public_id,
            unit=case.enrollment.unit,
        )
    return case


def case_update_contact(*, actor: User, case: PartnerCase, contact: dict[str, Any]) -> None:
    _require_assigned(actor, case)
    values = _contact(contact)
    with transaction.atomic():
        for field, value in values.items():
            setattr(case, field, value)
        case.save(update_fields=list(values))
        _log(
            AuditEvent.Action.PARTNER_CASE_CHANGED,
            actor,
            "partner_case",
            case.public_id,
            "contact",
            unit=case.enrollment.unit,
        )


def case_set_status(*, actor: User, case: PartnerCase, status: str) -> None:
    _require_assigned(actor, case)
    if status not in CASE_STATUS_CHANGES.get(case.status, set()):
        raise ValidationError(_("The case cannot move to that status from where it is."))
    if status in OPEN_CASE_STATUSES:
        _require_consent(case.enrollment, ConsentKind.INFORM)
    with transaction.atomic():
        if (
            status in OPEN_CASE_STATUSES
            and PartnerCase.objects.filter(
                enrollment=case.enrollment, status__in=OPEN_CASE_STATUSES
            )
            .exclude(pk=case.pk)
            .exists()
        ):
            raise ValidationError(_("This participant's partner already has an open case."))
        case.status = status
        case.status_changed_at = timezone.now()
        case.save(update_fields=["status", "status_changed_at"])
        _log(
            AuditEvent.Action.PARTNER_CASE_CHANGED,
            actor,
            "partner_case",
            case.public_id,
            status,
            unit=case.enrollment.unit,
        )


def case_assign(*, actor: User, case: PartnerCase, worker: User) -> None:
    """An admin moves a case to another worker. The admin never reads the case itself."""
    if not (actor.is_active and covers(actor, case.enrollment.unit_id, Role.ADMIN)):
        raise PermissionDenied
    if not (is_worker(worker) and covers(worker, case.enrollment.unit_id, Role.PARTNER_WORKER)):
        raise ValidationError(_("Choose a partner-contact worker from the list."))
    with transaction.atomic():
        case.worker = worker
        case.save(update_fields=["worker"])
        _log(
            AuditEvent.Action.PARTNER_CASE_ASSIGNED,
            actor,
            "partner_case",
            case.public_id,
            unit=case.enrollment.unit,
        )


def _require_contact_allowed(case: PartnerCase) -> None:
    if case.status not in OPEN_CASE_STATUSES:
        raise ValidationError(_("The case is not open."))
    _require_consent(case.enrollment, ConsentKind.INFORM)


# --- Conversations, assessments, the safety plan ------------------------------------------


def conversation_add(
    *,
    actor: User,
    case: PartnerCase,
    held_on: date,
    form: str,
    minutes: int,
    notes: str,
    pass_on_requested: bool = False,
    pass_on_what: str = "",
) -> Conversation:
    _require_assigned(actor, case)
    _require_contact_allowed(case)
    _not_in_future(held_on, _("The date"))
    if not notes.strip():
        raise ValidationError(_("Write a few words about the conversation."))
    with transaction.atomic():
        conversation = Conversation.objects.create(
            case=case,
            held_on=held_on,
            form=form,
            minutes=minutes,
            notes=notes.strip(),
            pass_on_requested=pass_on_requested,
            pass_on_what=pass_on_what.strip() if pass_on_requested else "",
            recorded_by=actor,
        )
        _log(
            AuditEvent.Action.PARTNER_CONVERSATION_LOGGED,
            actor,
            "partner_case",
            case.public_id,
            "conversation",
            unit=case.enrollment.unit,
        )
    return conversation


def clean_assessment_answers(raw: dict[str, str]) -> dict[str, str]:
    """Keep the answers to the active items, each checked against its kind's values. An
    item left unanswered is simply absent."""
    answers: dict[str, str] = {}
    for item in RiskItem.objects.filter(active=True):
        value = (raw.get(item.key) or "").strip()
        if not value:
            continue
        allowed = YES_NO_VALUES if item.kind == ItemKind.YES_NO else FREQUENCY_VALUES
        if value not in allowed:
            raise ValidationError(
                _("An answer to “%(question)s” was not one of the choices.")
                % {"question": item.text}
            )
        answers[item.key] = value
    return answers


def assessment_record(
    *,
    actor: User,
    case: PartnerCase,
    assessed_on: date,
    answers: dict[str, str],
    description: str,
    level: str,
) -> RiskAssessment:
    _require_assigned(actor, case)
    _require_contact_allowed(case)
    _not_in_future(assessed_on, _("The date"))
    if level not in AssessedLevel.values:
        raise ValidationError(_("Choose the risk level you assess."))
    clean = clean_assessment_answers(answers)
    with transaction.atomic():
        assessment = RiskAssessment.objects.create(
            case=case,
            assessed_on=assessed_on,
            answers=clean,
            description=description.strip(),
            level=level,
            assessed_by=actor,
        )
        _log(
            AuditEvent.Action.PARTNER_ASSESSMENT_RECORDED,
            actor,
            "partner_case",
            case.public_id,
            "assessment",
            unit=case.enrollment.unit,
        )
    return assessment


def latest_assessment(case: PartnerCase) -> RiskAssessment | None:
    return case.assessments.order_by("-assessed_on", "-created_at", "-pk").first()


def assessment_share(*, actor: User, assessment: RiskAssessment) -> RiskSignal:
    """Let the participant's therapist see the assessed level and its date, nothing else.
    The worker's decision, recorded; only the latest assessment can be shared, once."""
    case = assessment.case
    _require_assigned(actor, case)
    _require_consent(case.enrollment, ConsentKind.SHARE)
    latest = latest_assessment(case)
    if latest is None or latest.pk != assessment.pk:
        raise ValidationError(_("Only the latest assessment can be shared."))
    with transaction.atomic():
        updated = RiskAssessment.objects.filter(pk=assessment.pk, shared_at__isnull=True).update(
            shared_at=timezone.now(), shared_by=actor
        )
        if not updated:
            raise ValidationError(_("This assessment has already been shared."))
        signal = risk_signal_raise(
            enrollment=case.enrollment,
            source=RiskSignal.Source.PARTNER_CONTACT,
            level=assessment.level,
        )
        _log(
            AuditEvent.Action.PARTNER_RISK_SHARED,
            actor,
            "partner_case",
            case.public_id,
            unit=case.enrollment.unit,
        )
    assessment.refresh_from_db()
    return signal


def safety_plan_save(*, actor: User, case: PartnerCase, plan: dict[str, str]) -> SafetyPlan:
    _require_assigned(actor, case)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("The case is closed."))
    values = {field: (plan.get(field) or "").strip() for field in PLAN_FIELDS}
    with transaction.atomic():
        saved, _created = SafetyPlan.objects.update_or_create(
            case=case, defaults={**values, "updated_at": timezone.now(), "updated_by": actor}
        )
        _log(
            AuditEvent.Action.PARTNER_SAFETY_PLAN_SAVED,
            actor,
            "partner_case",
            case.public_id,
            unit=case.enrollment.unit,
        )
    return saved
