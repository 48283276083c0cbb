"""Anonymising an account (accounts.personal_data) also blanks the invitations that named
the person, and only those: the administrators' list of invitations says no more who it
was."""

from __future__ import annotations

import pytest

from accounts.models import Role, User
from accounts.personal_data import user_anonymise
from accounts.services import invitation_create


@pytest.mark.django_db
def test_the_invitations_that_named_the_person_no_longer_do(therapist: User) -> None:
    mine, _ = invitation_create(
        actor=therapist, email="Alex@example.org", roles=[Role.PARTICIPANT], display_name="Alex"
    )
    other, _ = invitation_create(
        actor=therapist, email="sam@example.org", roles=[Role.PARTICIPANT], display_name="Sam"
    )
    alex = User.objects.create_user("alex@example.org", display_name="Alex")

    user_anonymise(alex)

    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.email, mine.display_name) == (
        f"invitation-{mine.public_id.hex}@anonymised.invalid",
        "",
    )
    assert (other.email, other.display_name) == ("sam@example.org", "Sam")
