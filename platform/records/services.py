"""Writes for records: a participant's download of their own data (audited), anonymisation
when the retention period ends, and an admin's erasure request.

Anonymising keeps what the organisation's report counts (statuses, dates, module progress,
check-in figures, measure scores, referral sources and dates) and removes what says who the
person is or what they wrote: the account's email and name, free-text answers, message
bodies, the check-in's free text, the referral's contact details. Audit events are never
touched: the access log is append-only and kept as the law requires.

Case notes (therapist.CaseNote) are the staff's journal and append-only by design; they are
left as they are here (see the report of issue 8 for what their retention should be)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import STAFF_ROLES, Invitation, Role, User
from audit.models import AuditEvent
from audit.selectors import count_before
from audit.services import audit_log
from content.blocks import AnswerShape
from content.selectors import resolve_blocks
from intake.models import OPEN_REFERRAL_STATUSES, Referral, ReferralEvent, Screening
from messaging.models import Message
from modules.checkin import QUESTIONS
from modules.models import Answer, CheckIn, Enrollment, EnrollmentStatus, RiskSignal

from . import retention
from .models import Anonymisation, AnonymisedBasis, AnonymisedKind

ANONYMISED = "[anonymised]"
ANONYMOUS_EMAIL_DOMAIN = "anonymised.invalid"  # .invalid never resolves (RFC 2606)
RETENTION_LABEL = "retention"  # the audit event's actor when the nightly run acts
CLOSED_STATUSES = (EnrollmentStatus.COMPLETED, EnrollmentStatus.DISCONTINUED)
DOWNLOAD_FORMATS = ("html", "json")

# A stored choice key ("yes", "physical", "social_services"): not the person's own words.
_CHOICE_KEY = re.compile(r"^[a-z0-9_\-]{0,40}$")
_CHECKIN_TEXT_KEYS = {q.key for q in QUESTIONS if q.kind == "text"}
_CHECKIN_KEYS = {q.key for q in QUESTIONS}


# --- A participant's own data --------------------------------------------------------------


def own_data_download_record(
    *, participant: User, fmt: str, request: HttpRequest | None = None
) -> AuditEvent:
    """The participant downloaded their own data: written to the access log."""
    if not participant.has_role(Role.PARTICIPANT):
        raise PermissionDenied
    if fmt not in DOWNLOAD_FORMATS:
        raise ValidationError(_("Choose a file format from the list."))
    return audit_log(
        action=AuditEvent.Action.OWN_DATA_DOWNLOADED,
        actor=participant,
        subject=participant,
        request=request,
        target_type="own_data",
        detail=fmt,
    )


# --- Scrubbing -----------------------------------------------------------------------------


def _scrub(text: Any) -> Any:
    """Non-empty text becomes the placeholder; empty stays empty (nothing was written)."""
    if isinstance(text, str):
        return ANONYMISED if text.strip() and text != ANONYMISED else text
    return text


def scrub_free_text(value: Any) -> Any:
    """Every string that is not a stored choice key, at any depth, becomes the placeholder;
    numbers, booleans and choice keys stay (a measure's figures, a yes/no)."""
    if isinstance(value, str):
        return value if _CHOICE_KEY.match(value) else _scrub(value)
    if isinstance(value, list):
        return [scrub_free_text(v) for v in value]
    if isinstance(value, dict):
        return {k: scrub_free_text(v) for k, v in value.items()}
    return value


def _scrub_all_text(value: Any) -> Any:
    if isinstance(value, str):
        return _scrub(value)
    if isinstance(value, list):
        return [_scrub_all_text(v) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_all_text(v) for k, v in value.items()}
    return value


def scrub_answer(shape: AnswerShape | None, value: Any) -> Any:
    """A module answer without the participant's own words. Choices and scale steps are the
    editor's option texts and numbers, so they stay; a block no revision knows any more
    (shape None) loses every string."""
    if shape in (AnswerShape.CHOICES, AnswerShape.CHOICE, AnswerShape.SCALE):
        return value
    return _scrub_all_text(value)


def scrub_checkin(answers: Any) -> Any:
    if not isinstance(answers, dict):
        return _scrub_all_text(answers)
    scrubbed = {}
    for key, value in answers.items():
        if key in _CHECKIN_TEXT_KEYS:
            scrubbed[key] = _scrub_all_text(value)
        elif key in _CHECKIN_KEYS:
            scrubbed[key] = value
        else:
            # A question since removed from QUESTIONS: keep figures, not words.
            scrubbed[key] = scrub_free_text(value)
    return scrubbed


def _anonymous_email(public_id: Any, prefix: str) -> str:
    return f"{prefix}-{public_id.hex}@{ANONYMOUS_EMAIL_DOMAIN}"


def pseudonym(user: User) -> str:
    return f"anon-{user.public_id.hex[:8]}"


def _changed(obj: Any, values: dict[str, Any]) -> list[str]:
    """Set the values that differ; return the names of the fields that changed."""
    fields = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            fields.append(name)
    return fields


# --- Anonymising one thing -----------------------------------------------------------------


def _anonymise_answers(enrollment: Enrollment) -> None:
    by_module: dict[int, list[Answer]] = defaultdict(list)
    for answer in Answer.objects.filter(enrollment=enrollment).select_related("module"):
        by_module[answer.module_id].append(answer)
    changed: list[Answer] = []
    for answers in by_module.values():
        resolved = resolve_blocks(answers[0].module, [a.block_id for a in answers])
        for answer in answers:
            block = resolved.get(answer.block_id)
            value = scrub_answer(block.answer_shape if block else None, answer.value)
            if value != answer.value:
                answer.value = value
                changed.append(answer)
    # bulk_update leaves `updated_at` (auto_now) alone: the answer's date is a figure too.
    Answer.objects.bulk_update(changed, ["value"], batch_size=500)


def _anonymise_checkins(enrollment: Enrollment) -> None:
    changed = []
    for checkin in CheckIn.objects.filter(enrollment=enrollment):
        answers = scrub_checkin(checkin.answers)
        if answers != checkin.answers:
            checkin.answers = answers
            changed.append(checkin)
    CheckIn.objects.bulk_update(changed, ["answers"], batch_size=500)


def _anonymise_invitation(invitation: Invitation) -> None:
    fields = _changed(
        invitation,
        {"email": _anonymous_email(invitation.public_id, "invitation"), "display_name": ""},
    )
    if fields:
        invitation.save(update_fields=fields)


def _anonymise_referral_contact(referral: Referral) -> None:
    fields = _changed(
        referral,
        {
            "name": ANONYMISED,
            "phone": "",
            "safe_times": _scrub(referral.safe_times),
            "situation": _scrub(referral.situation),
            "agency_contact": _scrub(referral.agency_contact),
        },
    )
    if fields:
        referral.save(update_fields=fields)


def _anonymise_referral_record(referral: Referral) -> None:
    """The screening and the decisions' reasons: the clinician's record of the referral."""
    fields = _changed(referral, {"decision_reason": _scrub(referral.decision_reason)})
    if fields:
        referral.save(update_fields=fields)
    ReferralEvent.objects.filter(referral=referral).exclude(text="").exclude(
        text=ANONYMISED
    ).update(text=ANONYMISED)
    screening = Screening.objects.filter(referral=referral).first()
    if screening is not None:
        fields = _changed(
            screening,
            {"notes": _scrub(screening.notes), "answers": scrub_free_text(screening.answers)},
        )
        if fields:
            screening.save(update_fields=fields)


def _mark(kind: str, pk: int, basis: str) -> None:
    Anonymisation.objects.create(kind=kind, object_pk=pk, basis=basis)


def _is_marked(kind: str, pk: int) -> bool:
    return Anonymisation.objects.filter(kind=kind, object_pk=pk).exists()


def _log(
    *,
    action: str,
    actor: User | None,
    subject: User | None,
    target_type: str,
    target_id: object,
    detail: str,
    request: HttpRequest | None = None,
) -> None:
    audit_log(
        action=action,
        actor=actor,
        actor_label="" if actor is not None else RETENTION_LABEL,
        subject=subject,
        request=request,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
    )


def enrollment_anonymise(
    *,
    actor: User | None,
    enrollment: Enrollment,
    basis: str,
    request: HttpRequest | None = None,
) -> None:
    """Remove the participant's words from one ended treatment; keep its figures. `actor` is
    None for the nightly retention run. Call inside a transaction."""
    if enrollment.status not in CLOSED_STATUSES:
        raise ValidationError(_("Only an ended treatment can be anonymised."))
    _anonymise_answers(enrollment)
    _anonymise_checkins(enrollment)
    Message.objects.filter(thread__enrollment=enrollment).exclude(body="").exclude(
        body=ANONYMISED
    ).update(body=ANONYMISED)
    RiskSignal.objects.filter(enrollment=enrollment).exclude(acknowledgement="").exclude(
        acknowledgement=ANONYMISED
    ).update(acknowledgement=ANONYMISED)
    fields = _changed(enrollment, {"status_reason": _scrub(enrollment.status_reason)})
    if fields:
        enrollment.save(update_fields=fields)
    if enrollment.invitation_id is not None:
        invitation = Invitation.objects.filter(pk=enrollment.invitation_id).first()
        if invitation is not None:
            _anonymise_invitation(invitation)
    for referral in Referral.objects.filter(enrollment=enrollment):
        _anonymise_referral_contact(referral)
        _anonymise_referral_record(referral)
    _mark(AnonymisedKind.ENROLLMENT, enrollment.pk, basis)
    _log(
        action=AuditEvent.Action.RECORD_ANONYMISED,
        actor=actor,
        subject=enrollment.participant,
        target_type="enrollment",
        target_id=enrollment.public_id,
        detail=str(basis),
        request=request,
    )


def account_anonymise(
    *,
    actor: User | None,
    user: User,
    basis: str,
    request: HttpRequest | None = None,
) -> None:
    """The account can no longer be used or say who it was: a placeholder email, a
    pseudonym, no password, no second factor, locked, every session ended. The audit rows
    keep their own copy of who acted (actor_label), as the access log must."""
    from allauth.account.models import EmailAddress
    from django_otp import devices_for_user

    from accounts.realtime import disconnect_user

    if user.roles & STAFF_ROLES:
        raise ValidationError(_("This account also has a staff role; remove it first."))
    old_email = user.email
    user.email = _anonymous_email(user.public_id, "anonymised")
    user.display_name = pseudonym(user)
    user.set_unusable_password()
    user.is_active = False
    user.locked_at = user.locked_at or timezone.now()
    user.message_email = False
    user.save(
        update_fields=[
            "email",
            "display_name",
            "password",
            "is_active",
            "locked_at",
            "message_email",
        ]
    )
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    EmailAddress.objects.filter(user=user).delete()
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
    for invitation in Invitation.objects.filter(accepted_user=user) | Invitation.objects.filter(
        email__iexact=old_email
    ):
        _anonymise_invitation(invitation)
    user_pk = user.pk
    transaction.on_commit(lambda: disconnect_user(user_pk))
    _mark(AnonymisedKind.ACCOUNT, user.pk, basis)
    _log(
        action=AuditEvent.Action.RECORD_ANONYMISED,
        actor=actor,
        subject=user,
        target_type="account",
        target_id=user.public_id,
        detail=str(basis),
        request=request,
    )


def referral_anonymise(*, referral: Referral, kind: str) -> None:
    """The retention run's work on a referral that never led to an enrollment."""
    if kind == AnonymisedKind.REFERRAL_CONTACT:
        _anonymise_referral_contact(referral)
        what = "contact details"
    else:
        _anonymise_referral_record(referral)
        what = "screening"
    _mark(kind, referral.pk, AnonymisedBasis.RETENTION)
    _log(
        action=AuditEvent.Action.REFERRAL_ANONYMISED,
        actor=None,
        subject=None,
        target_type="referral",
        target_id=referral.public_id,
        detail=f"{AnonymisedBasis.RETENTION.value}: {what}",
    )


# --- The nightly retention run -------------------------------------------------------------


@dataclass
class RetentionPlan:
    """What a retention run does (or, with --dry-run, would do) at `now`."""

    now: datetime
    closed_before: datetime
    referral_before: datetime
    access_log_before: datetime
    enrollments: list[Enrollment] = field(default_factory=list)
    accounts: list[User] = field(default_factory=list)
    referral_contacts: list[Referral] = field(default_factory=list)
    referral_records: list[Referral] = field(default_factory=list)
    access_log_kept: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.enrollments or self.accounts or self.referral_contacts or self.referral_records
        )


