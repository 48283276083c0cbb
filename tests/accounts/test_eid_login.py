"""Participants' e-ID login against a real OpenID Connect provider (tests/oidc.py): binding
through an invitation, logging in, the level of assurance, and the organisation's choice."""

from __future__ import annotations

import html
import re

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from accounts.identity import identity_hash
from accounts.models import AssuranceDevice, Invitation, User
from audit.models import AuditEvent
from modules.services import participant_invite
from organisations.models import IdentityProvider, ParticipantLogin
from tests.accounts.conftest import SLUG
from tests.helpers import PASSWORD, in_english, make_user
from tests.oidc import NUMBERS, local_path, pick_person

pytestmark = pytest.mark.django_db


def provider_redirect(client: Client, path: str) -> str:
    """Press an e-ID button: the address of the provider that our page moves on to."""
    response = client.post(path)
    assert response.status_code == 200, response.content[:500]
    match = re.search(r'id="eid-continue" href="([^"]+)"', response.content.decode())
    assert match, response.content[:500]
    return html.unescape(match.group(1))


def eid_round_trip(
    client: Client, person: str, *, level: str = "loa3", start: str | None = None
) -> object:
    """Press "Log in with e-ID" (or the button at `start`), pick `person` at the provider, and
    come back: the response of our callback."""
    authorize = provider_redirect(client, start or reverse("accounts:eid_login", args=[SLUG]))
    return client.get(local_path(pick_person(authorize, person, level=level)))


