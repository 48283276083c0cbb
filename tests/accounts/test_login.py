"""Logging in: password, then the second factor, for every role."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from accounts.services import new_recovery_codes
from audit.models import AuditEvent
from tests.helpers import PASSWORD, current_code, end_otp_pause, make_user

LOGIN = "/account/login/"
TWO_FA = "/account/2fa/"


def password_login(client: Client, email: str, password: str = PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("roles", "home"),
    [
        ([Role.PARTICIPANT], "/participant/"),
        ([Role.THERAPIST], "/therapist/"),
        ([Role.PARTNER_WORKER], "/partner/"),
        ([Role.EDITOR], "/editor/"),
        ([Role.CLINICAL_LEAD], "/editor/"),
        ([Role.ADMIN], "/account/admin/"),
    ],
)
def test_each_role_logs_in_with_two_factors_and_lands_on_its_home(roles, home):
    user = make_user("person@example.org", roles)
    client = Client()
    response = password_login(client, user.email)
    assert response.status_code == 302
    # The password alone opens nothing: home sends us to the second factor.
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith(TWO_FA)
    response = client.post(TWO_FA + "?next=/", {"code": current_code(user)}, follow=True)
    assert response.redirect_chain[-1][0] == home
    assert response.status_code == 200


@pytest.mark.django_db
def test_wrong_password_and_unknown_email_get_the_same_answer(participant):
    wrong = password_login(Client(), participant.email, "not-the-password")
    unknown = password_login(Client(), "nobody@example.org", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    wrong_errors = wrong.context["form"].non_field_errors()
    assert wrong_errors == unknown.context["form"].non_field_errors()
    assert wrong_errors
    assert AuditEvent.objects.filter(action="login_failed", subject=participant).exists()


@pytest.mark.django_db
def test_login_gives_a_new_session_key(participant):
    client = Client()
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    password_login(client, participant.email)
    assert client.session.session_key != before


@pytest.mark.django_db
def test_wrong_code_is_refused_and_logged(participant):
    client = Client()
    password_login(client, participant.email)
    response = client.post(TWO_FA, {"code": "000000"})
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert client.get("/participant/").status_code == 302
    assert AuditEvent.objects.filter(action="otp_failed", actor=participant).count() == 1


@pytest.mark.django_db
def test_a_totp_code_cannot_be_used_twice(participant):
    code = current_code(participant)
    first = Client()
    password_login(first, participant.email)
    assert first.post(TWO_FA, {"code": code}).status_code == 302
    second = Client()
    password_login(second, participant.email)
    response = second.post(TWO_FA, {"code": code})
    assert response.status_code == 200
    assert second.get("/participant/").status_code == 302  # still not through


@pytest.mark.django_db
def test_recovery_code_works_once(participant):
    codes = new_recovery_codes(participant)
    first = Client()
    password_login(first, participant.email)
    assert first.post(TWO_FA, {"code": codes[0].upper()}).status_code == 302
    assert first.get("/participant/").status_code == 200
    second = Client()
    password_login(second, participant.email)
    assert second.post(TWO_FA, {"code": codes[0]}).status_code == 200
    assert second.get("/participant/").status_code == 302
    assert AuditEvent.objects.filter(action="recovery_code_used", actor=participant).count() == 1


@pytest.mark.django_db
def test_recovery_codes_are_not_stored_in_plain_text(participant):
    codes = new_recovery_codes(participant)
    from accounts.models import RecoveryCode

    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 10
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored


@pytest.mark.django_db
def test_wrong_codes_are_throttled_even_when_the_right_code_follows(participant, settings):
    client = Client()
    password_login(client, participant.email)
    for _ in range(settings.OTP_FAILURE_LIMIT):
        client.post(TWO_FA, {"code": "123456"})
        end_otp_pause(participant)  # each guess waits out django-otp's pause
    response = client.post(TWO_FA, {"code": current_code(participant)})
    assert response.status_code == 429
    assert client.get("/participant/").status_code == 302


@pytest.mark.django_db
def test_failed_logins_are_rate_limited_per_account(participant):
    for _ in range(5):
        password_login(Client(), participant.email, "wrong-password")
    response = password_login(Client(), participant.email)  # right password, too late
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in Client().session


@pytest.mark.django_db
def test_rate_limit_blocks_the_right_password_after_failures(participant):
    client = Client()
    for _ in range(5):
        password_login(client, participant.email, "wrong-password")
    password_login(client, participant.email)
    assert client.get("/", follow=True).redirect_chain[-1][0].startswith(LOGIN)


@pytest.mark.django_db
def test_user_without_authenticator_must_enrol_before_anything(db):
    user = make_user("new@example.org", [Role.THERAPIST], enrolled=False)
    client = Client()
    password_login(client, user.email)
    response = client.get("/therapist/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/2fa/setup/")
    # The verify page also sends an unenrolled person to enrolment.
    assert client.get(TWO_FA)["Location"].startswith("/account/2fa/setup/")


@pytest.mark.django_db
def test_enrolment_shows_qr_and_secret_and_gives_ten_recovery_codes(db):
    user = make_user("new@example.org", [Role.PARTICIPANT], enrolled=False)
    client = Client()
    password_login(client, user.email)
    page = client.get("/account/2fa/setup/")
    assert page.status_code == 200
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    from django_otp.oath import totp

    code = f"{totp(device.bin_key):06d}"
    response = client.post("/account/2fa/setup/", {"code": code})
    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/participant/").status_code == 200
    assert AuditEvent.objects.filter(action="otp_enrolled", actor=user).exists()


@pytest.mark.django_db
def test_enrolment_cannot_replace_an_existing_authenticator_without_verifying(participant):
    """A thief with the password alone must not enrol their own phone."""
    client = Client()
    password_login(client, participant.email)
    response = client.get("/account/2fa/setup/")
    assert response.status_code == 302
    assert response["Location"].startswith(TWO_FA)
    assert not TOTPDevice.objects.filter(user=participant, confirmed=False).exists()


@pytest.mark.django_db
def test_open_redirect_after_second_factor_is_refused(participant):
    client = Client()
    password_login(client, participant.email)
    response = client.post(
        TWO_FA + "?next=https://evil.example/", {"code": current_code(participant)}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_no_open_sign_up():
    response = Client().get("/account/signup/")
    assert response.status_code in (302, 404)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_password_reset_does_not_enumerate_and_does_not_skip_second_factor(participant):
    known = Client().post("/account/password/reset/", {"email": participant.email})
    unknown = Client().post("/account/password/reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1  # nothing is sent to an address without an account
    assert mail.outbox[0].to == [participant.email]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/key/" in line)
    path = link[link.index("/account/") :].strip()
    client = Client()
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
    new_password = "a-brand-new-password-77"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    # Not logged in by the reset, and the new password still needs the second factor.
    assert client.get("/participant/").status_code == 302
    password_login(client, participant.email, new_password)
    assert client.get("/participant/")["Location"].startswith(TWO_FA)
    assert AuditEvent.objects.filter(action="password_reset", subject=participant).exists()


@pytest.mark.django_db
def test_language_switch_to_english(participant):
    client = Client()
    assert "Logga in" in client.get(LOGIN).content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": LOGIN})
    assert "Log in" in client.get(LOGIN).content.decode()


@pytest.mark.django_db
def test_login_events_are_audited(participant):
    client = Client()
    password_login(client, participant.email)
    client.post(TWO_FA, {"code": current_code(participant)})
    actions = set(AuditEvent.objects.filter(actor=participant).values_list("action", flat=True))
    assert {"login", "otp_verified"} <= actions


@pytest.mark.django_db
def test_right_code_right_after_a_wrong_one_is_asked_to_wait(participant):
    """django-otp's growing pause: a guesser cannot fire codes back to back."""
    client = Client()
    password_login(client, participant.email)
    client.post(TWO_FA, {"code": "000000"})
    response = client.post(TWO_FA, {"code": current_code(participant)})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert client.get("/participant/").status_code == 302


@pytest.mark.django_db
def test_swedish_by_default_whatever_the_browser_says():
    page = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get(LOGIN).content.decode()
    assert "Logga in" in page and '<html lang="sv">' in page
