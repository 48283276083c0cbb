"""Every URL pattern of the configuration (ours, Wagtail's /cms/, allauth's), requested as
an anonymous visitor, a password-only session and each role of the cast, with real ids from a
seeded world and with ids wrong in every way, with bad query parameters, and POSTed empty,
oversized and wrong-typed bodies. No answer may be a server error and the log must hold no
traceback.

One test per role walks everything in a loop (one database set-up each), so the whole walk
stays cheap enough for CI on SQLite and on PostgreSQL. `-s` prints how many requests each role
made."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Role, User
from messaging.models import Thread
from modules.models import RiskSignal
from tests.helpers import World, make_user, sample_path, unverified_client, verified_client
from worker.lease import beat

pytestmark = pytest.mark.django_db

SLOT = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>[^)]*\)")
# Wrong in every way. Percent-encoded: the test client decodes the path as a browser's
# request would arrive.
BAD_IDS = {
    "non-numeric": "abc",
    "negative": "-1",
    "beyond 64 bits": "9" * 25,
    "just beyond": str(2**63),
    "NUL byte": "1%00",
    "right-to-left override": "%E2%80%AE1",
    "emoji": "%F0%9F%98%80",
    "unknown uuid": str(uuid.uuid4()),
}
BAD_QUERIES = [
    "page=-1&p=-1&after=-1&before=-1&q=%00&show=%00&corrects=%00&format=%00&status=%00&action=%E2%80%AE&from=abc&to=-1&next=%00",
    "page=abc&p=abc&after=abc&before=abc&staff=%00&participant=%00&show=%E2%80%AE&q=%F0%9F%98%80&status=x&actor=abc&subject=abc&date=2026-13-45",
    "page=99999999999999999999999&after=99999999999999999999999&before=99999999999999999999999&from=0001-01-01&to=9999-99-99"
    "&actor=99999999999999999999999&sort=%00&o=-1",
    "page=0&page=1&lang=%00&language=xx&occasion=%00&id=1%00&q=" + "x" * 5000,
]
MB = 1024 * 1024
FIELD_NAMES = ("body", "phrase", "name", "title", "text", "comment", "reason", "q", "greeting")
# POSTing these would end the walk's own session; logging out is tested elsewhere.
NO_POST = {
    "account_logout",
    "accounts:logout_everywhere",
    "wagtailadmin_logout",
}


def _post_bodies() -> list[tuple[str, dict]]:
    nested = {"a": {"b": [1, {"c": None}]}, "body": ["x", "y"], "id": {"$gt": ""}}
    return [
        ("empty form", {"data": {}}),
        ("1 MB field", {"data": {"body": "x" * MB, "csrfmiddlewaretoken": "x"}}),
        (
            "wrong types",
            {
                "data": {
                    **{name: ["a", "\u202e", "🙂", "b\x00"] for name in FIELD_NAMES},
                    "days": "abc",
                    "level": "-1",
                    "up_to": "9" * 30,
                    "answers[0][x]": "y",
                    "client_id": "\x00",
                    "toggle": "9" * 30,
                }
            },
        ),
        ("JSON object", {"data": json.dumps(nested), "content_type": "application/json"}),
        ("JSON array", {"data": "[1, [2, [3]]]", "content_type": "application/json"}),
        ("JSON, not JSON", {"data": "{not json", "content_type": "application/json"}),
        ("form as JSON", {"data": "body=x&value=1", "content_type": "application/json"}),
    ]


@dataclass
class Walk:
    """One role's walk: the requests made and what went wrong."""

    client_factory: Callable[[], Client]
    client: Client = field(init=False)
    requests: int = 0
    errors: list[tuple[str, str, int]] = field(default_factory=list)
    # Requests after which the session was gone (a logout route): the walk logs in again, so
    # the rest of it is still made as this role and not, unnoticed, as an anonymous visitor.
    session_lost_after: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.client = self.client_factory()
        self.logged_in = self._session() != ""

    def _session(self) -> str:
        cookie = self.client.cookies.get(settings.SESSION_COOKIE_NAME)
        return cookie.value if cookie is not None else ""

    def request(self, method: str, path: str, **kwargs) -> int:
        self.requests += 1
        response = getattr(self.client, method)(path, **kwargs)
        if response.status_code >= 500:
            self.errors.append((method.upper(), path[:200], response.status_code))
        if self.logged_in and self._session() == "":
            self.session_lost_after.append(f"{method.upper()} {path[:80]}")
            self.client = self.client_factory()
        return response.status_code


