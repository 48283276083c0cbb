"""The role × page matrix of the therapist's workbench and the administration pages: every
URL in the two namespaces, every member of the cast, the answer each one gets today.

A URL added to either namespace without a row here fails `test_every_url_has_a_row`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role, User
from modules.models import Enrollment, RiskSignal
from modules.services import enrollment_assign
from tests.helpers import (
    LOGIN,
    SECOND_FACTOR,
    client_as,
    enroll,
    make_user,
    modules_of,
    outcome_of,
    verified_client,
)

pytestmark = pytest.mark.django_db

NAMESPACES = ("therapist", "administration")

# The cast. "substitute" is a therapist named as the enrollment's substitute; "participant"
# is the enrollment's own participant; "unverified" is the assigned therapist logged in
# with the password only.
WHO = (
    "therapist",
    "substitute",
    "other_therapist",
    "participant",
    "editor",
    "partner_worker",
    "admin",
    "anonymous",
    "unverified",
)
CARE_TEAM = ("therapist", "substitute")


@dataclass(frozen=True)
class Row:
    method: str  # the method the view takes; a POST-only view answers a GET with 405
    allowed: dict[str, int]  # who gets what; everyone else who is logged in and verified: 404
    data: dict[str, str] = field(default_factory=dict)  # harmless POST data

    def expected(self, who: str) -> int | str:
        if who == "anonymous":
            return LOGIN
        if who == "unverified":
            return SECOND_FACTOR
        return self.allowed.get(who, 404)


def _team(status: int) -> dict[str, int]:
    return dict.fromkeys(CARE_TEAM, status)


# What each cast member gets today. A therapist's caseload is their own, so every therapist
# reaches it; per-participant pages answer 404 to everyone outside the care team, the admin
# included (an admin manages, they do not read the record). The participant and the other
# staff roles get 404 everywhere: role_required never says "forbidden", so a page's
# existence does not leak. POST-only views redirect back after doing their work.
MATRIX: dict[str, Row] = {
    "therapist:home": Row("get", {**_team(200), "other_therapist": 200}),
    "therapist:participant": Row("get", _team(200)),
    "therapist:answers": Row("get", _team(200)),
    "therapist:notes": Row("get", _team(200)),
    "therapist:checkin_interval": Row("post", _team(302), {"days": "7"}),
    "therapist:module_access": Row("post", _team(302)),
    "therapist:risk_acknowledge": Row("post", _team(302), {"comment": "Called back."}),
    # A meeting id that is no meeting here: 404 for all; tests/meetings/test_matrix.py walks
    # the form with a real meeting.
    "therapist:meeting_outcome": Row("post", {}),
    "administration:participants": Row("get", {"admin": 200}),
    # Empty forms: the admin gets the page back with an error message, nothing changes.
    "administration:assign": Row("post", {"admin": 302}),
    "administration:set_status": Row("post", {"admin": 302}),
    "administration:set_born_on_day": Row("post", {"admin": 302}),
    "administration:access_log": Row("get", {"admin": 200}),
    "administration:risk_words": Row("get", {"admin": 200}),
}


def _patterns(namespace: str) -> list[URLPattern]:
    _prefix, resolver = get_resolver().namespace_dict[namespace]
    found: list[URLPattern] = []

    def walk(patterns: list[Any]) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns)
            else:
                found.append(p)

    walk(resolver.url_patterns)
    return found


def _discovered() -> dict[str, URLPattern]:
    return {f"{ns}:{p.name}": p for ns in NAMESPACES for p in _patterns(ns)}


def test_every_url_has_a_row():
    discovered = _discovered()
    assert all(p.name for p in discovered.values()), "every URL needs a name"
    assert sorted(discovered) == sorted(MATRIX), (
        "Add a row to MATRIX for each new URL (and remove rows for URLs that are gone)"
    )


@pytest.fixture
def world(
    db: None,
    programme: Any,
    participant: User,
    therapist: User,
    other_therapist: User,
    editor: User,
    partner_worker: User,
    admin_user: User,
) -> dict[str, Any]:
    enrollment = enroll(participant, therapist, programme)
    substitute = make_user("substitute@example.org", [Role.THERAPIST], name="Sam")
    enrollment_assign(
        actor=admin_user, enrollment=enrollment, therapist=therapist, substitute=substitute
    )
    enrollment = Enrollment.objects.get(pk=enrollment.pk)
    signal = RiskSignal.objects.create(
        enrollment=enrollment, source="checkin", level="high", reasons=["violence_reported"]
    )
    people = {
        "therapist": therapist,
        "substitute": substitute,
        "other_therapist": other_therapist,
        "participant": participant,
        "editor": editor,
        "partner_worker": partner_worker,
        "admin": admin_user,
    }
    # Real ids for every parameter a URL in the namespaces takes.
    values = {
        "public_id": enrollment.public_id,
        "key": modules_of(enrollment.programme)[1].translation_key,
        "action": "close",
        "signal_id": signal.public_id,
        "meeting_id": uuid4(),
    }
    return {"people": people, "values": values, "enrollment": enrollment}


def _url(name: str, pattern: URLPattern, values: dict[str, Any]) -> str:
    params = list(pattern.pattern.converters)
    unknown = set(params) - set(values)
    assert not unknown, f"{name}: give the matrix a real value for {sorted(unknown)}"
    return reverse(name, kwargs={p: values[p] for p in params})


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_role_page_matrix(name: str, world: dict[str, Any]) -> None:
    pattern = _discovered()[name]
    row = MATRIX[name]
    url = _url(name, pattern, world["values"])
    send: Callable[..., Any]
    got: dict[str, int | str] = {}
    for who in WHO:
        client = client_as(who, world["people"], unverified_as="therapist")
        send = client.post if row.method == "post" else client.get
        got[who] = outcome_of(send(url, row.data))
    assert got == {who: row.expected(who) for who in WHO}
    if row.method == "post":
        # A POST-only view refuses a GET even from the people it serves.
        member = "admin" if name.startswith("administration:") else "therapist"
        assert verified_client(world["people"][member]).get(url).status_code == 405