def _marked_pks(kind: str) -> Any:
    return Anonymisation.objects.filter(kind=kind).values("object_pk")


def _accounts_due(planned: Iterable[Enrollment]) -> list[User]:
    """Participants whose every treatment is ended and anonymised (or about to be), and who
    hold no staff role."""
    planned_pks = {e.pk for e in planned}
    candidate_ids = {e.participant_id for e in planned if e.participant_id is not None}
    # Left over from earlier runs: a treatment anonymised while another was still kept.
    candidate_ids |= set(
        Enrollment.objects.filter(pk__in=_marked_pks(AnonymisedKind.ENROLLMENT))
        .exclude(participant__isnull=True)
        .exclude(participant__in=_marked_pks(AnonymisedKind.ACCOUNT))
        .values_list("participant_id", flat=True)
    )
    if not candidate_ids:
        return []
    done = set(
        Anonymisation.objects.filter(kind=AnonymisedKind.ENROLLMENT).values_list(
            "object_pk", flat=True
        )
    )
    users = (
        User.objects.filter(pk__in=candidate_ids)
        .exclude(pk__in=_marked_pks(AnonymisedKind.ACCOUNT))
        .prefetch_related("role_grants", "enrollments")
        .order_by("pk")
    )
    due = []
    for user in users:
        if user.roles & STAFF_ROLES:
            continue
        enrollments = list(user.enrollments.all())
        if enrollments and all(e.pk in done or e.pk in planned_pks for e in enrollments):
            due.append(user)
    return due


