"""A referral four days old, and a small programme to enroll into (the referral and form
helpers are in tests/helpers.py)."""

from __future__ import annotations

from typing import Any

import pytest

from intake.models import Referral
from tests.helpers import make_programme, make_referral


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """The services' messages are matched in English here."""


@pytest.fixture
def referral(db: None) -> Referral:
    return make_referral(days_ago=4)


@pytest.fixture
def programme(db: None) -> Any:
    return make_programme(modules=2, answers_per_module=1)
