"""Writing the access log. Every staff read of a participant's or partner's record calls
`record_access` (or `record_read` when no account's record is read); account events call
`audit_log`."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpRequest

from .actions import actions
from .models import AuditEvent
from .network import client_ip

if TYPE_CHECKING:
    from accounts.models import User
    from organisations.models import Unit


def audit_log(
    *,
    action: str,
    actor: User | None = None,
    subject: User | None = None,
    request: HttpRequest | None = None,
    target_type: str = "",
    target_id: object = "",
    detail: str = "",
    actor_label: str = "",
    unit: Unit | None = None,
) -> AuditEvent:
    """Write one event. The action must be registered (audit.actions) by the app that writes
    it: an unknown code raises UnknownAuditAction rather than leaving a row nobody can name.

    `unit` is where the actor acted: the unit of the enrollment or referral the event is
    about (HSLF-FS 2016:40 4 kap. 9 §). It is kept as text too (`unit_label`), so the row still
    names the unit as it was called then, if it is later renamed or removed. Account events
    (login, the second factor) have none."""
    actions.require(action)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_label=actor_label or (actor.email if actor is not None else ""),
        actor_roles=",".join(sorted(actor.roles)) if actor is not None else "",
        unit=unit,
        unit_label=unit.label[:250] if unit is not None else "",
        subject=subject,
        target_type=target_type,
        target_id=str(target_id) if target_id else "",
        detail=detail[:500],
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request else ""),
    )


def record_access(
    *,
    actor: User,
    subject: User,
    what: str,
    request: HttpRequest | None = None,
    target_type: str = "",
    target_id: object = "",
    unit: Unit | None = None,
) -> AuditEvent:
    """Write one staff read of `subject`'s record: who, whose, what, when, from where, and in
    which unit (the enrollment's)."""
    return audit_log(
        action=AuditEvent.Action.RECORD_VIEWED,
        actor=actor,
        subject=subject,
        request=request,
        target_type=target_type,
        target_id=target_id,
        detail=what,
        unit=unit,
    )


def record_read(
    request: HttpRequest,
    *,
    target_type: str,
    target_id: object,
    what: str,
    unit: Unit | None = None,
) -> AuditEvent:
    """Write one staff read that has no subject account: a referral (the person has no account
    yet), a partner case (never logged against the participant), figures about everyone. The
    reader is the request's user; `unit` the referral's or the case's enrollment's, when the
    read is about one."""
    return audit_log(
        action=AuditEvent.Action.RECORD_VIEWED,
        actor=cast("User", request.user),
        request=request,
        target_type=target_type,
        target_id=target_id,
        detail=what,
        unit=unit,
    )
