"""Reading the access log. The log's queries live here, next to the table, so views and other
apps ask for what they need instead of building AuditEvent queries themselves."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .actions import actions
from .models import AuditEvent

if TYPE_CHECKING:
    from accounts.models import User


def record_reads_of(subject: User) -> QuerySet[AuditEvent]:
    """Every staff read of `subject`'s record, newest first: the person's own access log."""
    return AuditEvent.objects.filter(subject=subject, action=actions.RECORD_VIEWED).order_by(
        "-created_at"
    )


# The role code of accounts.Role.PARTICIPANT (audit sits below accounts and cannot import it).
_PARTICIPANT = "participant"


def within(units: Collection[int], organisations: Collection[int]) -> Q:
    """Events an administrator of `units` (and of the whole of `organisations`) may read:
    about a person of those units (a participant there, or in treatment there); and, for a
    read with no person (a partner case, a report), those made by their staff. Their staff:
    a role other than participant granted in one of `units` or for one of `organisations`
    as a whole. A read of another unit's participant by someone who also works here is not
    shown: it is the other unit's business. One condition in SQL: subqueries on the
    accounts' and treatments' tables reached by relation name, as audit cannot import those
    apps."""
    people = get_user_model()._default_manager
    grants = apps.get_model("accounts", "RoleGrant")._default_manager
    in_units = people.filter(
        Q(enrollments__unit__in=units)
        | Q(role_grants__role=_PARTICIPANT, role_grants__unit__in=units)
    ).values("pk")
    staff = (
        grants.filter(Q(unit__in=units) | Q(unit__isnull=True, organisation__in=organisations))
        .exclude(role=_PARTICIPANT)
        .values("user_id")
    )
    return Q(subject_id__in=in_units) | Q(subject__isnull=True, actor_id__in=staff)


def record_reads(
    *,
    staff: UUID | None = None,
    subject: UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    units: Collection[int] | None = None,
    organisations: Collection[int] | None = None,
) -> QuerySet[AuditEvent]:
    """Staff reads of records for the admin's access log, newest first, narrowed to one
    reader (`staff`), one person (`subject`, by public id) and a time span (both ends
    included) when given. With `units`/`organisations` (the admin's), only the events
    `within` them; the admin's pages always pass them."""
    events = AuditEvent.objects.filter(action=actions.RECORD_VIEWED).select_related(
        "actor", "subject"
    )
    if units is not None or organisations is not None:
        events = events.filter(within(units or (), organisations or ()))
    if staff is not None:
        events = events.filter(actor__public_id=staff)
    if subject is not None:
        events = events.filter(subject__public_id=subject)
    if since is not None:
        events = events.filter(created_at__gte=since)
    if until is not None:
        events = events.filter(created_at__lte=until)
    return events.order_by("-created_at", "-id")


def count_before(moment: datetime) -> int:
    """How many events were written before `moment` (all kinds): the retention report says
    how much of the log is older than its keeping time and is kept anyway."""
    return AuditEvent.objects.filter(created_at__lt=moment).count()
