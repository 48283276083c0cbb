"""A session that passes the second factor gets a new key: a key learnt while the session was
password-only (a fixed or a stolen cookie) opens nothing afterwards. The same for the recovery
code and for the first enrolment of an authenticator."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from accounts.services import new_recovery_codes
from tests.helpers import PASSWORD, current_code, make_user, verified_client

pytestmark = pytest.mark.django_db

LOGIN = "/account/login/"
TWO_FA = "/account/2fa/"
SETUP = "/account/2fa/setup/"
COOKIE = settings.SESSION_COOKIE_NAME


def _password_only(user) -> tuple[Client, str]:
    client = Client()
    assert client.post(LOGIN, {"login": user.email, "password": PASSWORD}).status_code == 302
    return client, client.cookies[COOKIE].value


def _holding(key: str) -> Client:
    """An attacker's browser holding the cookie the session had before the second factor."""
    other = Client()
    other.cookies[COOKIE] = key
    return other


def _assert_rotated(client: Client, before: str, home: str) -> None:
    after = client.cookies[COOKIE].value
    assert after != before
    # The old key is gone from the store, and a browser holding it is not logged in at all.
    assert not SessionStore().exists(before)
    stale = _holding(before).get(home)
    assert stale.status_code == 302 and stale["Location"].startswith(LOGIN)
    # The person stays logged in and verified with the new key.
    assert client.get(home).status_code == 200


def test_verifying_the_app_code_gives_a_new_session_key(participant):
    client, before = _password_only(participant)
    # While password-only, the old key reaches the second-factor page (it is a real session).
    assert _holding(before).get("/participant/")["Location"].startswith(TWO_FA)
    response = client.post(TWO_FA, {"code": current_code(participant)})
    assert response.status_code == 302
    _assert_rotated(client, before, "/participant/")


def test_a_recovery_code_gives_a_new_session_key_too(therapist):
    codes = new_recovery_codes(therapist)
    client, before = _password_only(therapist)
    assert client.post(TWO_FA, {"code": codes[0]}).status_code == 302
    _assert_rotated(client, before, "/therapist/")


def test_enrolling_the_first_authenticator_gives_a_new_session_key(db):
    user = make_user("new@example.org", [Role.PARTICIPANT], enrolled=False)
    client, before = _password_only(user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SETUP, {"code": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 200 and len(response.context["codes"]) == 10
    _assert_rotated(client, before, "/participant/")


def test_the_csrf_token_is_new_after_the_second_factor(participant):
    client, _before = _password_only(participant)
    client.get(TWO_FA)
    token_before = client.cookies[settings.CSRF_COOKIE_NAME].value
    client.post(TWO_FA, {"code": current_code(participant)})
    assert client.cookies[settings.CSRF_COOKIE_NAME].value != token_before


def test_a_re_authentication_keeps_the_key_of_an_already_verified_session(therapist):
    """Nothing is gained that the key did not already open, and the person's open message
    sockets (bound to the key) must not be closed as "logged out"."""
    client = verified_client(therapist)
    before = client.cookies[COOKIE].value
    response = client.post(
        "/account/security/confirm/", {"password": PASSWORD, "code": current_code(therapist)}
    )
    assert response.status_code == 302
    assert client.cookies[COOKIE].value == before
    assert client.get("/therapist/").status_code == 200
