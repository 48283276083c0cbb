"""Parts of a person's record that live in apps `records` may not import, made known to the
retention run (records.services) by those apps themselves.

The partner track is walled off: nothing but the URL configuration imports `partner`
(import-linter), `records` included. Yet a closed partner case must be cleared by its
organisation's rule like everything else. So the registry sits here, below both: `partner`
registers its part from its AppConfig.ready(), `records` reads `record_parts()` and never
names the app. A part answers two questions in its own queries: which of its ended items in
these units had their last entry before this moment (`ended`), and clear this one
(`anonymise`, called inside the run's transaction for that item)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class PartItem:
    """One ended item of a part: a closed partner case."""

    pk: int
    public_id: UUID
    unit_id: int
    last_entry: datetime


@dataclass(frozen=True)
class RecordPart:
    # records.AnonymisedKind values: the item once cleared, or once marked for the archive.
    kind: str
    archive_kind: str
    # What the run's report and the access log call it ("partner case").
    label: str
    # The ended items in these units whose last entry was before the moment.
    ended: Callable[[Collection[int], datetime], list[PartItem]]
    # Clear one item's personal data (its primary key).
    anonymise: Callable[[int], None]


_parts: dict[str, RecordPart] = {}


def register_record_part(part: RecordPart) -> None:
    """Called from an AppConfig.ready(); registering the same kind again replaces it."""
    _parts[part.kind] = part


def record_parts() -> tuple[RecordPart, ...]:
    return tuple(_parts.values())
