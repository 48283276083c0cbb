"""The intake's writes: a request for help from the public form, a referral entered by
staff, first contact, the screening, and the therapist's decision (enrol, refer elsewhere,
close), and reopening a closed referral.

Who may do what: referrals are the organisation's intake queue, not anyone's caseload, so
every therapist may handle every referral (the first to make contact becomes its handler,
shown to the others). Admins may enter agency referrals and see the queue, but screening and
decisions are a therapist's.

Decisions are final: an enrolment has an invitation and an enrollment behind it, and a
referral elsewhere has been passed on. A closed referral (often "could not reach them") may be
reopened with a reason, since the person may get back in touch; its earlier close reason stays
in the referral's events. The access log gets a fixed word in `detail`, never text the person
or the therapist wrote."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.scope import acting_unit, covers
from audit.models import AuditEvent
from audit.services import audit_log
from modules.services import participant_invite
from organisations.models import Unit

from . import protection
from .forms import AGENCY_SOURCES, REASON_MAX, clean_phone
from .models import (
    OPEN_REFERRAL_STATUSES,
    MayLeaveMessage,
    Referral,
    ReferralEvent,
    ReferralEventKind,
    ReferralSource,
    ReferralStatus,
    Screening,
    SentFormToken,
)
from .screening import clean_answers

PERSON_LIMITS = {"name": 120, "phone": 40, "safe_times": 300, "situation": 2000}


def is_therapist(user: User) -> bool:
    return bool(user.is_active and user.has_role(Role.THERAPIST))


def may_enter(user: User) -> bool:
    return bool(user.is_active and user.has_role(Role.THERAPIST, Role.ADMIN))


def _require_therapist(actor: User, referral: Referral) -> None:
    """A therapist of the unit whose queue the referral is in."""
    if not is_therapist(actor) or not covers(actor, referral.unit_id, Role.THERAPIST):
        raise PermissionDenied


def _log(
    action: str,
    actor: User | None,
    referral: Referral,
    detail: str = "",
    request: HttpRequest | None = None,
) -> None:
    audit_log(
        action=action,
        actor=actor,
        request=request,
        target_type="referral",
        target_id=referral.public_id,
        detail=detail,
        unit=referral.unit,
    )


def _event(referral: Referral, kind: str, by: User | None, text: str = "") -> None:
    ReferralEvent.objects.create(referral=referral, kind=kind, by=by, text=text)


def _person(data: dict[str, Any], *, public: bool) -> dict[str, Any]:
    """The person's contact fields, trimmed and checked."""
    person = {key: " ".join(str(data.get(key) or "").split()) for key in PERSON_LIMITS}
    person["situation"] = str(data.get("situation") or "").strip()
    if not person["name"]:
        raise ValidationError(_("Write a name or an alias we may use when we call."))
    if public and not person["safe_times"]:
        raise ValidationError(_("Tell us when it is safe to call you."))
    for key, limit in PERSON_LIMITS.items():
        if len(person[key]) > limit:
            raise ValidationError(_("Write at most %(limit)d characters.") % {"limit": limit})
    person["phone"] = clean_phone(person["phone"])
    allowed: set[str] = {"yes", "no"} if public else set(MayLeaveMessage.values)
    if data.get("may_leave_message") not in allowed:
        raise ValidationError(_("Choose whether we may leave a message."))
    person["may_leave_message"] = data["may_leave_message"]
    return person


def _reason(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message)
    if len(text) > REASON_MAX:
        raise ValidationError(_("Write at most %(limit)d characters.") % {"limit": REASON_MAX})
    return text


# --- Coming in -------------------------------------------------------------------------------


class AlreadySent(Exception):
    """The form's one-time token has been used: this form was sent before."""


def referral_submit(*, person: dict[str, Any], unit: Unit, once: str | None = None) -> Referral:
    """A request for help from the public form. No actor; and no address or browser in the
    access log either, since the person is not yet anyone's patient and has asked only to be
    called. `once` is the form token's nonce: a form sent again with the same one raises
    AlreadySent and stores nothing (recorded in the same transaction as the referral, so a
    refused or failed request leaves the token usable)."""
    cleaned = _person(person, public=True)
    with transaction.atomic():
        if once is not None:
            _spend(once)
        referral = Referral.objects.create(source=ReferralSource.SELF, unit=unit, **cleaned)
        _event(referral, ReferralEventKind.RECEIVED, None)
        _log(AuditEvent.Action.REFERRAL_RECEIVED, None, referral, "form")
    return referral


def _spend(nonce: str) -> None:
    oldest = timezone.now() - timedelta(seconds=protection.max_age_seconds() + 3600)
    SentFormToken.objects.filter(sent_at__lt=oldest).delete()  # tokens that old are refused
    try:
        with transaction.atomic():  # a savepoint: the outer transaction stays usable
            SentFormToken.objects.create(nonce=nonce)
    except IntegrityError:
        raise AlreadySent from None


