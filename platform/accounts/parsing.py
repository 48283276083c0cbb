"""Values typed into a request's query or form, read without trusting them: what any app's
views share (accounts is the layer every view already imports). A value that does not parse
is None, never an exception, so a view can answer 404 or show its first page."""

from __future__ import annotations

from uuid import UUID

# A database key is a signed 64-bit number: a larger one is no row's, and the database would
# refuse it (SQLite's driver raises before asking) rather than find nothing.
LARGEST_KEY = 2**63 - 1


def int_or_none(value: object) -> int | None:
    """`value` as a whole number a database column can hold, or None if it is missing, not
    one, or larger than any key."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if -LARGEST_KEY <= number <= LARGEST_KEY else None


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
