"""Reading the access log. The log's queries live here, next to the table, so views and other
apps ask for what they need instead of building AuditEvent queries themselves."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from django.db.models import QuerySet

from .actions import actions
from .models import AuditEvent

if TYPE_CHECKING:
    from accounts.models import User


def record_reads_of(subject: User) -> QuerySet[AuditEvent]:
    """Every staff read of `subject`'s record, newest first: the person's own access log."""
    return AuditEvent.objects.filter(subject=subject, action=actions.RECORD_VIEWED).order_by(
        "-created_at"
    )


def record_reads(
    *,
    staff: UUID | None = None,
    subject: UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Staff reads of records for the admin's access log, newest first, narrowed to one
    reader (`staff`), one person (`subject`, by public id) and a time span (both ends
    included) when given."""
    events = AuditEvent.objects.filter(action=actions.RECORD_VIEWED).select_related(
        "actor", "subject"
    )
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
