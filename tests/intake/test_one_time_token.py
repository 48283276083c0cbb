"""The "ask for help" form's signed fill-time token is good for one request: posting the same
form again (a replay, a double click, the back button) stores nothing twice and says so
calmly, with a fresh form."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import signing
from django.utils import timezone

from intake import protection, services
from intake.models import Referral, SentFormToken
from organisations.selectors import first_unit
from tests.helpers import english_client, form_data, referral_person

pytestmark = pytest.mark.django_db

ASK = "/help/"
ALREADY = "This form has already been sent, so it was not sent again"


def _token_on(page: str) -> str:
    found = re.search(r'name="started" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_a_form_posted_again_is_not_stored_twice():
    data = form_data(name="Kim")
    assert english_client().post(ASK, data).status_code == 302
    # The attacker (or the browser's back button) sends exactly the same request again,
    # from another client without cookies, and then with other contents.
    again = english_client().post(ASK, data)
    other = english_client().post(ASK, {**data, "name": "Someone else", "phone": "0709999999"})
    for response in (again, other):
        page = response.content.decode()
        assert response.status_code == 409
        assert ALREADY in page and "you do not need to do anything more" in page
        assert '<p class="message" role="status">' in page  # calm: a notice, not an error
        assert 'class="help-box' in page  # where to get help now, as on every refusal
        # The form again, empty, with a new token: nothing is sent by reloading.
        assert 'value="Kim"' not in page and 'value="Someone else"' not in page
        assert _token_on(page) != data["started"]
    assert list(Referral.objects.values_list("name", flat=True)) == ["Kim"]


def test_thirty_replays_make_one_referral():
    """From thirty real addresses, so the per-address limit does not stop them first."""
    data = form_data()
    statuses = [
        english_client().post(ASK, data, REMOTE_ADDR=f"192.0.2.{i + 1}").status_code
        for i in range(30)
    ]
    assert statuses == [302] + [409] * 29
    assert Referral.objects.count() == 1


def test_the_fresh_form_after_a_replay_can_be_sent(settings):
    data = form_data()
    english_client().post(ASK, data)
    page = english_client().post(ASK, data).content.decode()
    fresh = _token_on(page)
    later = time.time() + 60  # as long as a person takes to fill it in
    with mock.patch("intake.protection.time.time", return_value=later):
        response = english_client().post(ASK, form_data(started=fresh, name="Second"))
    assert response.status_code == 302
    assert Referral.objects.count() == 2


def test_a_refused_form_keeps_its_token_usable():
    """A mistake in the form (or a failure) spends nothing: the person corrects it and sends."""
    data = form_data()
    assert english_client().post(ASK, {**data, "phone": "x"}).status_code == 400
    assert english_client().post(ASK, data).status_code == 302
    assert english_client().post(ASK, data).status_code == 409
    assert Referral.objects.count() == 1


def test_the_service_refuses_a_spent_nonce_and_stores_nothing():
    nonce = "a" * 32
    services.referral_submit(person=referral_person(), unit=first_unit(), once=nonce)
    with pytest.raises(services.AlreadySent):
        services.referral_submit(
            person=referral_person(name="Again"), unit=first_unit(), once=nonce
        )
    assert Referral.objects.count() == 1 and SentFormToken.objects.count() == 1


def test_tokens_without_a_nonce_or_with_a_forged_one_are_refused():
    minute_ago = time.time() - 60
    old_style = signing.dumps(minute_ago, salt=protection._SALT)
    no_nonce = signing.dumps({"t": minute_ago}, salt=protection._SALT)
    short = signing.dumps({"t": minute_ago, "n": "x"}, salt=protection._SALT)
    for token in (old_style, no_nonce, short):
        response = english_client().post(ASK, form_data(started=token))
        assert response.status_code == 400 and "could not be sent" in response.content.decode()
    assert Referral.objects.count() == 0


def test_spent_tokens_are_kept_only_while_a_token_could_be_valid(settings):
    settings.INTAKE_FORM_MAX_AGE_HOURS = 24
    SentFormToken.objects.create(nonce="b" * 32, sent_at=timezone.now() - timedelta(hours=26))
    SentFormToken.objects.create(nonce="c" * 32, sent_at=timezone.now() - timedelta(hours=24))
    english_client().post(ASK, form_data())
    kept = set(SentFormToken.objects.values_list("nonce", flat=True))
    assert "b" * 32 not in kept and "c" * 32 in kept and len(kept) == 2


def test_the_replay_message_is_in_swedish_by_default():
    from django.test import Client

    data = form_data()
    Client().post(ASK, data)
    page = Client().post(ASK, data).content.decode()
    assert "Formuläret har redan skickats" in page