def _received_at(day: date) -> datetime:
    if day == timezone.localdate():
        return timezone.now()
    if day > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."))
    # A past day without a time: noon, so that the day is the same in any time zone nearby.
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def referral_enter(
    *,
    actor: User,
    source: str,
    received_on: date,
    agency: str,
    agency_contact: str,
    consent_to_contact: bool,
    person: dict[str, Any],
    unit: Unit | None = None,
    request: HttpRequest | None = None,
) -> Referral:
    """A referral from a partner agency, entered by a therapist or an admin into a unit they
    work in (by default their one unit)."""
    if not may_enter(actor):
        raise PermissionDenied
    if unit is None:
        unit = acting_unit(actor, Role.THERAPIST, Role.ADMIN)
    elif not covers(actor, unit.pk, Role.THERAPIST, Role.ADMIN):
        raise PermissionDenied
    if source not in dict(AGENCY_SOURCES):
        raise ValidationError(_("Choose who referred the person."))
    agency = " ".join((agency or "").split())
    agency_contact = " ".join((agency_contact or "").split())
    if not agency or len(agency) > 200:
        raise ValidationError(_("Write which agency referred the person."))
    if not agency_contact or len(agency_contact) > 200:
        raise ValidationError(_("Write who at the agency we can get back to."))
    cleaned = _person(person, public=False)
    with transaction.atomic():
        referral = Referral.objects.create(
            source=source,
            unit=unit,
            received_at=_received_at(received_on),
            entered_by=actor,
            agency=agency,
            agency_contact=agency_contact,
            consent_to_contact=bool(consent_to_contact),
            **cleaned,
        )
        _event(referral, ReferralEventKind.ENTERED, actor)
        _log(AuditEvent.Action.REFERRAL_ENTERED, actor, referral, source, request)
    return referral


# --- Handling --------------------------------------------------------------------------------


def _locked_open(referral: Referral) -> Referral:
    """The referral's row, locked for this transaction; refused unless it is still open."""
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    if current.status not in OPEN_REFERRAL_STATUSES:
        raise ValidationError(_("This referral is already decided."))
    return current


def _set_status(referral: Referral, status: str, now: datetime) -> list[str]:
    if referral.status == status:
        return []
    referral.status = status
    referral.status_changed_at = now
    return ["status", "status_changed_at"]


def _sync(target: Referral, source: Referral, fields: list[str]) -> None:
    for name in fields:
        setattr(target, name, getattr(source, name))


def referral_record_contact(
    *, actor: User, referral: Referral, request: HttpRequest | None = None
) -> Referral:
    """The first time a therapist reached the person. The referral moves to screening and
    the therapist becomes its handler if it had none."""
    _require_therapist(actor, referral)
    now = timezone.now()
    with transaction.atomic():
        current = _locked_open(referral)
        if current.first_contact_at is not None:
            raise ValidationError(_("The first contact is already recorded."))
        current.first_contact_at = now
        fields = ["first_contact_at", *_set_status(current, ReferralStatus.SCREENING, now)]
        if current.assigned_to_id is None:
            current.assigned_to = actor
            fields.append("assigned_to")
        current.save(update_fields=fields)
        _event(current, ReferralEventKind.CONTACTED, actor)
        _log(AuditEvent.Action.REFERRAL_CONTACTED, actor, current, "", request)
    _sync(referral, current, [*fields, "status"])
    return referral


def screening_save(
    *,
    actor: User,
    referral: Referral,
    answers: dict[str, Any],
    notes: str = "",
    request: HttpRequest | None = None,
) -> Screening:
    """Save (or update, until the decision) the screening questionnaire."""
    _require_therapist(actor, referral)
    cleaned = clean_answers(answers)
    notes = (notes or "").strip()
    if len(notes) > 5000:
        raise ValidationError(_("Write at most %(limit)d characters.") % {"limit": 5000})
    now = timezone.now()
    with transaction.atomic():
        current = _locked_open(referral)
        screening, created = Screening.objects.update_or_create(
            referral=current,
            defaults={"answers": cleaned, "notes": notes, "screened_by": actor, "screened_at": now},
        )
        fields = _set_status(current, ReferralStatus.SCREENING, now)
        if current.assigned_to_id is None:
            current.assigned_to = actor
            fields.append("assigned_to")
        if fields:
            current.save(update_fields=fields)
        _event(current, ReferralEventKind.SCREENED, actor)
        _log(
            AuditEvent.Action.REFERRAL_SCREENED,
            actor,
            current,
            "saved" if created else "updated",
            request,
        )
    _sync(referral, current, ["status", "status_changed_at", "assigned_to"])
    return screening


