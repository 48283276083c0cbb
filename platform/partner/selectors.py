"""What a partner-contact worker may see. A case is seen by its assigned worker only, while
they are a partner-contact worker in the case's unit; anyone else, whatever their role, gets a
404 that looks the same as a case that does not exist. Treatments are offered only from the
units where the worker holds the role (accounts.scope)."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404

from accounts.models import Role, User
from accounts.scope import units_where
from modules.models import OPEN_STATUSES, Enrollment

from .models import (
    OPEN_CASE_STATUSES,
    ConsentKind,
    PartnerCase,
    PartnerConsent,
    RiskAssessment,
    RiskItem,
    RiskSection,
)
from .services import is_worker


def worker_units(user: User) -> frozenset[int]:
    """The units where `user` works with partner contact (none unless they are a worker)."""
    if not is_worker(user):
        return frozenset()
    return units_where(user, Role.PARTNER_WORKER)


def cases_for_worker(user: User) -> QuerySet[PartnerCase]:
    units = worker_units(user)
    if not units:
        return PartnerCase.objects.none()
    return PartnerCase.objects.filter(worker=user, enrollment__unit__in=units)


def _standing(kind: str) -> Exists:
    return Exists(
        PartnerConsent.objects.filter(
            enrollment=OuterRef("enrollment"), kind=kind, withdrawn_on__isnull=True
        )
    )


def case_list(user: User) -> QuerySet[PartnerCase]:
    """The worker's cases with the latest assessed level and whether contact is still
    allowed, in one query."""
    latest = RiskAssessment.objects.filter(case=OuterRef("pk")).order_by(
        "-assessed_on", "-created_at", "-pk"
    )
    return (
        cases_for_worker(user)
        .select_related("enrollment")
        .annotate(
            latest_level=Subquery(latest.values("level")[:1]),
            latest_on=Subquery(latest.values("assessed_on")[:1]),
            contact_allowed=_standing(ConsentKind.INFORM),
        )
    )


def case_or_404(user: User, public_id: UUID) -> PartnerCase:
    case = (
        cases_for_worker(user)
        .select_related("enrollment", "enrollment__participant", "worker")
        .filter(public_id=public_id)
        .first()
    )
    if case is None:
        raise Http404
    return case


def open_enrollments(user: User) -> QuerySet[Enrollment]:
    """Treatments a worker may offer partner contact for: every open one, with whether a
    partner case is already open and whether the participant's consent to contact stands."""
    units = worker_units(user)
    if not units:
        return Enrollment.objects.none()
    return (
        Enrollment.objects.filter(
            status__in=OPEN_STATUSES, participant__isnull=False, unit__in=units
        )
        .select_related("participant")
        .annotate(
            has_open_case=Exists(
                PartnerCase.objects.filter(enrollment=OuterRef("pk"), status__in=OPEN_CASE_STATUSES)
            ),
            may_contact=Exists(
                PartnerConsent.objects.filter(
                    enrollment=OuterRef("pk"), kind=ConsentKind.INFORM, withdrawn_on__isnull=True
                )
            ),
        )
        .order_by("participant__display_name", "created_at")
    )


def enrollment_or_404(user: User, public_id: UUID) -> Enrollment:
    """An enrollment of the worker's units as the worker sees it: open ones, and any one they
    hold a case for."""
    units = worker_units(user)
    if not units:
        raise Http404
    enrollment = (
        Enrollment.objects.select_related("participant")
        .filter(public_id=public_id, participant__isnull=False, unit__in=units)
        .first()
    )
    if enrollment is None:
        raise Http404
    if (
        enrollment.status not in OPEN_STATUSES
        and not cases_for_worker(user).filter(enrollment=enrollment).exists()
    ):
        raise Http404
    return enrollment


def consents_for(enrollment: Enrollment) -> list[PartnerConsent]:
    return list(
        PartnerConsent.objects.filter(enrollment=enrollment).select_related(
            "recorded_by", "withdrawn_recorded_by"
        )
    )


@dataclass
class ConsentState:
    kind: str
    label: str
    standing: PartnerConsent | None
    withdrawn: list[PartnerConsent] = field(default_factory=list)

    @property
    def last_withdrawn(self) -> PartnerConsent | None:
        return self.withdrawn[0] if self.withdrawn else None


def consent_states(enrollment: Enrollment) -> list[ConsentState]:
    consents = consents_for(enrollment)
    return [
        ConsentState(
            kind=kind.value,
            label=str(kind.label),
            standing=next((c for c in consents if c.kind == kind and c.standing), None),
            withdrawn=[c for c in consents if c.kind == kind and not c.standing],
        )
        for kind in ConsentKind
    ]


def assessment_or_404(case: PartnerCase, public_id: UUID) -> RiskAssessment:
    assessment = (
        case.assessments.select_related("assessed_by", "shared_by")
        .filter(public_id=public_id)
        .first()
    )
    if assessment is None:
        raise Http404
    return assessment


@dataclass
class InstrumentSection:
    key: str
    label: str
    items: list[RiskItem]


def instrument() -> list[InstrumentSection]:
    items = list(RiskItem.objects.filter(active=True))
    return [
        InstrumentSection(
            key=section.value,
            label=str(section.label),
            items=[item for item in items if item.section == section],
        )
        for section in RiskSection
    ]


def answered_items(assessment: RiskAssessment) -> list[tuple[RiskItem | None, str, str]]:
    """(item, key, answer) for each answer; an item since removed from the instrument is
    shown by its key."""
    items = {item.key: item for item in RiskItem.objects.filter(key__in=assessment.answers)}
    return [(items.get(key), key, value) for key, value in assessment.answers.items()]
