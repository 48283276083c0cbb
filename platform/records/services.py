"""Writes for records: a participant's download of their own data (audited), anonymisation
when the retention period ends, and an admin's erasure request.

Anonymising keeps what the organisation's report counts (statuses, dates, module progress,
check-in figures, measure scores, referral sources and dates) and removes what says who the
person is or what they wrote: the account's email and name, free-text answers, message
bodies, the check-in's free text, the referral's contact details. Each app that keeps such
data does the writes on its own tables (`<app>/personal_data.py`); this module decides what
is due, marks it done (`Anonymisation`) and writes the access log. Audit events are never
touched: the access log is append-only and kept as the law requires.

The nightly run goes organisation by organisation, each by the law it works under
(records.retention): a record's clock runs from its last entry; health care keeps at least
ten years, social services clears after five unless the research exception keeps the record
(then it is marked for the archive, not anonymised) or the day of birth is unknown (then it
is listed, never cleared). Case notes (therapist.CaseNote, append-only by model) are cleared
with the record as a whole (therapist.personal_data), never alone and never by an erasure
request. Parts of the record kept by apps records may not import (the partner track)
register themselves in modules.clearing and are cleared by the same rule on their own
clock."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import STAFF_ROLES, Invitation, Role, User
from accounts.personal_data import invitation_anonymise, user_anonymise
from accounts.scope import units_where
from audit.models import AuditEvent
from audit.selectors import count_before
from audit.services import audit_log
from intake.models import OPEN_REFERRAL_STATUSES, Referral
from intake.personal_data import referral_contact_anonymise, referral_record_anonymise
from measures.models import MeasureResponse
from meetings.models import Meeting
from meetings.personal_data import meetings_anonymise
from messaging.models import Message
from messaging.personal_data import messages_anonymise
from modules.clearing import PartItem, RecordPart, record_parts
from modules.models import ENDED_STATUSES, Answer, CheckIn, Enrollment
from modules.personal_data import treatment_anonymise
from modules.selectors import unit_of
from organisations.models import Organisation, Regime, Unit
from therapist.models import CaseNote
from therapist.personal_data import case_notes_anonymise

from . import retention
from .models import Anonymisation, AnonymisedBasis, AnonymisedKind

RETENTION_LABEL = "retention"  # the audit event's actor when the nightly run acts
DOWNLOAD_FORMATS = ("html", "json")


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
        unit=unit_of(participant),
    )


# --- Marks and the access log -------------------------------------------------------------


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
    unit: Unit | None = None,
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
        unit=unit,
    )


# --- Anonymising one thing (each app writes its own rows) ----------------------------------


def enrollment_anonymise(
    *,
    actor: User | None,
    enrollment: Enrollment,
    basis: str,
    request: HttpRequest | None = None,
    with_case_notes: bool = False,
) -> None:
    """Remove the participant's words from one ended treatment; keep its figures. `actor` is
    None for the nightly retention run. The case notes go too only when the record as a
    whole is cleared (`with_case_notes`, the retention run): an erasure request leaves the
    staff's journal for its period. Call inside a transaction."""
    if enrollment.status not in ENDED_STATUSES:
        raise ValidationError(_("Only an ended treatment can be anonymised."))
    treatment_anonymise(enrollment=enrollment)
    if with_case_notes:
        case_notes_anonymise(enrollment=enrollment)
    messages_anonymise(enrollment=enrollment)
    meetings_anonymise(enrollment=enrollment)
    if enrollment.invitation_id is not None:
        invitation = Invitation.objects.filter(pk=enrollment.invitation_id).first()
        if invitation is not None:
            invitation_anonymise(invitation)
    for referral in Referral.objects.filter(enrollment=enrollment):
        referral_contact_anonymise(referral=referral)
        referral_record_anonymise(referral=referral)
    _mark(AnonymisedKind.ENROLLMENT, enrollment.pk, basis)
    _log(
        action=AuditEvent.Action.RECORD_ANONYMISED,
        actor=actor,
        subject=enrollment.participant,
        target_type="enrollment",
        target_id=enrollment.public_id,
        detail=str(basis),
        request=request,
        unit=enrollment.unit,
    )


