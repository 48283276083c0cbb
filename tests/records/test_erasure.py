"""An admin carries out an erasure request: refused while a treatment is open, refused
without a reason or the typed confirmation; otherwise the participant is anonymised at once
(as retention would) and the reason is written to the access log."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from accounts.models import User
from accounts.personal_data import ANONYMISED
from audit.models import AuditEvent
from messaging.models import Message
from modules.models import Answer
from records.models import Anonymisation
from records.services import erasure_carry_out
from tests.helpers import (
    ALEX,
    PASSWORD,
    ROBIN,
    World,
    check_accessibility,
    end_treatment,
    in_english,
    verified_client,
)

pytestmark = pytest.mark.django_db

LIST = "/records/erasure/"
REASON = "The person's request of 3 March (GDPR art. 17); no duty to keep applies."


def _url(person: User) -> str:
    return f"/records/erasure/{person.public_id}/"


def _post(admin: User, person: User, **data: str) -> str:
    response = in_english(verified_client(admin)).post(_url(person), data, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def _erased() -> bool:
    return AuditEvent.objects.filter(action=AuditEvent.Action.ERASURE_CARRIED_OUT).exists()


def test_the_list_and_the_form(world: World, admin_user: User) -> None:
    client = verified_client(admin_user)
    page = client.get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    check_accessibility(html, LIST)
    assert _url(world.alex) in html and _url(world.robin) in html
    assert _url(admin_user) not in html  # staff are not on the list
    found = client.get(LIST, {"q": "rob"}).content.decode()
    assert _url(world.robin) in found and _url(world.alex) not in found
    form = client.get(_url(world.alex))
    assert form.status_code == 200
    check_accessibility(form.content.decode(), _url(world.alex))
    # Only participants have an erasure page.
    assert client.get(_url(admin_user)).status_code == 404


def test_refused_while_a_treatment_is_open(world: World, admin_user: User) -> None:
    html = _post(admin_user, world.alex, reason=REASON, confirmation="Alex")
    assert "still open" in html and "End the treatment first" in html
    assert not _erased() and not Anonymisation.objects.exists()
    assert User.objects.get(pk=world.alex.pk).email == "participant@example.org"


def test_refused_without_a_reason_or_the_confirmation(world: World, admin_user: User) -> None:
    end_treatment(world.e_alex, admin_user, years_ago=0.1)
    for data in (
        {"reason": "", "confirmation": "Alex"},
        {"reason": "   ", "confirmation": "Alex"},
        {"reason": REASON, "confirmation": ""},
        {"reason": REASON, "confirmation": "Robin"},
    ):
        _post(admin_user, world.alex, **data)
        assert not _erased(), data
    with pytest.raises(ValidationError):
        erasure_carry_out(actor=admin_user, participant=world.alex, reason=" ", confirmation="Alex")
    assert not Anonymisation.objects.exists()


def test_only_an_admin_may(world: World, therapist: User) -> None:
    end_treatment(world.e_alex, therapist, years_ago=0.1)
    with pytest.raises(PermissionDenied):
        erasure_carry_out(
            actor=therapist, participant=world.alex, reason=REASON, confirmation="Alex"
        )


def test_an_erasure_anonymises_at_once_and_is_audited(world: World, admin_user: User) -> None:
    end_treatment(world.e_alex, admin_user, years_ago=0.1)  # ended last month
    html = _post(admin_user, world.alex, reason=REASON, confirmation=" alex ")
    assert "The erasure is carried out" in html

    alex = User.objects.get(pk=world.alex.pk)
    assert alex.email.endswith("@anonymised.invalid") and not alex.is_active
    assert not Client().login(email="participant@example.org", password=PASSWORD)
    assert ALEX["reflection"] not in str(
        list(Answer.objects.filter(enrollment=world.e_alex).values_list("value", flat=True))
    )
    assert set(
        Message.objects.filter(thread__enrollment=world.e_alex).values_list("body", flat=True)
    ) == {ANONYMISED}
    # Robin is untouched.
    assert Message.objects.filter(body=ROBIN["message"]).exists()

    erasure = AuditEvent.objects.get(action=AuditEvent.Action.ERASURE_CARRIED_OUT)
    assert (erasure.actor, erasure.subject, erasure.detail) == (admin_user, alex, REASON)
    anonymised = AuditEvent.objects.filter(action=AuditEvent.Action.RECORD_ANONYMISED)
    assert sorted((e.target_type, e.actor_id, e.detail) for e in anonymised) == [
        ("account", admin_user.pk, "erasure"),
        ("enrollment", admin_user.pk, "erasure"),
    ]
    assert set(Anonymisation.objects.values_list("basis", flat=True)) == {"erasure"}

    # The list says so, and a second request is refused.
    assert "Anonymised" in in_english(verified_client(admin_user)).get(LIST).content.decode()
    with pytest.raises(ValidationError, match="already been anonymised"):
        erasure_carry_out(
            actor=admin_user, participant=alex, reason=REASON, confirmation=alex.display_name
        )
    # Retention, ten years on, finds nothing left to do for this treatment.
    from io import StringIO

    from django.core.management import call_command

    from modules.models import Enrollment

    Enrollment.objects.filter(pk=world.e_alex.pk).update(
        status_changed_at=world.e_alex.status_changed_at.replace(year=2010)
    )
    call_command("apply_retention", stdout=StringIO())
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RECORD_ANONYMISED).count() == 2
