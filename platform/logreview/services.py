"""Writes of log review: drawing a sample, judging each read, completing, following up.
Every write is the reviewer's or the administrator's own, checked and audited."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.scope import covers, organisations_where, units_where
from audit.models import AuditEvent
from audit.services import audit_log
from organisations.models import Organisation, Unit

from .models import LogReview, LogReviewItem, Verdict
from .selectors import reads_matching

SAMPLE_MAX = 200
PERIOD_MAX_DAYS = 366
NOTE_MAX = 2000


def _organisation_of(actor: User, unit: Unit | None) -> Organisation:
    if unit is not None:
        if not covers(actor, unit.pk, Role.LOG_REVIEWER):
            raise PermissionDenied
        return unit.organisation
    organisations = sorted(organisations_where(actor, Role.LOG_REVIEWER))
    if not organisations:
        raise PermissionDenied
    if len(organisations) > 1:
        raise ValidationError(_("Choose a unit: you review the logs of several organisations."))
    return Organisation.objects.get(pk=organisations[0])


def _check_period(start: date, end: date) -> None:
    if start > end:
        raise ValidationError(_("The period must start before it ends."))
    if end > timezone.localdate():
        raise ValidationError(_("The period cannot end in the future."))
    if (end - start).days >= PERIOD_MAX_DAYS:
        raise ValidationError(_("Choose a period of at most a year."))


def sample_ids(reads: QuerySet[AuditEvent], size: int) -> tuple[int, list[int]]:
    """How many rows `reads` holds, and the ids of `size` of them (all, if fewer), drawn
    uniformly at random without replacement, in the order drawn. Only the drawn ids leave the
    database, so memory stays bounded by `size` however long the log: the rows are counted,
    the operating system's random source (a sample nobody can predict or steer) picks
    `size` distinct positions among them, and the rows numbered in id order are read at
    those positions in one query."""
    population = reads.count()
    if population == 0:
        return 0, []
    positions = random.SystemRandom().sample(range(1, population + 1), min(size, population))
    numbered = reads.order_by().annotate(position=Window(RowNumber(), order_by=F("pk").asc()))
    at = dict(numbered.filter(position__in=positions).values_list("position", "pk"))
    # A row could only go missing between the two queries if the log lost one, which it
    # never does (append-only); what is found is what is drawn.
    return population, [at[n] for n in positions if n in at]


def review_draw(
    *,
    actor: User,
    start: date,
    end: date,
    size: int,
    unit: Unit | None = None,
    staff: User | None = None,
    protected_only: bool = False,
    request: HttpRequest | None = None,
) -> LogReview:
    """Draw a random sample of at most `size` staff reads matching the filters, from the
    units the reviewer covers in one organisation (all of them, or `unit`)."""
    organisation = _organisation_of(actor, unit)
    _check_period(start, end)
    if not 1 <= size <= SAMPLE_MAX:
        raise ValidationError(_("Draw between 1 and %(most)s reads.") % {"most": SAMPLE_MAX})
    units = (
        {unit.pk}
        if unit is not None
        else set(
            Unit.objects.filter(
                organisation=organisation, pk__in=units_where(actor, Role.LOG_REVIEWER)
            ).values_list("pk", flat=True)
        )
    )
    population, chosen = sample_ids(
        reads_matching(
            units=units, start=start, end=end, staff=staff, protected_only=protected_only
        ),
        size,
    )
    if not chosen:
        raise ValidationError(_("No reads match these filters. Widen the period or the filters."))
    with transaction.atomic():
        review = LogReview.objects.create(
            organisation=organisation,
            reviewer=actor,
            reviewer_label=actor.email,
            period_start=start,
            period_end=end,
            unit=unit,
            staff=staff,
            staff_label=staff.email if staff is not None else "",
            population=population,
            sample_size=len(chosen),
        )
        LogReviewItem.objects.bulk_create(
            LogReviewItem(review=review, event_id=pk) for pk in chosen
        )
        audit_log(
            action=AuditEvent.Action.LOG_REVIEW_DRAWN,
            actor=actor,
            request=request,
            target_type="log_review",
            target_id=review.public_id,
            detail=f"{len(chosen)} of {population}",
            unit=unit,
        )
    return review


def _may_review(actor: User, review: LogReview) -> bool:
    return review.organisation_id in organisations_where(actor, Role.LOG_REVIEWER)


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(_("Keep the note to %(most)s characters.") % {"most": NOTE_MAX})
    return note


def item_judge(
    *,
    actor: User,
    item: LogReviewItem,
    verdict: str,
    note: str,
    request: HttpRequest | None = None,
) -> LogReviewItem:
    """Judge one read justified or questioned. A questioned read needs a note saying why: the
    administrator acts on it."""
    review = item.review
    if not _may_review(actor, review):
        raise PermissionDenied
    if review.completed_at is not None:
        raise ValidationError(_("This review is completed and can no longer be changed."))
    if verdict not in (Verdict.JUSTIFIED, Verdict.QUESTIONED):
        raise ValidationError(_("Choose justified or questioned."))
    note = _clean_note(note)
    if verdict == Verdict.QUESTIONED and not note:
        raise ValidationError(_("Write why the read is questioned."))
    with transaction.atomic():
        item.verdict = verdict
        item.note = note
        item.judged_at = timezone.now()
        item.save(update_fields=["verdict", "note", "judged_at"])
        audit_log(
            action=AuditEvent.Action.LOG_REVIEW_MARKED,
            actor=actor,
            request=request,
            target_type="log_review",
            target_id=review.public_id,
            detail=f"event={item.event_id} {verdict}",
        )
    return item


def review_complete(
    *, actor: User, review: LogReview, request: HttpRequest | None = None
) -> LogReview:
    if not _may_review(actor, review):
        raise PermissionDenied
    if review.completed_at is not None:
        return review
    if review.items.filter(verdict=Verdict.PENDING).exists():
        raise ValidationError(_("Judge every read before completing the review."))
    with transaction.atomic():
        review.completed_at = timezone.now()
        review.save(update_fields=["completed_at"])
        audit_log(
            action=AuditEvent.Action.LOG_REVIEW_COMPLETED,
            actor=actor,
            request=request,
            target_type="log_review",
            target_id=review.public_id,
        )
    return review


def review_exported(*, actor: User, review: LogReview, request: HttpRequest | None) -> None:
    audit_log(
        action=AuditEvent.Action.LOG_REVIEW_EXPORTED,
        actor=actor,
        request=request,
        target_type="log_review",
        target_id=review.public_id,
    )


def item_follow_up(
    *, actor: User, item: LogReviewItem, note: str, request: HttpRequest | None = None
) -> LogReviewItem:
    """The administrator's record of what was done about a questioned read."""
    if item.review.organisation_id not in organisations_where(actor, Role.ADMIN):
        raise PermissionDenied
    if item.verdict != Verdict.QUESTIONED:
        raise ValidationError(_("Only a questioned read is followed up."))
    note = _clean_note(note)
    if not note:
        raise ValidationError(_("Write what was done."))
    with transaction.atomic():
        item.followed_up_at = timezone.now()
        item.followed_up_by = actor
        item.follow_up_note = note
        item.save(update_fields=["followed_up_at", "followed_up_by", "follow_up_note"])
        audit_log(
            action=AuditEvent.Action.LOG_REVIEW_FOLLOWED_UP,
            actor=actor,
            request=request,
            target_type="log_review",
            target_id=item.review.public_id,
            detail=f"event={item.event_id}",
        )
    return item


def export_rows(items: Any) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [
            "time",
            "staff",
            "roles",
            "unit",
            "person",
            "what",
            "verdict",
            "note",
            "judged_at",
            "followed_up_at",
            "follow_up_note",
        ]
    ]
    for item in items:
        event = item.event
        rows.append(
            [
                timezone.localtime(event.created_at).isoformat(),
                event.actor_label,
                event.actor_roles,
                event.unit_label,
                event.subject.display_name if event.subject else "",
                event.detail,
                item.verdict,
                item.note,
                item.judged_at.isoformat() if item.judged_at else "",
                item.followed_up_at.isoformat() if item.followed_up_at else "",
                item.follow_up_note,
            ]
        )
    return rows
