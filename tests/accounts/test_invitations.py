"""Invitations: one-time links that expire, and who may invite whom."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from accounts.models import Invitation, Role, User
from accounts.services import invitation_create
from audit.models import AuditEvent
from tests.helpers import verified_client

GOOD_PASSWORD = "Sommarstuga-vid-sjon-9"


def _link_path(body: str) -> str:
    line = next(line for line in body.splitlines() if "/account/invitation/" in line)
    return line[line.index("/account/invitation/") :].strip()


@pytest.mark.django_db(transaction=True)
def test_admin_invites_staff_who_sets_a_password_and_must_enrol(admin_user):
    admin = verified_client(admin_user)
    response = admin.post(
        "/account/admin/",
        {"email": "New.Therapist@Example.org", "display_name": "Nora", "roles": ["therapist"]},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.therapist@example.org"]
    path = _link_path(message.body)
    stored = Invitation.objects.get()
    assert path.split("/")[-2] not in stored.token_hash  # only the hash is stored

    invitee = Client()
    page = invitee.get(path)
    assert page.status_code == 200
    response = invitee.post(path, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/account/2fa/setup/"
    user = User.objects.get(email="new.therapist@example.org")
    assert user.roles == {Role.THERAPIST}
    # Nothing but enrolment until a second factor exists.
    assert invitee.get("/therapist/")["Location"].startswith("/account/2fa/setup/")
    # The link is dead after use.
    assert Client().get(path).status_code == 410
    assert AuditEvent.objects.filter(action="invitation_accepted", actor=user).exists()
    assert AuditEvent.objects.filter(action="invitation_sent", actor=admin_user).exists()


@pytest.mark.django_db
def test_expired_invitation_is_refused(therapist):
    _inv, path = invitation_create(actor=therapist, email="p@example.org", roles=[Role.PARTICIPANT])
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client = Client()
    assert client.get(path).status_code == 410
    response = client.post(path, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert response.status_code == 410
    assert not User.objects.filter(email="p@example.org").exists()


@pytest.mark.django_db
def test_invitation_lifetime_is_72_hours(therapist):
    invitation, _path = invitation_create(
        actor=therapist, email="p@example.org", roles=[Role.PARTICIPANT]
    )
    lifetime = invitation.expires_at - invitation.created_at
    assert timedelta(hours=71, minutes=59) < lifetime <= timedelta(hours=72)


@pytest.mark.django_db
def test_weak_or_mismatched_password_keeps_the_invitation_usable(therapist):
    _inv, path = invitation_create(actor=therapist, email="p@example.org", roles=[Role.PARTICIPANT])
    client = Client()
    weak = client.post(path, {"password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 200 and weak.context["form"].errors
    mismatch = client.post(path, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD + "x"})
    assert mismatch.status_code == 200 and mismatch.context["form"].errors
    ok = client.post(path, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert ok.status_code == 302


@pytest.mark.django_db
def test_therapist_may_invite_participants_only(therapist):
    invitation_create(actor=therapist, email="p@example.org", roles=[Role.PARTICIPANT])
    with pytest.raises(PermissionDenied):
        invitation_create(actor=therapist, email="s@example.org", roles=[Role.THERAPIST])
    with pytest.raises(PermissionDenied):
        invitation_create(actor=therapist, email="a@example.org", roles=[Role.ADMIN])


@pytest.mark.django_db
def test_participant_and_editor_may_not_invite(participant, editor):
    for actor in (participant, editor):
        with pytest.raises(PermissionDenied):
            invitation_create(actor=actor, email="x@example.org", roles=[Role.PARTICIPANT])


@pytest.mark.django_db
def test_invitation_to_an_existing_address_is_refused_with_a_message(admin_user, therapist):
    with pytest.raises(ValidationError):
        invitation_create(actor=admin_user, email=therapist.email.upper(), roles=[Role.EDITOR])
    response = verified_client(admin_user).post(
        "/account/admin/", {"email": therapist.email, "roles": ["editor"]}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


@pytest.mark.django_db
def test_participant_cannot_hold_staff_roles(admin_user):
    with pytest.raises(ValidationError):
        invitation_create(
            actor=admin_user, email="x@example.org", roles=[Role.PARTICIPANT, Role.THERAPIST]
        )


@pytest.mark.django_db
def test_therapist_invites_participant_from_their_page(
    therapist, django_capture_on_commit_callbacks
):
    from modules.models import Enrollment
    from tests.helpers import make_programme

    make_programme(modules=1)
    client = verified_client(therapist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/therapist/", {"email": "sam@example.org", "display_name": "<script>x</script>"}
        )
    assert response.status_code == 302
    assert Invitation.objects.get().roles == [Role.PARTICIPANT]
    assert mail.outbox[0].to == ["sam@example.org"]
    assert "<script" not in mail.outbox[0].body  # the name never goes into the email
    enrollment = Enrollment.objects.get()
    assert enrollment.therapist == therapist and enrollment.status == "invited"


@pytest.mark.django_db
def test_therapist_invitation_without_a_programme_explains_why(therapist):
    response = verified_client(therapist).post(
        "/therapist/", {"email": "sam@example.org", "display_name": "Sam"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_a_new_invitation_replaces_the_open_one(therapist):
    _first, first_path = invitation_create(
        actor=therapist, email="p@example.org", roles=[Role.PARTICIPANT]
    )
    _second, second_path = invitation_create(
        actor=therapist, email="p@example.org", roles=[Role.PARTICIPANT]
    )
    assert Client().get(first_path).status_code == 410
    assert Client().get(second_path).status_code == 200


@pytest.mark.django_db
def test_unknown_token_gets_the_same_answer_as_a_used_one():
    assert Client().get("/account/invitation/not-a-real-token/").status_code == 410
