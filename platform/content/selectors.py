"""Reading module content by block id, including blocks an editor has since deleted.

Answers are stored against a block's UUID. When an editor deletes a block, the answers stay,
and whoever reads them needs the question they answered: `resolve_blocks` finds it in the
newest revision that still had the block.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wagtail.blocks import Block

from .blocks import AnswerShape, ModuleBodyBlock, answer_shape
from .models import ModulePage


@dataclass(frozen=True)
class ResolvedBlock:
    id: str
    block_type: str
    block: Block
    value: Any
    answer_shape: AnswerShape | None
    # False: the block is no longer in the live module; value is from `revision_id`.
    current: bool
    revision_id: int | None = None
    revision_created_at: datetime | None = None


def _stream_block() -> ModuleBodyBlock:
    return ModulePage._meta.get_field("body").stream_block


def _raw_body(content: dict[str, Any]) -> list[dict[str, Any]]:
    body = content.get("body")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return []
    return body if isinstance(body, list) else []


def resolve_blocks(module: ModulePage, block_ids: Iterable[str]) -> dict[str, ResolvedBlock]:
    """Each id's block as it is live now, or else as the newest revision that had it
    (`current=False`). Ids never seen in this module are left out."""
    wanted = {str(block_id) for block_id in block_ids}
    resolved: dict[str, ResolvedBlock] = {}

    for child in module.body:
        if child.id in wanted:
            resolved[child.id] = ResolvedBlock(
                id=child.id,
                block_type=child.block_type,
                block=child.block,
                value=child.value,
                answer_shape=answer_shape(child.block),
                current=True,
            )
    missing = wanted - resolved.keys()
    if not missing:
        return resolved

    child_blocks = _stream_block().child_blocks
    revisions = module.revisions.order_by("-created_at", "-id").only("id", "created_at", "content")
    for revision in revisions.iterator():
        for item in _raw_body(revision.content):
            block_id = item.get("id")
            block = child_blocks.get(item.get("type", ""))
            if block_id not in missing or block is None:
                continue
            resolved[block_id] = ResolvedBlock(
                id=block_id,
                block_type=block.name,
                block=block,
                value=block.to_python(item.get("value")),
                answer_shape=answer_shape(block),
                current=False,
                revision_id=revision.id,
                revision_created_at=revision.created_at,
            )
            missing.discard(block_id)
        if not missing:
            break
    return resolved