def templates() -> list[tuple[str, str]]:
    """(route, view name) for every URL pattern, Wagtail's and allauth's included."""

    def walk(patterns, prefix: str = "") -> Iterator[tuple[str, str]]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                namespace = f"{entry.namespace}:" if entry.namespace else ""
                for route, name in walk(entry.url_patterns, prefix + str(entry.pattern)):
                    yield route, (namespace + name if name and ":" not in name else name)
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), entry.name or ""

    return sorted(set(walk(get_resolver().url_patterns)))


def _fill(route: str, value: Callable[[str, str], str]) -> str:
    def one(match: re.Match) -> str:
        name = match.group("name") or match.group("rname")
        return value(name, match.group("conv") or "")

    return "/" + sample_path(SLOT.sub(one, route))


def _converter_takes(conv: str, value: str) -> bool:
    """Whether a path converter (or a regex group, taken as letting anything through) lets
    `value` reach the view."""
    from urllib.parse import unquote

    if conv == "int":
        return value.isdigit()
    if conv == "uuid":
        try:
            return str(uuid.UUID(value)) == value
        except ValueError:
            return False
    if conv == "slug":
        return re.fullmatch(r"[-a-zA-Z0-9_]+", value) is not None
    return "/" not in unquote(value) or conv == "path"


def _slots(route: str) -> list[str]:
    return [m.group("name") or m.group("rname") for m in SLOT.finditer(route)]


@dataclass
class Ids:
    """Real ids for one route's slots: the first participant's (Alex's) things, or Robin's for
    "another person's"."""

    values: dict[str, str]
    by_prefix: dict[str, str]

    def __call__(self, route: str) -> Callable[[str, str], str]:
        def value(name: str, conv: str) -> str:
            if name == "public_id":
                for prefix, public_id in self.by_prefix.items():
                    if route.startswith(prefix):
                        return public_id
            return self.values.get(name, "1")

        return value


def _world_ids(world: World, partner_worker: User, *, robin: bool = False) -> Ids:
    from modules.models import Enrollment
    from partner import services as partner_services
    from partner.models import PartnerCase, PartnerConsent, RiskAssessment
    from tests.helpers import modules_of

    enrollment: Enrollment = world.e_robin if robin else world.e_alex
    person = world.robin if robin else world.alex
    module = modules_of(world.e_alex.programme)[0]
    case = PartnerCase.objects.filter(enrollment=world.e_alex).first()
    assert case is not None
    assessment = RiskAssessment.objects.filter(
        case=case
    ).first() or partner_services.assessment_record(
        actor=partner_worker,
        case=case,
        assessed_on=date.today(),
        answers={},
        description="walk",
        level="high",
    )
    consent = PartnerConsent.objects.filter(enrollment=world.e_alex).first()
    signal = RiskSignal.objects.filter(enrollment=enrollment).first() or RiskSignal.objects.create(
        enrollment=enrollment, source="message", level="high", reasons=["walk"]
    )
    from intake.models import Referral

    referral = Referral.objects.filter(enrollment=enrollment).first()
    assert referral is not None and consent is not None and signal is not None
    other = str(uuid.uuid4())  # Robin has no partner case: someone else's is one not shown
    return Ids(
        values={
            "key": str(module.translation_key),
            "signal_id": str(signal.public_id),
            "consent_id": other if robin else str(consent.public_id),
            "assessment_id": other if robin else str(assessment.public_id),
            "action": "open",
            "token": "not-a-real-token",
            "occasion": "intake",
            "page_id": str(module.pk),
            "parent_page_id": str(module.get_parent().pk),
            "page_pk": str(module.pk),
            "page_to_move_id": str(module.pk),
            "destination_id": str(module.get_parent().pk),
            "app_label": "content",
            "model_name": "modulepage",
            "app_name": "content",
            "content_type_app_name": "content",
            "content_type_model_name": "modulepage",
            "object_id": str(module.pk),
        },
        by_prefix={
            "account/admin/users/": str(person.public_id),
            "messages/": str(Thread.objects.get(enrollment=enrollment).public_id),
            "partner/cases/": other if robin else str(case.public_id),
            "partner/administration/": other if robin else str(case.public_id),
            "help/referrals/": str(referral.public_id),
            "": str(enrollment.public_id),
        },
    )


ROLES = [
    "anonymous",
    "unverified",
    "participant",
    "therapist",
    "other_therapist",
    "editor",
    "clinical_lead",
    "partner_worker",
    "org_lead",
    "admin",
]


