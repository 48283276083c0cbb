"""Writes of the content app outside Wagtail's own editing: keeping a translation in step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .translation import missing_exercises

if TYPE_CHECKING:
    from accounts.models import User

    from .models import ModulePage


def translation_add_missing_exercises(*, actor: User, page: ModulePage) -> int:
    """Copy the exercises the translation lacks into a new draft of it (the latest draft, or
    the live page, plus them at the end), with the original's block ids and words. Nothing is
    published: the editor translates them and submits the draft for review as usual. Returns
    how many were added (0: nothing to do, no draft written)."""
    with transaction.atomic():
        draft = page.get_latest_revision_as_object()
        missing = missing_exercises(draft)
        if not missing:
            return 0
        draft.body = [
            *draft.body.raw_data,
            *(
                {"type": c.block_type, "value": c.block.get_prep_value(c.value), "id": c.id}
                for c in missing
            ),
        ]
        draft.save_revision(user=actor)
    return len(missing)


def programmes_offer(
    *, actor: User, organisation_id: int, translation_keys: set[Any], request: Any = None
) -> None:
    """Set which programmes of the shared library the organisation offers its participants
    (its administrator's decision). A participant already in a programme keeps it."""
    from accounts.models import Role
    from accounts.scope import organisations_where
    from audit.models import AuditEvent
    from audit.services import audit_log

    from .models import ProgrammeOffer
    from .selectors import library

    if organisation_id not in organisations_where(actor, Role.ADMIN):
        raise PermissionDenied
    known = {p.translation_key for p in library()}
    if not translation_keys <= known:
        raise ValidationError(_("Choose programmes from the list."))
    with transaction.atomic():
        current = set(
            ProgrammeOffer.objects.filter(organisation_id=organisation_id).values_list(
                "translation_key", flat=True
            )
        )
        ProgrammeOffer.objects.filter(
            organisation_id=organisation_id, translation_key__in=current - translation_keys
        ).delete()
        ProgrammeOffer.objects.bulk_create(
            ProgrammeOffer(organisation_id=organisation_id, translation_key=key)
            for key in translation_keys - current
        )
        audit_log(
            action=AuditEvent.Action.PROGRAMMES_OFFERED,
            actor=actor,
            request=request,
            target_type="organisation",
            target_id=organisation_id,
            detail=f"{len(translation_keys)} programmes",
        )
