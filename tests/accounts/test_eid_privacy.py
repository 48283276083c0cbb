"""The personal identity number is kept nowhere and shown nowhere: after a therapist's
invitation with a number, an e-ID login through it, and refused attempts, no text column of
any table, no session, no email and no page holds it in any written form. And confirming who
one is before a security change can be done with e-ID again."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import models
from django.test import Client
from django.urls import reverse

from accounts.identity import identity_hash
from accounts.models import User
from audit.models import AuditEvent
from organisations.models import IdentityProvider
from tests.accounts.conftest import SLUG
from tests.accounts.test_eid_login import eid_button_path, eid_round_trip, invite, provider_redirect
from tests.helpers import verified_client
from tests.oidc import NUMBERS, local_path, pick_person

pytestmark = pytest.mark.django_db

TEXT = (models.CharField, models.TextField, models.JSONField)


def written_forms(number: str) -> list[str]:
    return [number, number[2:], f"{number[:8]}-{number[8:]}", f"{number[2:8]}-{number[8:]}"]


def every_stored_text() -> list[tuple[str, str]]:
    """(table.column, value) for every text or JSON value in the database, sessions decoded."""
    found = []
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, TEXT)]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for name, value in zip(fields, row, strict=True):
                if value not in (None, ""):
                    found.append((f"{model._meta.db_table}.{name}", str(value)))
    for session in Session.objects.all():
        found.append(("session (decoded)", str(session.get_decoded())))
    return found


def test_the_number_is_stored_nowhere_and_shown_nowhere(
    eid_row: IdentityProvider, therapist: User
) -> None:
    number = NUMBERS["anna"]
    pages: list[Any] = []
    # The therapist's form, sent with a mistake elsewhere, does not echo the number back.
    staff = verified_client(therapist)
    pages.append(
        staff.post(
            reverse("therapist:home"),
            {"email": "not an address", "display_name": "Kim", "identity_number": number},
        )
    )
    link = invite(therapist, "kim@example.org", number)
    client = Client()
    pages.append(client.get(link))
    # A wrong person first, then the right one.
    pages.append(eid_round_trip(Client(), "bo", start=eid_button_path(link)))
    pages.append(eid_round_trip(client, "anna", start=eid_button_path(link)))
    pages.append(client.get(reverse("home"), follow=True))
    pages.append(client.get(reverse("accounts:security")))
    pages.append(client.get(reverse("accounts:my_access_log")))
    pages.append(staff.get(reverse("therapist:home")))
    user = User.objects.get(email="kim@example.org")
    assert user.identity_hash == identity_hash(number)
    assert AuditEvent.objects.filter(action="identity_bound", subject=user).exists()
    forms = written_forms(number) + written_forms(NUMBERS["bo"])
    for where, value in every_stored_text():
        for form in forms:
            assert form not in value, where
    for message in mail.outbox:
        for form in forms:
            assert form not in message.body and form not in message.subject
    for page in pages:
        text = page.content.decode()
        for form in forms:
            assert form not in text


def test_confirming_who_one_is_before_a_security_change_by_e_id(
    eid_row: IdentityProvider, participant: User
) -> None:
    User.objects.filter(pk=participant.pk).update(identity_hash=identity_hash(NUMBERS["anna"]))
    client = Client()
    assert eid_round_trip(client, "anna")["Location"] == reverse("home")
    target = reverse("accounts:password_change")
    asked = client.get(target, follow=True)
    assert "Bekräfta med e-legitimation" in asked.content.decode()
    confirm = reverse("accounts:eid_reauthenticate", args=[SLUG])
    # Someone else's e-ID does not confirm it.
    authorize = provider_redirect(client, f"{confirm}?next={target}")
    assert "prompt=login" in authorize and "max_age=0" in authorize
    wrong = client.get(local_path(pick_person(authorize, "bo")))
    assert wrong.status_code == 403
    assert client.get(target)["Location"].startswith(reverse("accounts:reauthenticate"))
    # Their own does, and they go on to the page they asked for.
    authorize = provider_redirect(client, f"{confirm}?next={target}")
    back = client.get(local_path(pick_person(authorize, "anna")))
    assert back["Location"] == target
    assert client.get(target).status_code == 200
    assert AuditEvent.objects.filter(action="reauthenticated", subject=participant).exists()
