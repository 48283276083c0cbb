"""The role × page matrix of the meeting pages: every URL in the `meetings` namespace and the
therapist's outcome form, for the participant, their therapist, another therapist of the same
organisation, a therapist of another organisation, the partner-contact worker, the
administrator, an anonymous visitor and a password-only session. A URL added without a row
fails `test_every_url_has_a_row`. Who may not see a meeting gets 404, as for a missing one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

import pytest
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from accounts.models import Role, User
from audit.models import AuditEvent
from meetings import services
from organisations.models import Organisation, Regime, Unit
from tests.helpers import (
    LOGIN,
    SECOND_FACTOR,
    client_as,
    enroll,
    make_user,
    outcome_of,
    verified_client,
)

pytestmark = pytest.mark.django_db

WHO = (
    "participant",
    "therapist",
    "other_therapist",
    "foreign_therapist",
    "partner_worker",
    "admin",
    "anonymous",
    "unverified",
)


@dataclass(frozen=True)
class Row:
    method: str
    allowed: dict[str, int | str]  # everyone else logged in and verified: 404
    data: dict[str, str] = field(default_factory=dict)

    def expected(self, who: str) -> int | str:
        if who == "anonymous":
            return LOGIN
        if who == "unverified":
            return SECOND_FACTOR
        return self.allowed.get(who, 404)


BOTH = {"participant": 200, "therapist": 200}
MATRIX: dict[str, Row] = {
    "meetings:mine": Row("get", {"participant": 200}),
    # The organisation lets participants book (set in the world below).
    "meetings:book_self": Row("get", {"participant": 200}),
    "meetings:hours": Row(
        "get", {"therapist": 200, "other_therapist": 200, "foreign_therapist": 200}
    ),
    "meetings:hours_remove": Row("post", {"therapist": 302}),
    "meetings:book": Row("get", {"therapist": 200}),
    "meetings:detail": Row("get", BOTH),
    "meetings:ics": Row("get", BOTH),
    # The video room (a video meeting two days ahead: the page says when it opens).
    "meetings:video": Row("get", BOTH),
    # Empty reasons: refused with the page and a message, nothing changes.
    "meetings:cancel": Row("post", {"participant": 400, "therapist": 400}),
    "meetings:move": Row("post", {"participant": 400, "therapist": 400}),
    "therapist:meeting_outcome": Row("post", {"therapist": 302}),
}


def _names() -> dict[str, URLPattern]:
    found = {}
    _prefix, resolver = get_resolver().namespace_dict["meetings"]
    for p in resolver.url_patterns:
        found[f"meetings:{p.name}"] = p
    _prefix, resolver = get_resolver().namespace_dict["therapist"]
    for p in resolver.url_patterns:
        if "meeting" in (p.name or ""):
            found[f"therapist:{p.name}"] = p
    return found


def test_every_url_has_a_row():
    assert sorted(_names()) == sorted(MATRIX)


@pytest.fixture
def world(programme, participant, therapist, other_therapist, partner_worker, admin_user):
    organisation = Organisation.objects.create(
        slug="elsewhere", name="Elsewhere", regime=Regime.SOCIAL_SERVICES
    )
    unit = Unit.objects.create(organisation=organisation, slug="u", name="Unit")
    foreign = make_user("foreign@example.org", [Role.THERAPIST], name="Fay", unit=unit)
    enrollment = enroll(participant, therapist, programme)
    org = enrollment.unit.organisation
    org.participants_book_meetings = True
    org.save(update_fields=["participants_book_meetings"])
    hours = services.hours_add(actor=therapist, weekday=0, starts=time(0), ends=time(23, 30))
    for weekday in range(1, 7):
        services.hours_add(actor=therapist, weekday=weekday, starts=time(0), ends=time(23, 30))
    starts_at = [
        m
        for m in services.selectors.free_times(therapist)
        if m > timezone.now() + timedelta(days=2)
    ][0]
    meeting = services.meeting_book(
        actor=therapist, enrollment=enrollment, kind="video", starts_at=starts_at
    )
    people = {
        "participant": participant,
        "therapist": therapist,
        "other_therapist": other_therapist,
        "foreign_therapist": foreign,
        "partner_worker": partner_worker,
        "admin": admin_user,
    }
    values = {
        "public_id": meeting.public_id,
        "enrollment_id": enrollment.public_id,
        "meeting_id": meeting.public_id,
    }
    return {"people": people, "values": values, "hours": hours, "enrollment": enrollment}


def _url(name: str, world: dict[str, Any]) -> str:
    pattern = _names()[name]
    values = dict(world["values"])
    if name == "meetings:hours_remove":
        values["public_id"] = world["hours"].public_id
    if name == "therapist:meeting_outcome":
        values["public_id"] = world["enrollment"].public_id
    return reverse(name, kwargs={p: values[p] for p in pattern.pattern.converters})


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_role_page_matrix(name: str, world: dict[str, Any]) -> None:
    row = MATRIX[name]
    url = _url(name, world)
    got: dict[str, int | str] = {}
    for who in WHO:
        client = client_as(who, world["people"], unverified_as="therapist")
        send = client.post if row.method == "post" else client.get
        got[who] = outcome_of(send(url, row.data))
    assert got == {who: row.expected(who) for who in WHO}
    if row.method == "post":
        assert verified_client(world["people"]["therapist"]).get(url).status_code == 405


def test_every_staff_read_of_a_meeting_is_in_the_access_log(world):
    therapist: User = world["people"]["therapist"]
    participant: User = world["people"]["participant"]
    client = verified_client(therapist)
    reads = AuditEvent.objects.filter(action="record_viewed", actor=therapist, subject=participant)
    for name in (
        "meetings:detail",
        "meetings:ics",
        "meetings:book",
        "meetings:hours",
        "meetings:video",
    ):
        before = reads.count()
        assert client.get(_url(name, world)).status_code == 200
        assert reads.count() == before + 1, name
    # The participant's own reads are theirs, not staff reads.
    verified_client(participant).get(_url("meetings:detail", world))
    assert not AuditEvent.objects.filter(action="record_viewed", actor=participant).exists()


@pytest.mark.parametrize("bad", ["not-a-uuid", "1", "%00", "00000000-0000-0000-0000-000000000000"])
def test_malformed_and_unknown_ids_are_404(world, bad):
    for who in ("participant", "therapist"):
        client = verified_client(world["people"][who])
        assert client.get(f"/meetings/{bad}/").status_code == 404
        assert client.post(f"/meetings/{bad}/cancel/", {"reason": "x"}).status_code == 404
        assert client.get(f"/meetings/with/{bad}/").status_code == 404
