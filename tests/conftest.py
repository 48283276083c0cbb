"""The fixed cast of docs/architecture.md, and clients logged in with or without a second factor."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from accounts.services import _grant_roles

PASSWORD = "a-long-test-password-42"
TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238 test key


def make_user(email: str, roles: list[str], *, name: str = "", enrolled: bool = True) -> User:
    user = User.objects.create_user(email, PASSWORD, display_name=name)
    _grant_roles(user, roles)
    if enrolled:
        TOTPDevice.objects.create(user=user, name="app", key=TOTP_KEY, confirmed=True)
    return user


def current_code(user: User, *, offset_steps: int = 0) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    t0 = device.t0 - offset_steps * device.step
    return f"{totp(device.bin_key, device.step, t0, device.digits, device.drift):06d}"


def end_otp_pause(user: User) -> None:
    """Move django-otp's growing pause after a wrong code into the past, instead of sleeping
    through it."""
    from datetime import timedelta

    from django.utils import timezone

    TOTPDevice.objects.filter(user=user).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1)
    )


@pytest.fixture
def participant(db: None) -> User:
    return make_user("participant@example.org", [Role.PARTICIPANT], name="Alex")


@pytest.fixture
def participant2(db: None) -> User:
    return make_user("participant2@example.org", [Role.PARTICIPANT], name="Robin")


@pytest.fixture
def therapist(db: None) -> User:
    return make_user("therapist@example.org", [Role.THERAPIST], name="Tove")


@pytest.fixture
def other_therapist(db: None) -> User:
    return make_user("therapist2@example.org", [Role.THERAPIST], name="Tim")


@pytest.fixture
def editor(db: None) -> User:
    return make_user("editor@example.org", [Role.EDITOR], name="Erik")


@pytest.fixture
def clinical_lead(db: None) -> User:
    return make_user("lead@example.org", [Role.CLINICAL_LEAD], name="Karin")


@pytest.fixture
def partner_worker(db: None) -> User:
    return make_user("partner-worker@example.org", [Role.PARTNER_WORKER], name="Pia")


@pytest.fixture
def admin_user(db: None) -> User:
    return make_user("admin@example.org", [Role.ADMIN], name="Ada")


@pytest.fixture
def cast(
    participant: User,
    therapist: User,
    other_therapist: User,
    editor: User,
    partner_worker: User,
    admin_user: User,
) -> dict[str, User]:
    return {
        "participant": participant,
        "therapist": therapist,
        "other_therapist": other_therapist,
        "editor": editor,
        "partner_worker": partner_worker,
        "admin": admin_user,
    }


def verified_client(user: User) -> Client:
    """A client whose session is logged in AND has passed the second factor."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def unverified_client(user: User) -> Client:
    """Logged in with the password only: the second factor is still owed."""
    client = Client()
    client.force_login(user)
    return client


# What a role × page matrix expects besides a status code: anonymous visitors are sent to
# log in, visitors who have only given their password are sent to the second factor.
LOGIN = "login"
SECOND_FACTOR = "2fa"


def client_as(who: str, people: Mapping[str, User], *, unverified_as: str) -> Client:
    """A client for one row of a role × page matrix: "anonymous" is logged out,
    "unverified" is `people[unverified_as]` with the password only, anyone else is
    `people[who]` past both factors."""
    if who == "anonymous":
        return Client()
    if who == "unverified":
        return unverified_client(people[unverified_as])
    return verified_client(people[who])


def outcome_of(response: Any) -> int | str:
    """LOGIN for a redirect to the login page that brings the visitor back (`?next=`),
    SECOND_FACTOR for a redirect to the second-factor page, else the status code."""
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(f"{reverse('account_login')}?next="):
            return LOGIN
        if location.startswith(reverse("accounts:second_factor")):
            return SECOND_FACTOR
    return int(response.status_code)


def in_english(client: Client) -> Client:
    """The interface is Swedish by default; tests that read its words ask for English."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def english() -> Iterator[None]:
    """Messages built outside a request (services, selectors) in English."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    return verified_client


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate limits and throttles live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def in_memory_channel_layer(settings: object) -> object:
    """The socket tests drive consumers in the test's own event loop. With the Redis layer, a
    consumer still blocked in a channel-layer read at teardown can keep that loop from
    closing, so these tests use the in-memory layer; the Redis layer across processes is
    tested for real by tests/messaging/test_two_servers.py."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {  # type: ignore[attr-defined]
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