def retention_plan(*, now: datetime | None = None) -> RetentionPlan:
    now = now or timezone.now()
    plan = RetentionPlan(
        now=now,
        closed_before=retention.years_before(now, retention.closed_years()),
        referral_before=retention.years_before(now, retention.referral_unenrolled_years()),
        access_log_before=retention.years_before(now, retention.access_log_years()),
    )
    plan.enrollments = list(
        Enrollment.objects.filter(
            status__in=CLOSED_STATUSES, status_changed_at__lt=plan.closed_before
        )
        .exclude(pk__in=_marked_pks(AnonymisedKind.ENROLLMENT))
        .select_related("participant")
        .order_by("status_changed_at", "pk")
    )
    plan.accounts = _accounts_due(plan.enrollments)
    unenrolled = Referral.objects.filter(enrollment__isnull=True).exclude(
        status__in=OPEN_REFERRAL_STATUSES
    )
    plan.referral_contacts = list(
        unenrolled.filter(status_changed_at__lt=plan.referral_before)
        .exclude(pk__in=_marked_pks(AnonymisedKind.REFERRAL_CONTACT))
        .order_by("status_changed_at", "pk")
    )
    plan.referral_records = list(
        unenrolled.filter(status_changed_at__lt=plan.closed_before)
        .exclude(pk__in=_marked_pks(AnonymisedKind.REFERRAL_RECORD))
        .order_by("status_changed_at", "pk")
    )
    plan.access_log_kept = count_before(plan.access_log_before)
    return plan


