"""A long module is read in parts, one part per phone-sized step.

The rule (also in the README): every `heading` block (the editor's "Heading", shown as an h2)
starts a new part, titled by that heading. Blocks before the first heading form a first part
of their own, titled "Introduction". Headings inside a rich-text block (h3) are sub-headings
within a part and do not split it. A module without any heading block is one part.

On the seeded programme this gives 3 to 8 parts a module (the "Våld" module: 4 parts, the
longest 5 blocks), each ending before the next heading, so every exercise stays in the same
part as the text that introduces it. The editor decides the parts by placing headings; no
separate field is needed, and a translation keeps its parts as long as it keeps its blocks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

PART_BLOCK_TYPE = "heading"


@dataclass
class Part:
    number: int  # 1-based
    title: str
    items: list[Any] = field(default_factory=list)


def split_into_parts(items: Sequence[Any]) -> list[Part]:
    """The parts of a module body (BodyItems, StreamField children or entries with
    `block_type` and `value`), in order; always at least one part."""
    parts: list[Part] = []
    for item in items:
        if item.block_type == PART_BLOCK_TYPE or not parts:
            title = (
                str(item.value) if item.block_type == PART_BLOCK_TYPE else str(_("Introduction"))
            )
            parts.append(Part(number=len(parts) + 1, title=title))
        parts[-1].items.append(item)
    return parts or [Part(number=1, title=str(_("Introduction")))]


def parse_part(raw: str | None, count: int) -> int | None:
    """The part number asked for in the address (?part=N), or None when it is missing, not a
    whole number, or outside 1..count."""
    if raw is None or not re.fullmatch(r"[0-9]{1,4}", raw):
        return None
    number = int(raw)
    return number if 1 <= number <= count else None


def clamp_part(number: int, count: int) -> int:
    return min(max(number, 1), max(count, 1))


@dataclass(frozen=True)
class RawItem:
    """A StreamField child as stored (no conversion, so no queries): enough to split."""

    block_type: str
    value: Any


def parts_of_page(page: Any) -> list[Part]:
    """The parts of a page's body from its stored data, without converting blocks (the home
    page counts parts of the current module this way, without loading images)."""
    raw = page.body.raw_data
    return split_into_parts([RawItem(child["type"], child.get("value")) for child in raw])


def exercise_title(block_type: str, value: Any) -> str:
    """What an exercise is called, for a list of the ones still without an answer."""
    if block_type == "timeout_plan":
        return str(_("My time-out plan"))
    if block_type == "homework":
        return f"{_('Homework')}: {value.get('title', '')}"
    if block_type == "worksheet":
        return str(value.get("title", ""))
    return str(value.get("question", ""))
