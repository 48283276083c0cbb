"""What the intake's staff may see. Referrals are each unit's intake queue: every
therapist of the unit may open every referral in it (anyone can pick up the phone), and the
unit's admins see the queue without opening the person's details. Everyone else sees
nothing, and a referral they ask for answers 404 like one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, User
from accounts.scope import units_where

from .models import OPEN_REFERRAL_STATUSES, Referral, ReferralStatus
from .services import is_therapist


def may_see_queue(user: User) -> bool:
    return bool(user.is_active and user.has_role(Role.THERAPIST, Role.ADMIN))


def _queue(user: User) -> QuerySet[Referral]:
    """The referrals in the queues of the units where `user` is a therapist or an admin."""
    if not may_see_queue(user):
        return Referral.objects.none()
    return Referral.objects.filter(unit__in=units_where(user, Role.THERAPIST, Role.ADMIN))


def referrals_for(user: User) -> QuerySet[Referral]:
    """The referrals whose details `user` may open: those of the units where they are a
    therapist."""
    if not is_therapist(user):
        return Referral.objects.none()
    return Referral.objects.filter(unit__in=units_where(user, Role.THERAPIST))


def referral_or_404(user: User, public_id: UUID) -> Referral:
    referral = (
        referrals_for(user)
        .select_related("assigned_to", "entered_by", "decided_by", "enrollment")
        .filter(public_id=public_id)
        .first()
    )
    if referral is None:
        raise Http404
    return referral


def days_between(start: date, end: date) -> int:
    return max((end - start).days, 0)


def days_waited(referral: Referral, today: date | None = None) -> int:
    """Whole days from the day the referral came in to its decision, or to today while it is
    open."""
    end = timezone.localdate(referral.decided_at) if referral.decided_at else None
    return days_between(
        timezone.localdate(referral.received_at), end or today or timezone.localdate()
    )


@dataclass(frozen=True)
class QueueRow:
    referral: Referral
    days: int


def open_queue(user: User) -> list[QueueRow]:
    """The open referrals, oldest first, with the days each has waited. One query."""
    today = timezone.localdate()
    rows = (
        _queue(user)
        .filter(status__in=OPEN_REFERRAL_STATUSES)
        .select_related("assigned_to")
        .order_by("received_at", "pk")
    )
    return [QueueRow(referral, days_waited(referral, today)) for referral in rows]


def recently_decided(user: User, limit: int = 20) -> QuerySet[Referral]:
    return (
        _queue(user)
        .exclude(status__in=OPEN_REFERRAL_STATUSES)
        .select_related("decided_by")
        .order_by("-decided_at", "-pk")[:limit]
    )


def waiting_count(user: User) -> int:
    """For the navigation badge: referrals no one has contacted yet."""
    return _queue(user).filter(status=ReferralStatus.NEW).count()
