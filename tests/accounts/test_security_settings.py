"""Re-authentication before changing password, email or second factor."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RecoveryCodeDevice
from tests.helpers import PASSWORD, current_code, end_otp_pause, verified_client

SENSITIVE = [
    "/account/security/password/",
    "/account/security/email/",
    "/account/security/recovery-codes/",
    "/account/2fa/setup/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", SENSITIVE)
def test_security_changes_ask_for_the_password_first(participant, path):
    response = verified_client(participant).get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/security/confirm/")


@pytest.mark.django_db
def test_participant_reauthenticates_with_password(participant):
    client = verified_client(participant)
    wrong = client.post("/account/security/confirm/", {"password": "nope"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert client.get("/account/security/password/").status_code == 302
    ok = client.post(
        "/account/security/confirm/?next=/account/security/password/", {"password": PASSWORD}
    )
    assert ok["Location"] == "/account/security/password/"
    assert client.get("/account/security/password/").status_code == 200


@pytest.mark.django_db
def test_staff_reauthentication_needs_the_second_factor_too(therapist):
    client = verified_client(therapist)
    without_code = client.post("/account/security/confirm/", {"password": PASSWORD})
    assert without_code.status_code == 200
    assert client.get("/account/security/password/").status_code == 302
    wrong_code = client.post("/account/security/confirm/", {"password": PASSWORD, "code": "000000"})
    assert wrong_code.status_code == 200
    end_otp_pause(therapist)
    ok = client.post(
        "/account/security/confirm/", {"password": PASSWORD, "code": current_code(therapist)}
    )
    assert ok.status_code == 302
    assert client.get("/account/security/password/").status_code == 200


def _reauthed(user) -> Client:
    client = verified_client(user)
    data = {"password": PASSWORD}
    if user.is_staff_member:
        data["code"] = current_code(user)
    assert client.post("/account/security/confirm/", data).status_code == 302
    return client


@pytest.mark.django_db
def test_password_change_keeps_this_session_and_ends_the_others(participant):
    other = verified_client(participant)
    client = _reauthed(participant)
    new = "ett-helt-nytt-losenord-5"
    response = client.post("/account/security/password/", {"password1": new, "password2": new})
    assert response.status_code == 302
    assert client.get("/participant/").status_code == 200
    assert other.get("/participant/").status_code == 302
    participant.refresh_from_db()
    assert participant.check_password(new)
    assert any("changed" in m.subject or "ändrat" in m.subject for m in mail.outbox)


@pytest.mark.django_db
def test_email_change_takes_effect_only_from_the_link(participant):
    client = _reauthed(participant)
    client.post("/account/security/email/", {"email": "new.address@example.org"})
    participant.refresh_from_db()
    assert participant.email == "participant@example.org"
    message = mail.outbox[-1]
    assert message.to == ["new.address@example.org"]
    path = next(w for w in message.body.split() if "/account/security/email/confirm/" in w)
    path = path[path.index("/account/") :]
    # Someone else's session cannot use the link.
    from tests.helpers import make_user

    intruder = make_user("intruder@example.org", ["participant"])
    verified_client(intruder).get(path)
    intruder.refresh_from_db()
    assert intruder.email == "intruder@example.org"
    client.get(path)
    participant.refresh_from_db()
    assert participant.email == "new.address@example.org"


@pytest.mark.django_db
def test_regenerating_recovery_codes_replaces_the_old_ones(participant):
    from accounts.services import new_recovery_codes

    old = new_recovery_codes(participant)
    client = _reauthed(participant)
    response = client.post("/account/security/recovery-codes/")
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert RecoveryCodeDevice.objects.filter(user=participant).count() == 1
    fresh = Client()
    fresh.post("/account/login/", {"login": participant.email, "password": PASSWORD})
    assert fresh.post("/account/2fa/", {"code": old[0]}).status_code == 200  # refused
    assert fresh.post("/account/2fa/", {"code": new[0]}).status_code == 302


@pytest.mark.django_db
def test_moving_to_a_new_authenticator_replaces_the_old_one(participant):
    from django_otp.oath import totp

    client = _reauthed(participant)
    assert client.get("/account/2fa/setup/").status_code == 200
    new_device = TOTPDevice.objects.get(user=participant, confirmed=False)
    response = client.post("/account/2fa/setup/", {"code": f"{totp(new_device.bin_key):06d}"})
    assert response.status_code == 200
    assert list(TOTPDevice.objects.filter(user=participant)) == [new_device]