def account_anonymise(
    *,
    actor: User | None,
    user: User,
    basis: str,
    request: HttpRequest | None = None,
) -> None:
    """The account can no longer be used or say who it was (accounts.personal_data says
    how). The audit rows keep their own copy of who acted (actor_label), as the access log
    must."""
    if user.roles & STAFF_ROLES:
        raise ValidationError(_("This account also has a staff role; remove it first."))
    user_anonymise(user)
    _mark(AnonymisedKind.ACCOUNT, user.pk, basis)
    _log(
        action=AuditEvent.Action.RECORD_ANONYMISED,
        actor=actor,
        subject=user,
        target_type="account",
        target_id=user.public_id,
        detail=str(basis),
        request=request,
        unit=unit_of(user),
    )


def referral_anonymise(*, referral: Referral, kind: str) -> None:
    """The retention run's work on a referral that never led to an enrollment."""
    if kind == AnonymisedKind.REFERRAL_CONTACT:
        referral_contact_anonymise(referral=referral)
        what = "contact details"
    else:
        referral_record_anonymise(referral=referral)
        what = "screening"
    _mark(kind, referral.pk, AnonymisedBasis.RETENTION)
    _log(
        action=AuditEvent.Action.REFERRAL_ANONYMISED,
        actor=None,
        subject=None,
        target_type="referral",
        target_id=referral.public_id,
        detail=f"{AnonymisedBasis.RETENTION.value}: {what}",
        unit=referral.unit,
    )


# --- The nightly retention run -------------------------------------------------------------


def _marked_pks(kind: str) -> Any:
    return Anonymisation.objects.filter(kind=kind).values("object_pk")


def _latest(model: Any, field_name: str, link: str = "enrollment") -> Subquery:
    """The latest `field_name` of `model`'s rows of the outer enrollment."""
    return Subquery(
        model.objects.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(latest=Max(field_name))
        .values("latest")[:1],
        output_field=DateTimeField(),
    )


def with_last_entry(
    enrollments: QuerySet[Enrollment], *, before: datetime | None = None
) -> QuerySet[Enrollment]:
    """Each treatment annotated with `last_entry`: the latest of its status change, case
    note, message, answer, check-in and measure response, in the one query; with `before`,
    only those whose last entry was earlier."""
    changed = F("status_changed_at")
    annotated = enrollments.annotate(
        last_entry=Greatest(
            changed,
            Coalesce(_latest(CaseNote, "created_at"), changed),
            Coalesce(_latest(Message, "created_at", "thread__enrollment"), changed),
            Coalesce(_latest(Answer, "updated_at"), changed),
            Coalesce(_latest(CheckIn, "submitted_at"), changed),
            Coalesce(_latest(MeasureResponse, "submitted_at"), changed),
            Coalesce(_latest(Meeting, "starts_at"), changed),
            output_field=DateTimeField(),
        )
    )
    return annotated if before is None else annotated.filter(last_entry__lt=before)


@dataclass
class OrganisationPlan:
    """What the run does in one organisation, by its regime (records.retention)."""

    organisation: Organisation
    years: int | None = None
    before: datetime | None = None
    refused: str = ""
    # Cleared: the treatments (notes included), then closed parts such as partner cases.
    enrollments: list[Enrollment] = field(default_factory=list)
    parts: list[tuple[RecordPart, PartItem]] = field(default_factory=list)
    # Kept for research: marked for hand-over to the archive instead.
    archive: list[Enrollment] = field(default_factory=list)
    parts_archive: list[tuple[RecordPart, PartItem]] = field(default_factory=list)
    # Social services, day of birth unknown: never cleared, listed for the admin.
    needs_birth_day: list[Enrollment] = field(default_factory=list)
    parts_needs_birth_day: list[tuple[RecordPart, PartItem]] = field(default_factory=list)
    referral_contacts: list[Referral] = field(default_factory=list)
    referral_records: list[Referral] = field(default_factory=list)
    # Social services: referrals without a treatment have no day of birth, so are kept.
    referrals_kept: int = 0


