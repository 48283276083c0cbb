"""A person locked out after too many wrong second-factor codes is told, in plain words, when
they can try again, on every visit during the lockout, and still cannot get in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.helpers import PASSWORD, current_code, end_otp_pause, in_english

TWO_FA = "/account/2fa/"


def _lock_out(client: Client, user, limit: int):
    client.post("/account/login/", {"login": user.email, "password": PASSWORD})
    last = None
    for _ in range(limit):
        last = client.post(TWO_FA, {"code": "000000"})
        end_otp_pause(user)  # each guess waits out django-otp's short pause
    return last


@pytest.mark.django_db
def test_the_lockout_page_says_when_to_try_again_in_swedish(participant, settings):
    client = Client(raise_request_exception=False)
    started = timezone.localtime()
    fifth = _lock_out(client, participant, settings.OTP_FAILURE_LIMIT)
    assert fifth.status_code == 429
    expected = [
        f"kl. {(started + timedelta(minutes=15, seconds=s)).strftime('%H:%M')}" for s in (0, 60)
    ]

    for response in (
        fifth,
        client.get(TWO_FA),  # this was a 500 for the whole lockout
        client.get(f"{TWO_FA}?next=/participant/"),
        client.post(TWO_FA, {"code": current_code(participant)}),  # the right code, too late
        client.post(TWO_FA, {}),
    ):
        assert response.status_code == 429
        text = response.content.decode()
        assert "För många felaktiga koder" in text
        assert any(at in text for at in expected), text
        assert re.search(r"om 1[45] minuter", text)
        assert 'role="alert"' in text
    assert client.get("/participant/").status_code == 302  # still not in


@pytest.mark.django_db
def test_the_lockout_page_in_english_counts_down(participant, settings):
    client = in_english(Client(raise_request_exception=False))
    _lock_out(client, participant, settings.OTP_FAILURE_LIMIT)
    # Ten minutes later, five remain.
    from django.core.cache import cache

    from accounts.services import otp_window_end_key

    until = timezone.now() + timedelta(minutes=5)
    cache.set(otp_window_end_key(participant), until, 300)
    response = client.get(TWO_FA)
    assert response.status_code == 429
    text = response.content.decode()
    assert "You can try again at" in text
    assert timezone.localtime(until).strftime("%H:%M") in text
    assert "in 5 minutes" in text


@pytest.mark.django_db
def test_after_the_lockout_the_right_code_gets_in(participant, settings):
    from django.core.cache import cache

    from accounts.services import otp_failure_key, otp_window_end_key

    client = Client(raise_request_exception=False)
    _lock_out(client, participant, settings.OTP_FAILURE_LIMIT)
    cache.delete_many([otp_failure_key(participant), otp_window_end_key(participant)])
    response = client.get(TWO_FA)
    assert response.status_code == 200
    assert "För många felaktiga koder" not in response.content.decode()
    assert client.post(TWO_FA, {"code": current_code(participant)}).status_code == 302
    assert client.get("/participant/").status_code == 200
