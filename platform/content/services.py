"""Writes of the content app outside Wagtail's own editing: keeping a translation in step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

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