@dataclass
class RetentionPlan:
    """What a retention run does (or, with --dry-run, would do) at `now`."""

    now: datetime
    referral_before: datetime
    access_log_before: datetime
    organisations: list[OrganisationPlan] = field(default_factory=list)
    accounts: list[User] = field(default_factory=list)
    access_log_kept: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def enrollments(self) -> list[Enrollment]:
        return [e for org in self.organisations for e in org.enrollments]

    @property
    def parts(self) -> list[tuple[RecordPart, PartItem]]:
        return [p for org in self.organisations for p in org.parts]

    @property
    def archive(self) -> list[Enrollment]:
        return [e for org in self.organisations for e in org.archive]

    @property
    def parts_archive(self) -> list[tuple[RecordPart, PartItem]]:
        return [p for org in self.organisations for p in org.parts_archive]

    @property
    def needs_birth_day(self) -> list[Enrollment]:
        return [e for org in self.organisations for e in org.needs_birth_day]

    @property
    def referral_contacts(self) -> list[Referral]:
        return [r for org in self.organisations for r in org.referral_contacts]

    @property
    def referral_records(self) -> list[Referral]:
        return [r for org in self.organisations for r in org.referral_records]

    @property
    def refused(self) -> list[str]:
        return [org.refused for org in self.organisations if org.refused]

    @property
    def is_empty(self) -> bool:
        return not (
            self.enrollments
            or self.parts
            or self.archive
            or self.parts_archive
            or self.accounts
            or self.referral_contacts
            or self.referral_records
        )


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


def _sort(
    org_plan: OrganisationPlan, exemption: retention.Exemption, enrollments: list[Enrollment]
) -> None:
    if exemption is retention.Exemption.NONE:
        org_plan.enrollments += enrollments
    elif exemption is retention.Exemption.UNKNOWN_DAY:
        org_plan.needs_birth_day += enrollments
    else:
        org_plan.archive += enrollments


def _plan_health_care(org_plan: OrganisationPlan, units: Any, before: datetime) -> None:
    """Each treatment on its own clock (a journalhandling's last entry)."""
    ended = (
        Enrollment.objects.filter(
            unit__in=units, status__in=ENDED_STATUSES, status_changed_at__lt=before
        )
        .exclude(pk__in=_marked_pks(AnonymisedKind.ENROLLMENT))
        .select_related("participant")
    )
    org_plan.enrollments = list(with_last_entry(ended, before=before).order_by("last_entry", "pk"))


def _plan_social_services(org_plan: OrganisationPlan, units: Any, before: datetime) -> None:
    """One clock per person: the last entry in any of their treatments in the organisation
    (the personakt); nothing while one of them is open or younger."""
    organisation = org_plan.organisation
    ended = Enrollment.objects.filter(
        unit__in=units, status__in=ENDED_STATUSES, status_changed_at__lt=before
    ).exclude(
        pk__in=Anonymisation.objects.filter(
            kind__in=[AnonymisedKind.ENROLLMENT, AnonymisedKind.ENROLLMENT_ARCHIVE]
        ).values("object_pk")
    )
    related = (
        with_last_entry(
            Enrollment.objects.filter(unit__in=units).filter(
                Q(participant__in=ended.values("participant")) | Q(pk__in=ended.values("pk"))
            )
        )
        .select_related("participant")
        .order_by("last_entry", "pk")
    )
    people: dict[object, list[Enrollment]] = defaultdict(list)
    for enrollment in related:
        key = enrollment.participant_id or ("enrollment", enrollment.pk)
        people[key].append(enrollment)
    done = set(
        Anonymisation.objects.filter(
            kind__in=[AnonymisedKind.ENROLLMENT, AnonymisedKind.ENROLLMENT_ARCHIVE],
            object_pk__in=[e.pk for group in people.values() for e in group],
        ).values_list("object_pk", flat=True)
    )
    for group in people.values():
        if any(e.status not in ENDED_STATUSES for e in group):
            continue
        if max(e.last_entry for e in group) >= before:  # type: ignore[attr-defined]
            continue
        pending = [e for e in group if e.pk not in done]
        if pending:
            exemption = retention.exemption(organisation, [e.born_on_day for e in group])
            _sort(org_plan, exemption, pending)


def _plan_parts(org_plan: OrganisationPlan, unit_pks: list[int], before: datetime) -> None:
    """Closed parts kept by other apps (partner cases), each on its own clock. Omtag holds no
    day of birth for a partner: in social services such a part is never cleared unless the
    whole organisation keeps everything for research (then it is marked for the archive)."""
    for part in record_parts():
        items = part.ended(unit_pks, before)
        done = set(
            Anonymisation.objects.filter(
                kind__in=[part.kind, part.archive_kind], object_pk__in=[i.pk for i in items]
            ).values_list("object_pk", flat=True)
        )
        for item in items:
            if item.pk in done:
                continue
            exemption = retention.exemption(org_plan.organisation, [None])
            if exemption is retention.Exemption.NONE:
                org_plan.parts.append((part, item))
            elif exemption is retention.Exemption.UNKNOWN_DAY:
                org_plan.parts_needs_birth_day.append((part, item))
            else:
                org_plan.parts_archive.append((part, item))


