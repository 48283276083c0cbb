"""Values typed into a request's query or form, read without trusting them: what any app's
views share (accounts is the layer every view already imports). A value that does not parse
is None, never an exception, so a view can answer 404 or show its first page."""

from __future__ import annotations

from uuid import UUID


def int_or_none(value: object) -> int | None:
    """`value` as a whole number, or None if it is missing or not one."""
    if value is None:
        return None
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return None


def uuid_or_none(value: object) -> UUID | None:
    """`value` as a UUID (a public id), or None if it is missing or not one."""
    if isinstance(value, UUID):
        return value
    if not isinstance(value, str):
        return None
    try:
        return UUID(value)
    except ValueError:
        return None
