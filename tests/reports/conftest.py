"""A hand-built world for the organisation's report: a three-module programme, people
enrolled through the services, and dates set by hand (Stockholm time, at noon unless a test
needs otherwise), so every expected figure can be worked out on paper. The programme and the
organisation lead are here; the dating helpers (person, referral, at, ...) are in
tests/helpers.py."""

from __future__ import annotations

import pytest

from accounts.models import Role, User
from content.models import ProgramPage
from tests.helpers import make_programme, make_user


@pytest.fixture
def programme(db: None) -> ProgramPage:
    return make_programme(modules=3, answers_per_module=1)


@pytest.fixture
def org_lead(db: None) -> User:
    return make_user("org-lead@example.org", [Role.ORG_LEAD], name="Vera")