def _plan_referrals(
    org_plan: OrganisationPlan, units: Any, before: datetime, referral_before: datetime
) -> None:
    unenrolled = Referral.objects.filter(unit__in=units, enrollment__isnull=True).exclude(
        status__in=OPEN_REFERRAL_STATUSES
    )
    if org_plan.organisation.regime == Regime.SOCIAL_SERVICES:
        org_plan.referrals_kept = (
            unenrolled.filter(status_changed_at__lt=before)
            .exclude(pk__in=_marked_pks(AnonymisedKind.REFERRAL_RECORD))
            .count()
        )
        return
    org_plan.referral_contacts = list(
        unenrolled.filter(status_changed_at__lt=referral_before)
        .exclude(pk__in=_marked_pks(AnonymisedKind.REFERRAL_CONTACT))
        .order_by("status_changed_at", "pk")
    )
    org_plan.referral_records = list(
        unenrolled.filter(status_changed_at__lt=before)
        .exclude(pk__in=_marked_pks(AnonymisedKind.REFERRAL_RECORD))
        .order_by("status_changed_at", "pk")
    )


def _plan_organisation(organisation: Organisation, plan: RetentionPlan) -> OrganisationPlan:
    org_plan = OrganisationPlan(organisation=organisation)
    try:
        org_plan.years = retention.record_years(organisation)
    except retention.RetentionRefused as refusal:
        org_plan.refused = str(refusal)
        return org_plan
    before = org_plan.before = retention.years_before(plan.now, org_plan.years)
    unit_pks = list(Unit.objects.filter(organisation=organisation).values_list("pk", flat=True))
    if organisation.regime == Regime.SOCIAL_SERVICES:
        _plan_social_services(org_plan, unit_pks, before)
    else:
        _plan_health_care(org_plan, unit_pks, before)
    _plan_parts(org_plan, unit_pks, before)
    _plan_referrals(org_plan, unit_pks, before, plan.referral_before)
    return org_plan


def retention_plan(*, now: datetime | None = None) -> RetentionPlan:
    """Every organisation by its own rule; one whose setting the law does not allow is
    refused (`OrganisationPlan.refused`) and left alone, the others go ahead."""
    now = now or timezone.now()
    plan = RetentionPlan(
        now=now,
        referral_before=retention.years_before(now, retention.referral_unenrolled_years()),
        access_log_before=retention.years_before(now, retention.access_log_years()),
    )
    for organisation in Organisation.objects.order_by("name", "pk"):
        plan.organisations.append(_plan_organisation(organisation, plan))
    plan.accounts = _accounts_due(plan.enrollments)
    plan.access_log_kept = count_before(plan.access_log_before)
    return plan


