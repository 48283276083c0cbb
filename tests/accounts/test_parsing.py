"""Reading numbers and ids typed into a request: anything that is not one is None."""

from __future__ import annotations

from uuid import UUID

import pytest

from accounts.parsing import int_or_none, uuid_or_none


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        (3, 3),
        ("-4", -4),
        (None, None),
        ("", None),
        ("abc", None),
        ("1.5", None),
        ("1e3", None),
        (["1"], None),
        (True, None),
        (float("inf"), None),
        (str(2**63), None),
        (str(2**63 - 1), 2**63 - 1),
    ],
)
def test_int_or_none(value, expected) -> None:
    assert int_or_none(value) == expected


KEY = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (KEY, UUID(KEY)),
        (KEY.upper(), UUID(KEY)),
        (UUID(KEY), UUID(KEY)),
        (None, None),
        ("", None),
        ("not-a-uuid", None),
        ("<script>", None),
        (KEY + "0", None),
        (12, None),
    ],
)
def test_uuid_or_none(value, expected) -> None:
    assert uuid_or_none(value) == expected
