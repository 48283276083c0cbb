"""Logging in on a phone (issue 14, item 9): the code field opens the number keypad and
offers one-time-code autofill, a recovery code has a field of its own, the account page says
when two or fewer recovery codes are left and offers new ones, and the error texts spell
"e-postadress" as the label does."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import RecoveryCode
from accounts.services import new_recovery_codes
from audit.models import AuditEvent
from tests.helpers import PASSWORD, current_code, unverified_client, verified_client

pytestmark = pytest.mark.django_db

TWO_FA = "/account/2fa/"
SECURITY = "/account/security/"


def _input(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found, name
    return found.group(0)


def test_the_code_field_opens_the_number_keypad_and_offers_autofill(participant):
    page = unverified_client(participant).get(TWO_FA).content.decode()
    code = _input(page, "code")
    for attribute in (
        'inputmode="numeric"',
        'autocomplete="one-time-code"',
        'pattern="[0-9]{6}"',
        'maxlength="6"',
    ):
        assert attribute in code, attribute
    # A recovery code has letters: its own field, folded away, without the number keypad.
    recovery = _input(page, "recovery_code")
    assert "inputmode" not in recovery and 'autocomplete="off"' in recovery
    assert "<details" in page and "Använd en reservkod" in page
    assert re.search(r'<label for="id_code">Kod:?</label>', page)


def test_a_recovery_code_in_its_own_field_logs_in_once(participant):
    codes = new_recovery_codes(participant)
    client = unverified_client(participant)
    response = client.post(TWO_FA, {"code": "", "recovery_code": codes[1]})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="recovery_code_used", actor=participant).count() == 1
    again = unverified_client(participant).post(TWO_FA, {"recovery_code": codes[1]})
    page = again.content.decode()
    assert again.status_code == 200 and "Koden stämmer inte" in page
    assert '<details class="recovery-code" open>' in page  # the error is where it was typed


def test_an_empty_form_says_what_to_write(participant):
    response = unverified_client(participant).post(TWO_FA, {"code": "", "recovery_code": ""})
    assert response.status_code == 200
    assert "Skriv de sex siffrorna från din autentiseringsapp." in response.content.decode()


def test_the_code_from_the_app_still_works(participant):
    response = unverified_client(participant).post(TWO_FA, {"code": current_code(participant)})
    assert response.status_code == 302


def _use(user, count: int) -> None:
    RecoveryCode.objects.filter(
        pk__in=RecoveryCode.objects.filter(device__user=user).values("pk")[:count]
    ).update(used_at="2026-12-01T10:00:00Z")


@pytest.mark.parametrize(("used", "warned"), [(0, False), (7, False), (8, True), (10, True)])
def test_the_account_page_warns_when_two_or_fewer_codes_are_left(participant, used, warned):
    new_recovery_codes(participant)
    _use(participant, used)
    page = verified_client(participant).get(SECURITY).content.decode()
    assert ('id="recovery-low"' in page) is warned
    if warned:
        warning = page.split('id="recovery-low"', 1)[1].split("</div>", 1)[0]
        assert 'href="/account/security/recovery-codes/"' in warning
        assert "Skapa nya reservkoder" in warning
        if used == 8:
            assert "Du har bara 2 reservkoder kvar" in warning
        else:
            assert "Du har inga reservkoder kvar" in warning


def test_new_codes_need_the_verified_session_and_the_password_are_audited_and_shown_once(
    participant,
):
    old = new_recovery_codes(participant)
    _use(participant, 9)
    # Not without the second factor, and not without confirming the password.
    assert (
        unverified_client(participant)
        .get("/account/security/recovery-codes/")["Location"]
        .startswith(TWO_FA)
    )
    client = verified_client(participant)
    assert client.post("/account/security/recovery-codes/")["Location"].startswith(
        "/account/security/confirm/"
    )
    assert client.post("/account/security/confirm/", {"password": PASSWORD}).status_code == 302
    response = client.post("/account/security/recovery-codes/")
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.content.decode())
    assert len(codes) == 10 and not set(codes) & set(old)
    assert AuditEvent.objects.filter(
        action="recovery_codes_regenerated", actor=participant
    ).exists()
    page = client.get(SECURITY).content.decode()
    assert 'id="recovery-low"' not in page and codes[0] not in page


def test_login_errors_spell_e_postadress_as_the_label_does(participant):
    response = Client().post(
        "/account/login/", {"login": participant.email, "password": "wrong-password"}
    )
    page = response.content.decode()
    assert "E-postadress" in page  # the label
    assert "E-postadressen eller lösenordet stämmer inte." in page
    assert not re.search(r"[Ee]post|e-post adress|E-mail", page)
    reset = Client().post("/account/password/reset/", {"email": "not an address"})
    page = reset.content.decode()
    assert "Fyll i en giltig e-postadress." in page
    assert not re.search(r"[Ee]post|e-post adress|E-mail", page)