def _decide(current: Referral, actor: User, status: str, reason: str, now: datetime) -> list[str]:
    current.decided_at = now
    current.decided_by = actor
    current.decision_reason = reason
    fields = ["decided_at", "decided_by", "decision_reason", *_set_status(current, status, now)]
    if current.assigned_to_id is None:
        current.assigned_to = actor
        fields.append("assigned_to")
    return fields


DECIDED_FIELDS = [
    "status",
    "status_changed_at",
    "decided_at",
    "decided_by",
    "decision_reason",
    "referred_to",
    "enrollment",
    "assigned_to",
]


def referral_enrol(
    *,
    actor: User,
    referral: Referral,
    email: str,
    display_name: str,
    request: HttpRequest | None = None,
) -> Referral:
    """Enrol the person: invite them by email and create their enrollment, with this
    therapist as their therapist, and link it to the referral, all in one transaction (an
    address that already has an account undoes the whole step)."""
    _require_therapist(actor, referral)
    display_name = " ".join((display_name or "").split())
    if not display_name:
        raise ValidationError(_("Write the name shown in Omtag."))
    now = timezone.now()
    with transaction.atomic():
        current = _locked_open(referral)
        if not Screening.objects.filter(referral=current).exists():
            raise ValidationError(_("Save the screening before enrolling."))
        enrollment = participant_invite(
            actor=actor,
            email=email,
            display_name=display_name,
            unit=current.unit,
            request=request,
        )
        current.enrollment = enrollment
        fields = ["enrollment", *_decide(current, actor, ReferralStatus.ENROLLED, "", now)]
        current.save(update_fields=fields)
        _event(current, ReferralEventKind.ENROLLED, actor)
        _log(AuditEvent.Action.REFERRAL_ENROLLED, actor, current, "", request)
    _sync(referral, current, DECIDED_FIELDS)
    return referral


def referral_refer_elsewhere(
    *,
    actor: User,
    referral: Referral,
    referred_to: str,
    reason: str,
    request: HttpRequest | None = None,
) -> Referral:
    _require_therapist(actor, referral)
    referred_to = " ".join((referred_to or "").split())
    if not referred_to or len(referred_to) > 200:
        raise ValidationError(_("Write where the person is referred."))
    reason = _reason(reason, _("Write why the person is referred elsewhere."))
    now = timezone.now()
    with transaction.atomic():
        current = _locked_open(referral)
        current.referred_to = referred_to
        fields = [
            "referred_to",
            *_decide(current, actor, ReferralStatus.REFERRED_ELSEWHERE, reason, now),
        ]
        current.save(update_fields=fields)
        _event(current, ReferralEventKind.REFERRED_ELSEWHERE, actor, f"{referred_to}: {reason}")
        _log(AuditEvent.Action.REFERRAL_REFERRED_ELSEWHERE, actor, current, "", request)
    _sync(referral, current, DECIDED_FIELDS)
    return referral


def referral_close(
    *, actor: User, referral: Referral, reason: str, request: HttpRequest | None = None
) -> Referral:
    _require_therapist(actor, referral)
    reason = _reason(reason, _("Write why the referral is closed."))
    now = timezone.now()
    with transaction.atomic():
        current = _locked_open(referral)
        current.save(update_fields=_decide(current, actor, ReferralStatus.CLOSED, reason, now))
        _event(current, ReferralEventKind.CLOSED, actor, reason)
        _log(AuditEvent.Action.REFERRAL_CLOSED, actor, current, "", request)
    _sync(referral, current, DECIDED_FIELDS)
    return referral


def referral_reopen(
    *, actor: User, referral: Referral, reason: str, request: HttpRequest | None = None
) -> Referral:
    """A closed referral back in the queue: to screening if anyone has reached the person,
    else waiting. The close reason stays in the events; the decision fields are cleared, so
    the referral counts as undecided again."""
    _require_therapist(actor, referral)
    reason = _reason(reason, _("Write why the referral is reopened."))
    now = timezone.now()
    with transaction.atomic():
        current = Referral.objects.select_for_update().get(pk=referral.pk)
        if current.status != ReferralStatus.CLOSED:
            raise ValidationError(_("Only a closed referral can be reopened."))
        reached = (
            current.first_contact_at is not None
            or Screening.objects.filter(referral=current).exists()
        )
        status = ReferralStatus.SCREENING if reached else ReferralStatus.NEW
        current.decided_at = None
        current.decided_by = None
        current.decision_reason = ""
        current.save(
            update_fields=[
                "decided_at",
                "decided_by",
                "decision_reason",
                *_set_status(current, status, now),
            ]
        )
        _event(current, ReferralEventKind.REOPENED, actor, reason)
        _log(AuditEvent.Action.REFERRAL_REOPENED, actor, current, "", request)
    _sync(referral, current, DECIDED_FIELDS)
    return referral