def retention_apply(*, now: datetime | None = None) -> RetentionPlan:
    """Carry out the plan, one thing per transaction: a failure (or a second run at the same
    moment, which the unique marker refuses) leaves the rest done and is retried next night.
    Safe to run every night; a second run in a row finds nothing to do."""
    plan = retention_plan(now=now)
    steps: list[tuple[str, Any]] = [
        *((f"enrollment {e.public_id}", _step_enrollment(e)) for e in plan.enrollments),
        *((f"{p.label} {i.public_id}", _step_part(p, i)) for p, i in plan.parts),
        *((f"enrollment {e.public_id}", _step_archive(e)) for e in plan.archive),
        *((f"{p.label} {i.public_id}", _step_part_archive(p, i)) for p, i in plan.parts_archive),
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
            enrollment_anonymise(
                actor=None,
                enrollment=enrollment,
                basis=AnonymisedBasis.RETENTION,
                with_case_notes=True,
            )

    return step


def _step_part(part: RecordPart, item: PartItem) -> Any:
    def step() -> None:
        if not _is_marked(part.kind, item.pk):
            part.anonymise(item.pk)
            _mark(part.kind, item.pk, AnonymisedBasis.RETENTION)
            _log(
                action=AuditEvent.Action.RECORD_ANONYMISED,
                actor=None,
                subject=None,
                target_type=part.kind,
                target_id=item.public_id,
                detail=AnonymisedBasis.RETENTION.value,
            )

    return step


def _step_archive(enrollment: Enrollment) -> Any:
    def step() -> None:
        if not _is_marked(AnonymisedKind.ENROLLMENT_ARCHIVE, enrollment.pk):
            _mark(AnonymisedKind.ENROLLMENT_ARCHIVE, enrollment.pk, AnonymisedBasis.RESEARCH)
            _log(
                action=AuditEvent.Action.RECORD_KEPT_FOR_ARCHIVE,
                actor=None,
                subject=enrollment.participant,
                target_type="enrollment",
                target_id=enrollment.public_id,
                detail=AnonymisedBasis.RESEARCH.value,
            )

    return step


def _step_part_archive(part: RecordPart, item: PartItem) -> Any:
    def step() -> None:
        if not _is_marked(part.archive_kind, item.pk):
            _mark(part.archive_kind, item.pk, AnonymisedBasis.RESEARCH)
            _log(
                action=AuditEvent.Action.RECORD_KEPT_FOR_ARCHIVE,
                actor=None,
                subject=None,
                target_type=part.kind,
                target_id=item.public_id,
                detail=AnonymisedBasis.RESEARCH.value,
            )

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
    admin_units = units_where(actor, Role.ADMIN)
    if not participant.role_grants.filter(role=Role.PARTICIPANT, unit_id__in=admin_units):
        raise PermissionDenied  # not a participant of the admin's units
    if not participant.has_role(Role.PARTICIPANT) or participant == actor:
        raise ValidationError(_("Choose a participant from the list."))
    reason = _erasure_reason(reason)
    _erasure_check_confirmation(participant, confirmation)
    _erasure_check_account(participant)
    enrollments = _erasure_enrollments(participant)
    with transaction.atomic():
        done = _erasure_enrollments_anonymise(actor=actor, enrollments=enrollments, request=request)
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
            unit=unit_of(participant),
        )
    return done


def _erasure_reason(reason: str) -> str:
    """The legal basis and reason, trimmed: the access log keeps it, so it must be there and
    fit the log's field."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Write the legal basis and the reason for the erasure."))
    if len(reason) > 500:
        raise ValidationError(_("Keep the reason under 500 characters."))
    return reason


def _erasure_check_confirmation(participant: User, confirmation: str) -> None:
    """The admin typed the participant's name (ignoring case and outer spaces), so an
    erasure cannot be carried out on the wrong person by a slip of the list."""
    expected = erasure_confirmation_text(participant).strip().casefold()
    if (confirmation or "").strip().casefold() != expected:
        raise ValidationError(
            _("Type the participant's name exactly as shown to confirm the erasure.")
        )


def _erasure_check_account(participant: User) -> None:
    """The account is not anonymised yet and holds no staff role (account_anonymise refuses
    one; checked here so nothing is written before the admin hears why)."""
    if _is_marked(AnonymisedKind.ACCOUNT, participant.pk):
        raise ValidationError(_("This participant's data has already been anonymised."))
    if participant.roles & STAFF_ROLES:
        raise ValidationError(_("This account also has a staff role; remove it first."))


def _erasure_enrollments(participant: User) -> list[Enrollment]:
    """The participant's treatments, every one of them ended: an open treatment is still
    in use and is ended first."""
    enrollments = list(Enrollment.objects.filter(participant=participant).order_by("pk"))
    if any(e.status not in ENDED_STATUSES for e in enrollments):
        raise ValidationError(
            _(
                "This participant has a treatment that is still open (invited, active or "
                "paused). End the treatment first (completed or discontinued), then carry out "
                "the erasure."
            )
        )
    return enrollments


def _erasure_enrollments_anonymise(
    *, actor: User, enrollments: Iterable[Enrollment], request: HttpRequest | None
) -> list[Enrollment]:
    """Anonymise the treatments retention has not done yet; returns those it did. Call
    inside the erasure's transaction."""
    done = []
    for enrollment in enrollments:
        if not _is_marked(AnonymisedKind.ENROLLMENT, enrollment.pk):
            enrollment_anonymise(
                actor=actor,
                enrollment=enrollment,
                basis=AnonymisedBasis.ERASURE,
                request=request,
            )
            done.append(enrollment)
    return done