def retention_apply(*, now: datetime | None = None) -> RetentionPlan:
    """Carry out the plan, one thing per transaction: a failure (or a second run at the same
    moment, which the unique marker refuses) leaves the rest done and is retried next night.
    Safe to run every night; a second run in a row finds nothing to do."""
    plan = retention_plan(now=now)
    steps: list[tuple[str, Any]] = [
        *((f"enrollment {e.public_id}", _step_enrollment(e)) for e in plan.enrollments),
        *((f"account {u.public_id}", _step_account(u)) for u in plan.accounts),
        *(
            (f"referral {r.public_id}", _step_referral(r, AnonymisedKind.REFERRAL_CONTACT))
            for r in plan.referral_contacts
        ),
        *(
            (f"referral {r.public_id}", _step_referral(r, AnonymisedKind.REFERRAL_RECORD))
            for r in plan.referral_records
        ),
    ]
    for label, step in steps:
        try:
            with transaction.atomic():
                step()
        except (IntegrityError, ValidationError) as problem:
            plan.skipped.append(f"{label}: {problem}")
    return plan


def _step_enrollment(enrollment: Enrollment) -> Any:
    def step() -> None:
        if not _is_marked(AnonymisedKind.ENROLLMENT, enrollment.pk):
            enrollment_anonymise(actor=None, enrollment=enrollment, basis=AnonymisedBasis.RETENTION)

    return step