def invite(therapist: User, email: str, number: str = "") -> str:
    """The therapist invites a participant (with a personal identity number, or none); the
    link from the email."""
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        participant_invite(actor=therapist, email=email, display_name="Kim", identity_number=number)
    (message,) = mail.outbox
    match = re.search(r"https?://[^/\s]+(/account/invitation/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def eid_button_path(link: str) -> str:
    token = link.rstrip("/").rsplit("/", 1)[1]
    return reverse("accounts:eid_invitation", args=[token, SLUG])


def test_invited_participant_with_a_number_lands_on_home_without_an_authenticator(
    eid_row: IdentityProvider, therapist: User
) -> None:
    link = invite(therapist, "kim@example.org", NUMBERS["anna"])
    client = Client()
    page = client.get(link)
    assert "Logga in med e-legitimation" in page.content.decode()
    response = eid_round_trip(client, "anna", start=eid_button_path(link))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    home = client.get(reverse("home"), follow=True)
    assert home.status_code == 200
    assert home.redirect_chain[-1][0] == reverse("modules:home")
    user = User.objects.get(email="kim@example.org")
    assert user.identity_hash == identity_hash(NUMBERS["anna"])
    assert not user.has_usable_password()
    assert AssuranceDevice.objects.get(user=user).level.endswith("loa3")
    actions = list(AuditEvent.objects.filter(subject=user).values_list("action", flat=True))
    for action in ("invitation_accepted", "identity_bound", "login", "external_login"):
        assert action in actions
    detail = AuditEvent.objects.get(subject=user, action="external_login").detail
    assert f"provider={SLUG}" in detail and "method=eid" in detail and "loa3" in detail
    # One-time: the link is spent.
    assert Client().get(link).status_code == 410


def test_a_different_number_is_refused_and_nothing_is_bound(
    eid_row: IdentityProvider, therapist: User, english: None
) -> None:
    link = invite(therapist, "kim@example.org", NUMBERS["anna"])
    client = in_english(Client())
    response = eid_round_trip(client, "bo", start=eid_button_path(link))
    assert response.status_code == 403
    assert "does not belong to the person the invitation is for" in response.content.decode()
    assert not User.objects.filter(email="kim@example.org").exists()
    assert not User.objects.filter(identity_hash=identity_hash(NUMBERS["bo"])).exists()
    invitation = Invitation.objects.get(email="kim@example.org")
    assert invitation.accepted_at is None
    assert "_auth_user_id" not in client.session
    failed = AuditEvent.objects.get(action="external_login_failed")
    assert "number_mismatch" in failed.detail
    # The right person can still use the link.
    assert eid_round_trip(Client(), "anna", start=eid_button_path(link)).status_code == 302


def test_an_invitation_without_a_number_binds_the_first_e_id(
    eid_row: IdentityProvider, therapist: User
) -> None:
    link = invite(therapist, "kim@example.org")
    client = Client()
    response = eid_round_trip(client, "cecilia", start=eid_button_path(link))
    assert response["Location"] == reverse("home")
    user = User.objects.get(email="kim@example.org")
    assert user.identity_hash == identity_hash(NUMBERS["cecilia"])
    # Next time, from the login page.
    client.post(reverse("account_logout"))
    again = Client()
    assert eid_round_trip(again, "cecilia")["Location"] == reverse("home")
    assert again.get(reverse("modules:home")).status_code == 200


def test_a_low_level_of_assurance_asks_for_the_second_factor(
    eid_row: IdentityProvider, participant: User
) -> None:
    User.objects.filter(pk=participant.pk).update(identity_hash=identity_hash(NUMBERS["bo"]))
    client = Client()
    response = eid_round_trip(client, "bo", level="loa2")
    assert response["Location"] == reverse("accounts:second_factor")
    assert client.get(reverse("modules:home"))["Location"].startswith(
        reverse("accounts:second_factor")
    )
    assert not AssuranceDevice.objects.filter(user=participant).exists()
    # The same person at LoA3 is let straight in.
    strong = Client()
    assert eid_round_trip(strong, "bo")["Location"] == reverse("home")
    assert strong.get(reverse("modules:home")).status_code == 200


def test_an_e_id_with_no_account_is_refused(eid_row: IdentityProvider, english: None) -> None:
    client = in_english(Client())
    response = eid_round_trip(client, "anna")
    assert response.status_code == 403
    page = response.content.decode()
    assert "No account is linked to this e-ID. Ask your therapist for an invitation." in page
    assert reverse("account_login") in page
    assert not User.objects.filter(identity_hash=identity_hash(NUMBERS["anna"])).exists()
    assert AuditEvent.objects.filter(action="external_login_failed").count() == 1


def test_a_locked_account_is_refused(
    eid_row: IdentityProvider, participant: User, admin_user: User, english: None
) -> None:
    from accounts.services import user_lock

    User.objects.filter(pk=participant.pk).update(identity_hash=identity_hash(NUMBERS["anna"]))
    participant.refresh_from_db()
    user_lock(actor=admin_user, user=participant)
    response = eid_round_trip(in_english(Client()), "anna")
    assert response.status_code == 403
    assert "This account is locked" in response.content.decode()
    assert not AuditEvent.objects.filter(subject=participant, action="external_login").exists()


def test_a_staff_member_with_the_number_is_not_let_in_as_a_participant(
    eid_row: IdentityProvider, therapist: User
) -> None:
    User.objects.filter(pk=therapist.pk).update(identity_hash=identity_hash(NUMBERS["anna"]))
    client = Client()
    assert eid_round_trip(client, "anna").status_code == 403
    assert "_auth_user_id" not in client.session


def test_an_organisation_with_password_only_shows_no_button_and_refuses_e_id(
    eid_row: IdentityProvider, participant: User
) -> None:
    User.objects.filter(pk=participant.pk).update(identity_hash=identity_hash(NUMBERS["anna"]))
    client = Client()
    # The flow starts while e-ID is allowed; the organisation turns it off meanwhile.
    authorize = provider_redirect(client, reverse("accounts:eid_login", args=[SLUG]))
    organisation = eid_row.organisation
    organisation.participant_login = ParticipantLogin.PASSWORD
    organisation.save(update_fields=["participant_login"])
    response = client.get(local_path(pick_person(authorize, "anna")))
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert (
        "Logga in med e-legitimation" not in Client().get(reverse("account_login")).content.decode()
    )
    assert Client().post(reverse("accounts:eid_login", args=[SLUG])).status_code == 404


def test_e_id_only_refuses_the_password_and_hides_it_on_the_invitation(
    eid_row: IdentityProvider, participant: User, therapist: User, english: None
) -> None:
    organisation = eid_row.organisation
    organisation.participant_login = ParticipantLogin.EID_ONLY
    organisation.save(update_fields=["participant_login"])
    client = in_english(Client())
    response = client.post(
        reverse("account_login"), {"login": participant.email, "password": PASSWORD}
    )
    assert "Your treatment provider uses e-ID only. Log in with e-ID." in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Staff of the same organisation still log in with their password.
    staff = Client()
    staff.post(reverse("account_login"), {"login": therapist.email, "password": PASSWORD})
    assert "_auth_user_id" in staff.session
    # The invitation offers e-ID only, and a password posted anyway is refused.
    link = invite(therapist, "kim@example.org")
    page = in_english(Client()).get(link).content.decode()
    assert "Log in with e-ID" in page and 'name="password1"' not in page
    refused = Client().post(
        link, {"password1": "a long pass phrase 1", "password2": "a long pass phrase 1"}
    )
    assert refused.status_code == 403
    assert not User.objects.filter(email="kim@example.org").exists()
    # The e-ID way in works, and the account has no password.
    assert eid_round_trip(Client(), "anna", start=eid_button_path(link)).status_code == 302
    assert not User.objects.get(email="kim@example.org").has_usable_password()


def test_a_participant_in_another_organisation_is_not_let_in_by_this_provider(
    eid_row: IdentityProvider,
) -> None:
    from organisations.models import Organisation, Regime, Unit

    other = Organisation.objects.create(slug="annan", name="Annan", regime=Regime.HEALTH_CARE)
    unit = Unit.objects.create(organisation=other, slug="e", name="E")
    elsewhere = make_user("elsewhere@example.org", ["participant"], unit=unit)
    User.objects.filter(pk=elsewhere.pk).update(identity_hash=identity_hash(NUMBERS["anna"]))
    assert eid_round_trip(Client(), "anna").status_code == 403


def test_the_administrator_chooses_how_participants_log_in(
    eid_row: IdentityProvider, admin_user: User, participant: User
) -> None:
    from tests.helpers import verified_client

    organisation = eid_row.organisation
    organisation.participant_login = ParticipantLogin.PASSWORD
    organisation.save(update_fields=["participant_login"])
    assert (
        "Logga in med e-legitimation" not in Client().get(reverse("account_login")).content.decode()
    )
    url = reverse("accounts:organisation_settings", args=[organisation.public_id])
    admin = verified_client(admin_user)
    assert "Hur deltagare loggar in" in admin.get(url).content.decode()
    response = admin.post(
        url,
        {"name": organisation.name, "participant_login": ParticipantLogin.EID_ONLY},
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.participant_login == ParticipantLogin.EID_ONLY
    assert (
        "participant_login" in AuditEvent.objects.get(action="organisation_settings_changed").detail
    )
    assert "Logga in med e-legitimation" in Client().get(reverse("account_login")).content.decode()
    refused = Client()
    refused.post(reverse("account_login"), {"login": participant.email, "password": PASSWORD})
    assert "_auth_user_id" not in refused.session