def _walk_everything(who: str, world: World, cast: dict[str, User]) -> Walk:
    people = {
        "participant": world.alex,
        "therapist": world.therapist,
        **{k: cast[k] for k in ("other_therapist", "editor", "partner_worker", "admin")},
        "clinical_lead": make_user("lead@example.org", [Role.CLINICAL_LEAD], name="Karin"),
        "org_lead": make_user("org-lead@example.org", [Role.ORG_LEAD], name="Olle"),
    }
    if who == "anonymous":
        factory: Callable[[], Client] = Client
    elif who == "unverified":
        factory = lambda: unverified_client(world.therapist)  # noqa: E731
    else:
        factory = lambda: verified_client(people[who])  # noqa: E731

    def fresh_client() -> Client:
        client = factory()
        client.raise_request_exception = False
        return client

    walk = Walk(fresh_client)
    mine = _world_ids(world, cast["partner_worker"])
    others = _world_ids(world, cast["partner_worker"], robin=True)
    routes = templates()
    reached: list[tuple[str, str, str]] = []

    # 1. GET every route with real ids, and with another person's; keep the routes whose view
    # this role reaches (elsewhere the login, the second factor or the role check answers
    # first, the same for any id or body).
    for route, name in routes:
        path = _fill(route, mine(route))
        status = walk.request("get", path)
        if status not in (302, 404):
            reached.append((route, name, path))
            if _slots(route):
                walk.request("get", _fill(route, others(route)))  # another person's ids

    # 2. Ids wrong in every way. A value its converter refuses (a letter for <int:>, anything
    # but a UUID for <uuid:>) never reaches a view: the resolver answers 404 for every route
    # alike, so one route per converter shows it; values a converter lets through go to every
    # route the role reaches.
    spot_checked: set[str] = set()
    for route, _name, _path in reached:
        slots = _slots(route)
        if not slots:
            continue
        real = mine(route)
        last = slots[-1]
        converters = {
            m.group("conv") or ("regex" if m.group("rname") else "str")
            for m in SLOT.finditer(route)
        }
        for bad in BAD_IDS.values():
            passes = any(_converter_takes(conv, bad) for conv in converters)
            if not passes and converters <= spot_checked:
                continue
            walk.request("get", _fill(route, lambda name, conv, bad=bad: bad))
            if len(slots) > 1 and passes:  # the last slot wrong, the ones before it right
                walk.request(
                    "get",
                    _fill(
                        route,
                        lambda name, conv, bad=bad, last=last, real=real: (
                            bad if name == last else real(name, conv)
                        ),
                    ),
                )
        spot_checked |= converters

    # 3. Bad query parameters on every page the role reaches.
    for _route, _name, path in reached:
        for query in BAD_QUERIES:
            walk.request("get", f"{path}?{query}")

    # 4. Empty, oversized and wrong-typed bodies to every form and endpoint the role reaches
    # (anonymous and password-only sessions: to every route, since the gates answer POSTs too).
    targets = (
        reached
        if who not in ("anonymous", "unverified")
        else [(route, name, _fill(route, mine(route))) for route, name in routes]
    )
    bodies = _post_bodies()
    for _route, name, path in targets:
        if name in NO_POST:
            continue
        for _label, body in bodies:
            walk.request("post", path, **body)
        if who not in ("anonymous", "unverified") and "_auth_user_id" not in walk.client.session:
            walk.client = fresh_client()  # a POST ended the session (it may): carry on as before
    return walk


@pytest.mark.parametrize("who", ROLES)
def test_no_url_answers_a_server_error(who, world, cast, caplog, settings):
    settings.MESSAGE_RATE_LIMIT_PER_MINUTE = 10_000  # the walk writes; limits are tested apart
    # /readyz answers 503 while no task worker has beaten (tests/ops/test_readyz.py).
    beat("url-walk")
    started = time.monotonic()
    with caplog.at_level(logging.ERROR):
        walk = _walk_everything(who, world, cast)
    seconds = time.monotonic() - started
    print(f"\nurl walk as {who}: {walk.requests} requests in {seconds:.1f} s")
    # Only a POST to a logout route may end the session; a GET never does.
    assert not [r for r in walk.session_lost_after if r.startswith("GET")], walk.session_lost_after
    tracebacks = [
        f"{r.name}: {r.getMessage()[:200]}" for r in caplog.records if r.levelno >= logging.ERROR
    ]
    assert walk.errors == [], walk.errors[:20]
    assert tracebacks == [], tracebacks[:20]
    assert walk.requests > 300


def test_the_walk_reaches_wagtail_and_allauth():
    names = {name for _route, name in templates()}
    assert {"wagtailadmin_home", "account_login", "wagtailimages:index"} <= names
    assert len(names) > 250
    assert settings.ROOT_URLCONF == "config.urls"
