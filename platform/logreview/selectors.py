"""What a log reviewer and an administrator may see of log reviews: their own
organisations' only."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, RoleGrant, User
from accounts.scope import organisations_where, units_where
from audit.actions import actions
from audit.models import AuditEvent
from audit.protected import protected_reads
from organisations.models import Unit

from .models import LogReview, LogReviewItem, Verdict


def reviewer_units(user: User) -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=units_where(user, Role.LOG_REVIEWER)).select_related(
        "organisation"
    )


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def reads_matching(
    *,
    units: set[int] | frozenset[int],
    start: date,
    end: date,
    staff: User | None = None,
    protected_only: bool = False,
) -> QuerySet[AuditEvent]:
    """Staff reads of records in `units` between the two days (both included): the rows the
    access log tied to one of the units, and older rows without a unit whose person belongs
    to one of them."""
    person_here = Exists(
        RoleGrant.objects.filter(user_id=OuterRef("subject_id"), unit_id__in=units)
    )
    reads = AuditEvent.objects.filter(
        Q(unit_id__in=units) | Q(unit__isnull=True, subject__isnull=False) & Q(person_here),
        action=actions.RECORD_VIEWED,
        created_at__gte=day_start(start),
        created_at__lt=day_start(end + timedelta(days=1)),
    )
    if staff is not None:
        reads = reads.filter(actor=staff)
    if protected_only:
        reads = reads.filter(protected_reads())
    return reads


def reviews_for(user: User) -> QuerySet[LogReview]:
    return LogReview.objects.filter(
        organisation_id__in=organisations_where(user, Role.LOG_REVIEWER)
    ).select_related("unit", "organisation")


def review_or_404(user: User, public_id: UUID) -> LogReview:
    review = reviews_for(user).filter(public_id=public_id).first()
    if review is None:
        raise Http404
    return review


def items_of(review: LogReview) -> QuerySet[LogReviewItem]:
    return review.items.select_related("event", "event__subject", "followed_up_by")


def questioned_for(user: User) -> QuerySet[LogReviewItem]:
    """The questioned reads of the reviews of the organisations `user` administers, those not
    yet followed up first."""
    return (
        LogReviewItem.objects.filter(
            verdict=Verdict.QUESTIONED,
            review__organisation_id__in=organisations_where(user, Role.ADMIN),
        )
        .select_related("review", "event", "event__subject", "followed_up_by")
        .order_by("followed_up_at", "-judged_at", "pk")
    )


def open_questions_count(user: User) -> int:
    if not user.has_role(Role.ADMIN):
        return 0
    return questioned_for(user).filter(followed_up_at__isnull=True).count()
