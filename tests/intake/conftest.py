"""Referrals as the services make them, and the public form's data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from intake import protection, services
from intake.models import Referral


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """The services' messages are matched in English here."""


def person(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Kim",
        "phone": "070-123 45 67",
        "safe_times": "Weekdays 9-11",
        "may_leave_message": "no",
        "situation": "",
        **overrides,
    }


def form_data(**overrides: Any) -> dict[str, Any]:
    """What a person's browser sends: the fields, an empty honeypot, and a timestamp from a
    minute ago."""
    return {
        **person(),
        "started": protection.issue_token(timezone.now().timestamp() - 60),
        "website": "",
        **overrides,
    }


def english_client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def make_referral(days_ago: int = 0, **overrides: Any) -> Referral:
    referral = services.referral_submit(person=person(**overrides))
    if days_ago:
        Referral.objects.filter(pk=referral.pk).update(
            received_at=timezone.now() - timedelta(days=days_ago)
        )
        referral.refresh_from_db()
    return referral


@pytest.fixture
def referral(db: None) -> Referral:
    return make_referral(days_ago=4)


@pytest.fixture
def programme(db: None) -> Any:
    from tests.modules.conftest import make_programme

    return make_programme(modules=2, answers_per_module=1)


SCREENING = {
    "violence_kinds": ["psychological", "controlling"],
    "motivation": 7,
    "housing": "yes",
    "substances": "yes",
    "psychiatric": "yes",
    "other_help": [],
}