def _step_account(user: User) -> Any:
    def step() -> None:
        if not _is_marked(AnonymisedKind.ACCOUNT, user.pk):
            account_anonymise(actor=None, user=user, basis=AnonymisedBasis.RETENTION)

    return step


def _step_referral(referral: Referral, kind: str) -> Any:
    def step() -> None:
        if not _is_marked(kind, referral.pk):
            referral_anonymise(referral=referral, kind=kind)

    return step


# --- An erasure request ---------------------------------------------------------------------


def erasure_confirmation_text(participant: User) -> str:
    """What the admin types to confirm: the participant's display name (else the email)."""
    return participant.display_name or participant.email


def erasure_carry_out(
    *,
    actor: User,
    participant: User,
    reason: str,
    confirmation: str,
    request: HttpRequest | None = None,
) -> list[Enrollment]:
    """An admin carries out an erasure request where the law allows it: the participant's
    ended treatments and account are anonymised now, as retention would. The legal basis is
    written to the access log. A treatment still open must be ended first."""
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied
    if not participant.has_role(Role.PARTICIPANT) or participant == actor:
        raise ValidationError(_("Choose a participant from the list."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Write the legal basis and the reason for the erasure."))
    if len(reason) > 500:
        raise ValidationError(_("Keep the reason under 500 characters."))
    expected = erasure_confirmation_text(participant).strip().casefold()
    if (confirmation or "").strip().casefold() != expected:
        raise ValidationError(
            _("Type the participant's name exactly as shown to confirm the erasure.")
        )
    if _is_marked(AnonymisedKind.ACCOUNT, participant.pk):
        raise ValidationError(_("This participant's data has already been anonymised."))
    if participant.roles & STAFF_ROLES:
        raise ValidationError(_("This account also has a staff role; remove it first."))
    enrollments = list(Enrollment.objects.filter(participant=participant).order_by("pk"))
    if any(e.status not in CLOSED_STATUSES for e in enrollments):
        raise ValidationError(
            _(
                "This participant has a treatment that is still open (invited, active or "
                "paused). End the treatment first (completed or discontinued), then carry out "
                "the erasure."
            )
        )
    done = []
    with transaction.atomic():
        for enrollment in enrollments:
            if not _is_marked(AnonymisedKind.ENROLLMENT, enrollment.pk):
                enrollment_anonymise(
                    actor=actor,
                    enrollment=enrollment,
                    basis=AnonymisedBasis.ERASURE,
                    request=request,
                )
                done.append(enrollment)
        account_anonymise(
            actor=actor, user=participant, basis=AnonymisedBasis.ERASURE, request=request
        )
        audit_log(
            action=AuditEvent.Action.ERASURE_CARRIED_OUT,
            actor=actor,
            subject=participant,
            request=request,
            target_type="account",
            target_id=participant.public_id,
            detail=reason,
        )
    return done
