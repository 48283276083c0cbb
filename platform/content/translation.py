"""Keeping a module's translation in step with the original: the exercises an editor added to
the original (the default locale's page) after the translation was made.

Answers belong to the original's blocks (by block id), so a translation that lacks one of its
exercises cannot get it by an editor adding a new block (that block would have an id of its
own). Instead the missing blocks are copied in with their ids, in the original's words, for
the editor to translate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wagtail.blocks import StreamValue
from wagtail.models import Locale

from .blocks import answer_shape

if TYPE_CHECKING:
    from .models import ModulePage


def original_of(page: ModulePage) -> ModulePage | None:
    """The page in the default locale that `page` translates; None when `page` is that page
    or has none."""
    default = Locale.get_default()
    if page.locale_id == default.pk:
        return None
    original = page.get_translation_or_none(default)
    return original.specific if original is not None else None


def missing_exercises(
    page: ModulePage, original: ModulePage | None = None
) -> list[StreamValue.StreamChild]:
    """The original's exercises (blocks that collect an answer) that `page`, a translation as
    the editor or the reader has it, lacks; in the original's order. `original` when the
    caller has it already, else looked up."""
    original = original or original_of(page)
    if original is None or original.pk == page.pk:
        return []
    present = {child.id for child in page.body}
    return [
        child
        for child in original.body
        if answer_shape(child.block) is not None and child.id not in present
    ]


def exercise_label(child: StreamValue.StreamChild) -> str:
    """What an editor recognises an exercise by: its question or title, else its kind."""
    value: Any = child.value
    for key in ("question", "title"):
        text = value.get(key) if hasattr(value, "get") else None
        if text:
            return str(text)
    return str(child.block.label)
